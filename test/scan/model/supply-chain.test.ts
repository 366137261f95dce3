/**
 * Detection quality on the development data (../shared/data/model_supply_chain/, picklescan's
 * fixtures; live exploits, parsed only). The same function `npm run eval -- --only model` reports.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultDataDir } from "../../../scripts/eval/data.js";
import { scanSupplyChain } from "../../../scripts/eval/model.js";

const dataDir = defaultDataDir();
const present = existsSync(join(dataDir, "model_supply_chain", "manifest.jsonl"));
if (!present) console.warn(`skipping: ${dataDir}/model_supply_chain is not present`);

describe.skipIf(!present)("model_supply_chain evaluation", () => {
  it("flags every malicious file as malicious and no benign file", () => {
    const { results } = scanSupplyChain(dataDir);
    expect(results.length).toBeGreaterThan(50);
    const wrong = results.filter(
      (r) =>
        (r.label === "malicious" && r.verdict !== "malicious") ||
        (r.label === "benign" && r.verdict !== "clean") ||
        (r.label === "not_a_model" && r.verdict !== "invalid"),
    );
    expect(wrong).toEqual([]);
  });
});
