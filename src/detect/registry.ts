/**
 * The detector registry: one line per detector, its id and its factory (STYLE.md §7: a test
 * checks that this list and the detector folders agree). Each factory validates its options
 * when it is called (STYLE.md §1, §8).
 */
import type { Detector } from "./types.js";
import { createExfiltrationDetector } from "./exfiltration/index.js";
import { createInjectionDetector } from "./injection/index.js";
import { createLeakageDetector } from "./leakage/index.js";
import { createPiiDetector } from "./pii/index.js";
import { createSecretsDetector } from "./secrets/index.js";
import { createUnicodeDetector } from "./unicode/index.js";

// Options are validated by each factory's own zod schema; the registry passes them through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DetectorFactory = (options?: any) => Detector;

export const detectorFactories = {
  unicode: createUnicodeDetector,
  injection: createInjectionDetector,
  pii: createPiiDetector,
  secrets: createSecretsDetector,
  leakage: createLeakageDetector,
  exfiltration: createExfiltrationDetector,
} as const satisfies Record<string, DetectorFactory>;

export type DetectorId = keyof typeof detectorFactories;

/** Every registered detector id, in registry order (the order findings of equal span keep). */
export const DETECTOR_IDS = Object.keys(detectorFactories) as DetectorId[];

export function isDetectorId(id: string): id is DetectorId {
  return Object.hasOwn(detectorFactories, id);
}
