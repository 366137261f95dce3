import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RESULTS_MARKER, writeBenchmarks } from "../../bench/report.js";

describe("writeBenchmarks", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
  const file = join(dir, "BENCHMARKS.md");
  afterEach(() => rmSync(file, { force: true }));

  it("keeps the hand-written part and replaces only what follows the marker", () => {
    writeFileSync(file, `# Benchmarks\n\nWhy these numbers.\n\n${RESULTS_MARKER}\n\n## Results\n\nold\n`);
    writeBenchmarks(file, "## Results\n\nnew\n");
    const text = readFileSync(file, "utf8");
    expect(text).toContain("Why these numbers.");
    expect(text).toContain("new");
    expect(text).not.toContain("old");
    expect(text.split(RESULTS_MARKER)).toHaveLength(2);
  });

  it("adds the marker under existing prose that has none", () => {
    writeFileSync(file, "# Benchmarks\n\nProse only.\n");
    writeBenchmarks(file, "results");
    expect(readFileSync(file, "utf8")).toBe(`# Benchmarks\n\nProse only.\n\n${RESULTS_MARKER}\n\nresults\n`);
  });
});
