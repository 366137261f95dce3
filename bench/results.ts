import type { CostFigures, FairnessResult } from "./fairness.js";
import type { Machine } from "./machine.js";
import type { PacedResult } from "./paced.js";
import type { ProfileRun } from "./profile.js";
import type { SaturationResult } from "./saturation.js";
import type { PathId, PromptId } from "./workload.js";

/** Saturation of one path, pooled over the rounds. */
export interface SaturationSummary {
  /** Completed requests over measured time, all rounds together. */
  rps: number;
  rounds: SaturationResult[];
  /** CPU time of the path's proxy process(es) per request: independent of what else runs. */
  proxyCpuMsPerRequest?: number;
  /** CPU time of the mock per request (it also works for (b), (c) and (d)). */
  mockCpuMsPerRequest?: number;
}

/** One fixed-rate measurement of a path: a prompt variant, streamed or not. */
export interface RateCell {
  prompt: PromptId;
  stream: boolean;
  result: PacedResult;
}

export type PathResult =
  | {
      id: PathId;
      label: string;
      measured: true;
      saturation?: SaturationSummary;
      rates: RateCell[];
      /** Mean share of the machine other processes used while this path was measured, 0–1. */
      othersShare?: number;
      /** Portcullis only: security events its store queue dropped during the run. */
      droppedEvents?: number;
      /** What the probe before the measurements found wrong (refused or altered answers). */
      problems?: string[];
    }
  | { id: PathId; label: string; measured: false; reason: string };

export interface Settings {
  /** Saturation and the 1 KB unstreamed fixed-rate run, per path. */
  durationS: number;
  /** The other fixed-rate runs, per path. */
  otherDurationS: number;
  /** Each phase is split into this many rounds that alternate between the paths. */
  rounds: number;
  warmupS: number;
  connections: number;
  rate: number;
  nginxWorkers: number;
  mockChunkDelayMs: number;
  mockStreamEvents: number;
  answerChars: number;
  /** The prompt variant of the saturation runs. */
  saturationPrompt: PromptId;
}

/** A target and whether the measurement met it; `undefined` when a path it needs was not measured. */
export interface Verdict {
  figure: string;
  value: number | undefined;
  unit: "ms" | "ratio";
  target: string;
  pass: boolean | undefined;
  /** The measured value is a lower bound (requests were still unanswered at the deadline). */
  lowerBound?: boolean;
}

export interface Comparison {
  targets: Verdict[];
  /** Lowest and highest (b)/(c) ratio of a single round: how much the machine's noise moved it. */
  saturationVsNginxRange?: [number, number];
  /** Proxy CPU time per request at saturation, Portcullis / nginx. */
  cpuPerRequestVsNginx: number | undefined;
  saturationVsDirect: number | undefined;
  nginxVsDirect: number | undefined;
  /** Saturation with the default guards / without, (d) / (b). */
  guardedVsUnguarded: number | undefined;
}

export interface FairnessRun {
  costs: CostFigures;
  fairness: FairnessResult;
  redis: boolean;
  seconds: number;
  rounds: number;
}

export interface BenchResult {
  machine: Machine;
  settings: Settings;
  paths: PathResult[];
  comparison: Comparison;
  profiles?: { id: PathId; label: string; run: ProfileRun }[];
  fairness?: FairnessRun;
}

export type Measured = Extract<PathResult, { measured: true }>;

export function measured(paths: readonly PathResult[], id: PathId): Measured | undefined {
  const path = paths.find((p) => p.id === id);
  return path?.measured ? path : undefined;
}

export function cell(path: Measured | undefined, prompt: PromptId, stream: boolean): PacedResult | undefined {
  return path?.rates.find((r) => r.prompt === prompt && r.stream === stream)?.result;
}

/** Latency a path adds to the direct path (a) in one fixed-rate cell, at p50 and p99. */
export interface Added {
  p50: number;
  p99: number;
  /** Streams: time to first byte added. */
  firstByteP50?: number;
  firstByteP99?: number;
  lowerBound: boolean;
}

export function added(
  paths: readonly PathResult[],
  id: PathId,
  prompt: PromptId,
  stream: boolean,
  baseline: PathId = "a",
): Added | undefined {
  const x = cell(measured(paths, id), prompt, stream);
  const a = cell(measured(paths, baseline), prompt, stream);
  if (!x || !a) return undefined;
  return {
    p50: x.latency.p50 - a.latency.p50,
    p99: x.latency.p99 - a.latency.p99,
    ...(x.firstByte && a.firstByte
      ? { firstByteP50: x.firstByte.p50 - a.firstByte.p50, firstByteP99: x.firstByte.p99 - a.firstByte.p99 }
      : {}),
    lowerBound: x.timedOut > 0,
  };
}

function roundRange(b: Measured, c: Measured): [number, number] | undefined {
  if (!b.saturation || !c.saturation) return undefined;
  const cRounds = c.saturation.rounds;
  const ratios = b.saturation.rounds.map((round, i) => round.rps / (cRounds[i]?.rps ?? Number.NaN));
  return [Math.min(...ratios), Math.max(...ratios)];
}

/** The issues' targets, each against the baseline measured in the same run. */
export function compare(paths: readonly PathResult[], rate: number): Comparison {
  const a = measured(paths, "a");
  const b = measured(paths, "b");
  const c = measured(paths, "c");
  const d = measured(paths, "d");
  const rps = (p: Measured | undefined) => p?.saturation?.rps;
  const ratio = (x: Measured | undefined, y: Measured | undefined) => {
    const [rx, ry] = [rps(x), rps(y)];
    return rx !== undefined && ry !== undefined ? rx / ry : undefined;
  };
  const at = `at ${rate.toLocaleString("en-US")} req/s, 1 KB`;
  const addedVerdict = (id: PathId, which: "p50" | "p99", limit: number, issue: string): Verdict => {
    const value = added(paths, id, "1k", false);
    return {
      figure: `added latency ${which} ${at}, (${id}) − (a) [${issue}]`,
      value: value?.[which],
      unit: "ms",
      target: `≤ ${limit} ms`,
      pass: value === undefined ? undefined : value[which] <= limit,
      ...(value?.lowerBound ? { lowerBound: true } : {}),
    };
  };
  const vsNginx = ratio(b, c);
  const range = b && c ? roundRange(b, c) : undefined;
  const bCpu = b?.saturation?.proxyCpuMsPerRequest;
  const cCpu = c?.saturation?.proxyCpuMsPerRequest;
  return {
    targets: [
      addedVerdict("b", "p50", 1, "issue 2, no guards"),
      addedVerdict("b", "p99", 3, "issue 2, no guards"),
      {
        figure: "saturation, Portcullis / nginx, (b) / (c) [issue 2]",
        value: vsNginx,
        unit: "ratio",
        target: "≥ 0.67 × nginx",
        pass: vsNginx === undefined ? undefined : vsNginx >= 2 / 3,
      },
      addedVerdict("d", "p50", 1.5, "issue 4, default guards"),
      addedVerdict("d", "p99", 4, "issue 4, default guards"),
    ],
    ...(range ? { saturationVsNginxRange: range } : {}),
    cpuPerRequestVsNginx: bCpu && cCpu ? bCpu / cCpu : undefined,
    saturationVsDirect: ratio(b, a),
    nginxVsDirect: ratio(c, a),
    guardedVsUnguarded: ratio(d, b),
  };
}
