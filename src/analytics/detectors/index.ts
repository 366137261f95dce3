import { costHarvesting } from "./cost-harvesting/index.js";
import { flood } from "./flood/index.js";
import { insiderExfiltration } from "./insider-exfiltration/index.js";
import { keySharing } from "./key-sharing/index.js";
import { modelExtraction } from "./model-extraction/index.js";
import { scraping } from "./scraping/index.js";
import type { Category, Detector } from "./types.js";

export type * from "./types.js";

/** Every behaviour detector, in the order ties are broken. The list of categories derives from it. */
export const DETECTORS: readonly Detector[] = [
  modelExtraction,
  scraping,
  insiderExfiltration,
  keySharing,
  costHarvesting,
  flood,
];

export const CATEGORIES: readonly Category[] = DETECTORS.map((d) => d.category);
