import { parseArgs } from "node:util";
import { PATH_IDS, PROMPT_IDS, type PathId, type PromptId } from "./workload.js";

/** Measurements made on every path: closed-loop saturation, fixed rate unstreamed, fixed rate streamed. */
export const PHASES = ["saturation", "fixed", "stream"] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  /** Saturation and the 1 KB unstreamed fixed-rate run (the one the targets are about). */
  durationS: number;
  /** The other fixed-rate runs (8 KB, email, streamed). */
  otherDurationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  rate: number;
  nginxWorkers: number;
  paths: PathId[];
  phases: Phase[];
  prompts: PromptId[];
  /** Whether any path is measured at all (`--only fairness` measures none). */
  measurePaths: boolean;
  fairness: boolean;
  fairnessSeconds: number;
  fairnessRounds: number;
  redisUrl?: string;
  json: boolean;
  profile: boolean;
  /** Rewrite BENCHMARKS.md: only a complete run does, so partial runs never clobber it. */
  write: boolean;
}

export const USAGE = `npm run bench -- [options]

  --duration S          seconds of saturation and of the 1 KB fixed-rate run per path, default 10
  --other-duration S    seconds of each other fixed-rate run (8 KB, email, streamed) per path, default 6
  --rounds N            split each phase into N rounds alternating between the paths, default 3
  --warmup S            seconds of saturation before measuring each path, default 3
  --connections N       connections at saturation, default 64
  --rate N              requests per second of the fixed-rate runs, default 1000
  --nginx-workers N     nginx worker processes, default 1 (the gateway is one event loop)
  --only LIST           comma-separated; any of
                          paths:   a direct, b Portcullis without guards, c nginx,
                                   d Portcullis with the default guards
                          phases:  saturation, fixed (fixed rate), stream (fixed rate, streamed),
                                   fairness (the limits bench)
                          prompts: 1k, 8k, email (1 KB naming an email address)
                        what a dimension does not name runs in full; "--only fairness" runs the
                        fairness bench alone. A run with --only never rewrites BENCHMARKS.md.
  --fairness            also run the fairness bench (on by default without --only)
  --no-fairness         leave it out
  --fairness-seconds S  seconds of each fairness phase, default 2
  --fairness-rounds N   rounds of the fairness bench, default 3
  --redis URL           also measure the Redis limits store, and run fairness on it
  --profile             also profile each Portcullis path at saturation (node --cpu-prof)
  --json                print the results as JSON instead of tables
  --no-write            do not rewrite BENCHMARKS.md`;

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}

const has = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: "string" },
      "other-duration": { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      "nginx-workers": { type: "string" },
      only: { type: "string" },
      fairness: { type: "boolean" },
      "no-fairness": { type: "boolean", default: false },
      "fairness-seconds": { type: "string" },
      "fairness-rounds": { type: "string" },
      redis: { type: "string" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  if (values.fairness && values["no-fairness"]) throw new Error("--fairness and --no-fairness contradict");

  const paths: PathId[] = [];
  const phases: Phase[] = [];
  const prompts: PromptId[] = [];
  let fairnessNamed = false;
  const tokens = values.only === undefined ? [] : values.only.split(",").map((s) => s.trim());
  for (const token of tokens) {
    if (has(PATH_IDS, token)) paths.push(token);
    else if (has(PHASES, token)) phases.push(token);
    else if (has(PROMPT_IDS, token)) prompts.push(token);
    else if (token === "fairness") fairnessNamed = true;
    else
      throw new Error(
        `--only takes a comma-separated list of ${[...PATH_IDS, ...PHASES, "fairness", ...PROMPT_IDS].join(", ")}; got "${token}"`,
      );
  }
  const partial = values.only !== undefined;
  const measurePaths = !partial || paths.length + phases.length + prompts.length > 0 || !fairnessNamed;
  const fairness =
    !values["no-fairness"] && (values.fairness === true || fairnessNamed || (!partial && measurePaths));
  const complete = !partial && fairness;

  return {
    // Bounds keep a whole run within minutes, as the issue asks.
    durationS: positive("duration", values.duration, 10, 60),
    otherDurationS: positive("other-duration", values["other-duration"], 6, 60),
    rounds: positive("rounds", values.rounds, 3, 10),
    warmupS: positive("warmup", values.warmup, 3, 30),
    connections: positive("connections", values.connections, 64, 1024),
    rate: positive("rate", values.rate, 1000, 20_000),
    nginxWorkers: positive("nginx-workers", values["nginx-workers"], 1, 64),
    paths: measurePaths ? (paths.length > 0 ? PATH_IDS.filter((p) => paths.includes(p)) : [...PATH_IDS]) : [],
    phases: measurePaths ? (phases.length > 0 ? PHASES.filter((p) => phases.includes(p)) : [...PHASES]) : [],
    prompts: measurePaths
      ? prompts.length > 0
        ? PROMPT_IDS.filter((p) => prompts.includes(p))
        : [...PROMPT_IDS]
      : [],
    measurePaths,
    fairness,
    fairnessSeconds: positive("fairness-seconds", values["fairness-seconds"], 2, 30),
    fairnessRounds: positive("fairness-rounds", values["fairness-rounds"], 3, 10),
    ...(values.redis ? { redisUrl: values.redis } : {}),
    json: values.json,
    profile: values.profile,
    write: !values["no-write"] && complete,
  };
}
