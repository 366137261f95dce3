import { describe, expect, it } from "vitest";
import type { PacedResult } from "../../bench/paced.js";
import { renderResults } from "../../bench/report.js";
import { added, compare, type BenchResult, type PathResult } from "../../bench/results.js";
import { distribution } from "../../bench/stats.js";
import type { PathId } from "../../bench/workload.js";

/** A fixed-rate result whose latencies are `base` plus 0…0.99 ms (p50 = base + 0.49, p99 = base + 0.98). */
function rate(base: number, timedOut = 0): PacedResult {
  const latencies = Array.from({ length: 100 }, (_, i) => base + i / 100);
  return {
    rate: 1000,
    achievedRate: 1000,
    latency: distribution(latencies),
    sendLagMs: distribution([0]),
    errors: 0,
    non2xx: 0,
    statuses: {},
    timedOut,
  };
}

function path(id: PathId, base: number, rps: number, timedOut = 0): PathResult {
  return {
    id,
    label: `path ${id}`,
    measured: true,
    saturation: { rps, rounds: [] },
    rates: [
      { prompt: "1k", stream: false, result: rate(base, timedOut) },
      { prompt: "8k", stream: true, result: { ...rate(base * 2), firstByte: distribution([base]) } },
    ],
  };
}

describe("compare", () => {
  it("judges (b) and (d) against the direct path with each issue's limits", () => {
    const paths = [path("a", 1, 9000), path("b", 1.8, 3000), path("c", 1.2, 8000), path("d", 3, 2000)];
    const c = compare(paths, 1000);
    const byFigure = Object.fromEntries(c.targets.map((t) => [t.figure.split(" [")[0], t]));
    expect(byFigure["added latency p50 at 1,000 req/s, 1 KB, (b) − (a)"]).toMatchObject({ pass: true });
    expect(byFigure["added latency p50 at 1,000 req/s, 1 KB, (b) − (a)"]!.value).toBeCloseTo(0.8);
    expect(byFigure["added latency p50 at 1,000 req/s, 1 KB, (d) − (a)"]).toMatchObject({
      target: "≤ 1.5 ms",
      pass: false,
    });
    expect(byFigure["added latency p99 at 1,000 req/s, 1 KB, (d) − (a)"]).toMatchObject({
      target: "≤ 4 ms",
      pass: true,
    });
    expect(byFigure["saturation, Portcullis / nginx, (b) / (c)"]!.value).toBeCloseTo(3000 / 8000);
    expect(c.guardedVsUnguarded).toBeCloseTo(2000 / 3000);
  });

  it("leaves a target unjudged when a path it needs was not measured", () => {
    const c = compare([path("a", 1, 9000), path("b", 1.5, 3000)], 1000);
    expect(c.targets.filter((t) => t.figure.includes("(d)")).map((t) => t.pass)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("marks an added latency as a lower bound when requests went unanswered", () => {
    const paths = [path("a", 1, 9000), path("d", 50, 100, 12)];
    expect(added(paths, "d", "1k", false)).toMatchObject({ lowerBound: true });
    expect(added(paths, "d", "8k", true)?.firstByteP50).toBeCloseTo(49);
  });
});

describe("renderResults", () => {
  it("renders every section without placeholders for what was measured", () => {
    const paths = [path("a", 1, 9000), path("b", 1.8, 3000), path("c", 1.2, 8000), path("d", 60, 200, 5)];
    const result: BenchResult = {
      machine: {
        date: "2026-01-01T00:00:00.000Z",
        cpu: "cpu",
        cores: 2,
        memoryGiB: 4,
        kernel: "6",
        node: "v20",
        nginx: "nginx/1",
        autocannon: "8",
        commit: "abc",
        srcChanged: false,
      },
      settings: {
        durationS: 10,
        otherDurationS: 6,
        rounds: 3,
        warmupS: 3,
        connections: 64,
        rate: 1000,
        nginxWorkers: 1,
        mockChunkDelayMs: 2,
        mockStreamEvents: 15,
        answerChars: 757,
        saturationPrompt: "1k",
      },
      paths,
      comparison: compare(paths, 1000),
    };
    const text = renderResults(result);
    expect(text).toContain("### Added latency over the direct path");
    expect(text).toContain("guards alone, (d) − (b)");
    expect(text).toMatch(/\(d\) − \(a\) \[issue 4, default guards\] \| ≥ \+\d/);
    expect(text).toContain("**missed**");
    expect(text).toContain("**met**");
    expect(text).not.toContain("NaN");
  });
});
