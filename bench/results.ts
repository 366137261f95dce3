import type { Machine } from "./machine.js";
import type { PacedResult } from "./paced.js";
import type { ProfileRun } from "./profile.js";
import type { SaturationResult } from "./saturation.js";
import type { TtfbResult } from "./ttfb.js";
import type { Target } from "./workload.js";

/** Saturation of one path, pooled over the rounds. */
export interface SaturationSummary {
  /** Completed requests over measured time, all rounds together. */
  rps: number;
  rounds: SaturationResult[];
  /** CPU time of the path's proxy process(es) per request: independent of what else runs. */
  proxyCpuMsPerRequest?: number;
  /** CPU time of the mock per request (it also works for (b) and (c)). */
  mockCpuMsPerRequest?: number;
}

export type PathResult =
  | {
      id: Target["id"];
      label: string;
      measured: true;
      saturation: SaturationSummary;
      fixedRate: PacedResult;
      ttfb: TtfbResult;
      /** Mean share of the machine other processes used while this path was measured, 0–1. */
      othersShare?: number;
      /** Portcullis only: security events its store queue dropped during the run. */
      droppedEvents?: number;
    }
  | { id: Target["id"]; label: string; measured: false; reason: string };

export interface Settings {
  durationS: number;
  /** Each phase is split into this many rounds that alternate between the paths. */
  rounds: number;
  warmupS: number;
  connections: number;
  rate: number;
  ttfbSamples: number;
  ttfbConcurrency: number;
  nginxWorkers: number;
  mockChunkDelayMs: number;
  bodyBytes: number;
}

/** A target and whether the measurement met it; `undefined` when a path it needs was not measured. */
export interface Verdict {
  value: number | undefined;
  target: string;
  pass: boolean | undefined;
}

export interface Comparison {
  addedP50Ms: Verdict;
  addedP99Ms: Verdict;
  saturationVsNginx: Verdict;
  /** Lowest and highest (b)/(c) ratio of a single round: how much the machine's noise moved it. */
  saturationVsNginxRange?: [number, number];
  /** Proxy CPU time per request, Portcullis / nginx. */
  cpuPerRequestVsNginx: number | undefined;
  saturationVsDirect: number | undefined;
  nginxVsDirect: number | undefined;
  ttfbAddedP50Ms: number | undefined;
  ttfbAddedP99Ms: number | undefined;
}

export interface BenchResult {
  machine: Machine;
  settings: Settings;
  paths: PathResult[];
  comparison: Comparison;
  profile?: ProfileRun;
}

type Measured = Extract<PathResult, { measured: true }>;

function measured(paths: PathResult[], id: Target["id"]): Measured | undefined {
  const path = paths.find((p) => p.id === id);
  return path?.measured ? path : undefined;
}

function roundRange(b: Measured, c: Measured): [number, number] {
  const ratios = b.saturation.rounds.map(
    (round, i) => round.rps / (c.saturation.rounds[i]?.rps ?? Number.NaN),
  );
  return [Math.min(...ratios), Math.max(...ratios)];
}

/** The targets, each against the baseline measured in the same run. */
export function compare(paths: PathResult[]): Comparison {
  const a = measured(paths, "a");
  const b = measured(paths, "b");
  const c = measured(paths, "c");
  const diff = (pick: (p: Measured) => number) => (a && b ? pick(b) - pick(a) : undefined);
  const ratio = (x: Measured | undefined, y: Measured | undefined) =>
    x && y ? x.saturation.rps / y.saturation.rps : undefined;
  const verdict = (value: number | undefined, target: string, ok: (v: number) => boolean): Verdict => ({
    value,
    target,
    pass: value === undefined ? undefined : ok(value),
  });
  return {
    addedP50Ms: verdict(
      diff((p) => p.fixedRate.latency.p50),
      "≤ 1 ms",
      (v) => v <= 1,
    ),
    addedP99Ms: verdict(
      diff((p) => p.fixedRate.latency.p99),
      "≤ 3 ms",
      (v) => v <= 3,
    ),
    saturationVsNginx: verdict(ratio(b, c), "≥ 0.67 × nginx", (v) => v >= 2 / 3),
    ...(b && c ? { saturationVsNginxRange: roundRange(b, c) } : {}),
    cpuPerRequestVsNginx:
      b?.saturation.proxyCpuMsPerRequest && c?.saturation.proxyCpuMsPerRequest
        ? b.saturation.proxyCpuMsPerRequest / c.saturation.proxyCpuMsPerRequest
        : undefined,
    saturationVsDirect: ratio(b, a),
    nginxVsDirect: ratio(c, a),
    ttfbAddedP50Ms: diff((p) => p.ttfb.firstByte.p50),
    ttfbAddedP99Ms: diff((p) => p.ttfb.firstByte.p99),
  };
}
