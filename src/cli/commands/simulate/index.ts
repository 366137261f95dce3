/**
 * `portcullis simulate --hours N --seed S [--users N] [--start ISO] > trace.jsonl` (issue 7): a
 * labelled synthetic trace for `portcullis replay`, one request per line, sorted by time, in the
 * issue's trace format plus `team`, `user_agent`, `label` ("benign" | "attack") and `actor` (the
 * population or attacker). Benign populations: office-hours chat users, support bots, heavy steady
 * batch jobs, developers with repetitive CI test prompts, nightly jobs. Attackers: a fast and a
 * slow model extractor, a system-prompt scraper, an insider exfiltrating customer records off
 * hours, a leaked key used from many places, a flood, a cost harvester. The same seed always
 * writes the same trace.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { CliError, EXIT_OK } from "../../errors.js";
import {
  batchJob,
  chatUser,
  costHarvester,
  developer,
  ENDPOINT,
  extractorFast,
  extractorSlow,
  flooder,
  insider,
  keySharing,
  nightlyJob,
  scraper,
  supportBot,
  type ActorTrace,
  type SimWindow,
  type TraceLine,
} from "./actors.js";
import { Rng } from "./rng.js";

export type { TraceLine } from "./actors.js";

export interface SimulateOptions {
  hours?: string | number;
  seed?: string | number;
  /** Office chat users (the other populations scale with it). */
  users?: string | number;
  /** Start of the trace (default: Monday 2025-03-03 00:00 UTC). */
  start?: string;
  /** Leave the attackers out (a benign-only trace). */
  benignOnly?: boolean;
  stdout?: Writable;
}

const TEAMS = ["sales", "eng", "marketing", "legal", "finance", "hr"];

function positive(value: string | number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new CliError(`--${name} must be a number in (0, ${max}]`);
  return n;
}

/** Every actor of one simulated trace. */
export function population(options: {
  hours: number;
  seed: number;
  users: number;
  start: number;
  benignOnly?: boolean;
}): ActorTrace[] {
  const root = new Rng(options.seed);
  const w: SimWindow = { start: options.start, end: options.start + options.hours * 3_600_000 };
  const actors: ActorTrace[] = [];
  const scale = Math.max(1, Math.round(options.users / 30));
  for (let i = 0; i < options.users; i++)
    actors.push(chatUser(root.fork(`chat${i}`), w, i, TEAMS[i % TEAMS.length]!));
  for (let i = 0; i < 2 * scale; i++) actors.push(supportBot(root.fork(`bot${i}`), w, i));
  for (let i = 0; i < 2 * scale; i++) actors.push(batchJob(root.fork(`batch${i}`), w, i, i % 2 === 1));
  for (let i = 0; i < 4 * scale; i++) actors.push(developer(root.fork(`dev${i}`), w, i));
  for (let i = 0; i < 2 * scale; i++) actors.push(nightlyJob(root.fork(`nightly${i}`), w, i));
  if (!options.benignOnly) {
    actors.push(extractorFast(root.fork("xfast"), w, 0));
    actors.push(extractorSlow(root.fork("xslow"), w, 0));
    actors.push(scraper(root.fork("scraper"), w, 0));
    actors.push(insider(root.fork("insider"), w, 0));
    actors.push(keySharing(root.fork("shared"), w, 0));
    actors.push(flooder(root.fork("flood"), w, 0));
    actors.push(costHarvester(root.fork("cost"), w, 0));
  }
  return actors;
}

/** The trace's lines in time order. */
export function* traceLines(actors: ActorTrace[]): Generator<TraceLine> {
  const all: { time: number; actor: ActorTrace; index: number }[] = [];
  for (const actor of actors) actor.requests.forEach((r, index) => all.push({ time: r.time, actor, index }));
  all.sort((a, b) => a.time - b.time);
  for (const { actor, index } of all) {
    const { time, ...rest } = actor.requests[index]!;
    yield {
      ts: new Date(Math.round(time)).toISOString(),
      key: actor.key,
      team: actor.team,
      ip: rest.ip,
      user_agent: rest.user_agent,
      model: rest.model,
      endpoint: ENDPOINT,
      messages: rest.messages,
      max_tokens: rest.max_tokens,
      logprobs: rest.logprobs,
      top_logprobs: rest.top_logprobs,
      temperature: rest.temperature,
      label: rest.label,
      actor: actor.actor,
    };
  }
}

export async function simulate(opts: SimulateOptions): Promise<number> {
  const hours = positive(opts.hours, 48, "hours", 24 * 31);
  const seed = Math.floor(positive(opts.seed ?? 1, 1, "seed", 2 ** 31));
  const users = Math.floor(positive(opts.users, 30, "users", 100_000));
  const start = opts.start === undefined ? Date.parse("2025-03-03T00:00:00Z") : Date.parse(opts.start);
  if (!Number.isFinite(start)) throw new CliError("--start must be an ISO-8601 time");
  const out = opts.stdout ?? process.stdout;
  const actors = population({ hours, seed, users, start, benignOnly: opts.benignOnly ?? false });
  let chunk = "";
  for (const line of traceLines(actors)) {
    chunk += `${JSON.stringify(line)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  if (chunk) out.write(chunk);
  return EXIT_OK;
}
