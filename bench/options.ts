import { parseArgs } from "node:util";
import type { Target } from "./workload.js";

export interface BenchOptions {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  rate: number;
  ttfbSamples: number;
  nginxWorkers: number;
  only: Target["id"][];
  json: boolean;
  profile: boolean;
  /** Rewrite BENCHMARKS.md (only a run of all three paths does, so partial runs never clobber it). */
  write: boolean;
}

export const USAGE = `npm run bench -- [options]

  --duration S        seconds of each measured phase per path (saturation, fixed rate), default 10
  --rounds N          split each phase into N rounds alternating between the paths, default 3
  --warmup S          seconds of saturation before measuring each path, default 3
  --connections N     connections at saturation, default 64
  --rate N            requests per second of the fixed-rate run, default 1000
  --ttfb-samples N    streamed requests for time to first byte, default 1000
  --nginx-workers N   nginx worker processes, default 1 (the gateway is one event loop)
  --only a,b,c        paths to measure: a direct, b Portcullis, c nginx (BENCHMARKS.md is rewritten only when all three run)
  --profile           also profile the gateway at saturation (node --cpu-prof)
  --json              print the results as JSON instead of tables
  --no-write          do not rewrite BENCHMARKS.md`;

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      "ttfb-samples": { type: "string" },
      "nginx-workers": { type: "string" },
      only: { type: "string" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  const only = values.only === undefined ? ["a", "b", "c"] : values.only.split(",").map((s) => s.trim());
  for (const id of only) {
    if (id !== "a" && id !== "b" && id !== "c")
      throw new Error(`--only takes a comma-separated list of a, b, c; got "${id}"`);
  }
  return {
    // Bounds keep a whole run within minutes, as the issue asks.
    durationS: positive("duration", values.duration, 10, 60),
    rounds: positive("rounds", values.rounds, 3, 10),
    warmupS: positive("warmup", values.warmup, 3, 30),
    connections: positive("connections", values.connections, 64, 1024),
    rate: positive("rate", values.rate, 1000, 20_000),
    ttfbSamples: positive("ttfb-samples", values["ttfb-samples"], 1000, 20_000),
    nginxWorkers: positive("nginx-workers", values["nginx-workers"], 1, 64),
    only: [...new Set(only)] as Target["id"][],
    json: values.json,
    profile: values.profile,
    write: !values["no-write"] && ["a", "b", "c"].every((id) => only.includes(id)),
  };
}
