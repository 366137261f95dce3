import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Pool } from "undici";
import { processCpuMs } from "./cpu-usage.js";
import { summariseProfile, type CpuProfile, type ProfileSummary } from "./cpuprofile.js";
import { limitsSectionSchema } from "../src/config/sections/limits.js";
import {
  Limiter,
  MemoryStore,
  RedisStore,
  TokenCounter,
  countPrompt,
  loadEncodings,
  type LimitStore,
} from "../src/limits/index.js";

/**
 * Limits benchmarks, loopback only and bounded in time:
 *
 * 1. what a limits check costs: the memory store (µs per check), the Redis store (one round trip),
 *    and the prompt tokenizer per KB of text;
 * 2. fairness (issue 4's acceptance test): one key floods at 10× its limit while another key sends
 *    ordinary traffic at a fixed rate; the ordinary key must keep ≥ 99 % success and a p99 latency
 *    within 2× of its p99 without the flood.
 *
 * `node dist/bench/fairness.js [--redis URL] [--seconds N] [--guards off] [--normal-rate R]
 * [--flood-limit L] [--profile] [--no-penalty-box]`, or `runLimitsBench()`
 * from `npm run bench`. The flood runs in a worker thread so its generator does not share the
 * ordinary key's event loop.
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO_ROOT, "dist", "src", "cli", "main.js");
const log = (line: string) => process.stderr.write(`[fairness] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A prompt of about `bytes` bytes of ordinary English (one the default guards let through). */
function prose(bytes: number): string {
  const words =
    "Please summarise these meeting notes for the weekly report. The team reviewed the quarterly " +
    "roadmap, agreed to move the billing migration to next sprint, and asked design for two more " +
    "mockups of the settings page. Marketing will publish the release notes on Thursday. ";
  let text = "";
  while (text.length < bytes) text += words;
  return text.slice(0, bytes);
}

// ---------------------------------------------------------------------------------------------
// 1. Costs

export interface CostFigures {
  memoryCheckUs: number;
  memoryStageUs: number;
  /** Counting an ~8 KB chat turn whose history was counted on earlier turns. */
  conversationStageUs: number;
  redisCheck?: { p50Ms: number; p99Ms: number; perSecond: number };
  tokenizerUsPerKb: Record<string, number>;
}

/** µs per call of `body`: `warmup` calls (indices 0…) first, then `iterations` measured ones after them. */
function timeLoop(
  iterations: number,
  body: (i: number) => void,
  warmup = Math.min(2000, iterations),
): number {
  for (let i = 0; i < warmup; i++) body(i);
  const started = performance.now();
  for (let i = 0; i < iterations; i++) body(warmup + i);
  return ((performance.now() - started) * 1000) / iterations;
}

export async function measureCosts(redisUrl?: string): Promise<CostFigures> {
  const config = limitsSectionSchema.parse({
    key: { requestsPerSecond: 1e9, requestsPerMinute: 1e9, tokensPerMinute: 1e12, maxConcurrent: 1e9 },
    team: { requestsPerMinute: 1e9, tokensPerDay: 1e12, maxConcurrent: 1e9 },
  });
  const limiter = new Limiter(config, new MemoryStore(100_000));
  const plan = limiter.plan("bench-key", "bench-team");
  // One check = the atomic check-and-charge of 7 rules (key: 2 request rates, tokens, slots; team:
  // requests, daily budget, slots) plus the settle that frees the slots and refunds tokens.
  const memoryCheckUs = timeLoop(200_000, (i) => {
    const admission = limiter.acquire(plan, 1200, `r${i}`) as ReturnType<MemoryStore["acquire"]>;
    limiter.settle(admission, 300);
  });

  await loadEncodings(["o200k_base", "cl100k_base"]);
  const counter = new TokenCounter("o200k_base");
  // The stage's own work for a new 1 KB chat prompt: plan lookup, token count, check, settle.
  // Every prompt is different, so the count cache cannot help.
  const bodies = Array.from({ length: 5000 }, (_, i) => ({
    model: "m",
    messages: [{ role: "user", content: `${i} ${prose(1020)}` }],
  }));
  const memoryStageUs = timeLoop(3000, (i) => {
    const p = limiter.plan("bench-key", "bench-team");
    counter.start();
    countPrompt("openai.chat", bodies[i]!, counter);
    const admission = limiter.acquire(p, counter.tokens + 256, `s${i}`) as ReturnType<MemoryStore["acquire"]>;
    limiter.settle(admission, counter.tokens);
  });

  // A chat turn resending its history (system prompt and 6 earlier messages, ~8 KB) with one new
  // 200-byte message: the history is counted once and then looked up.
  const history = Array.from({ length: 6 }, (_, i) => ({
    role: i % 2 ? "assistant" : "user",
    content: `${i} ${prose(1200)}`,
  }));
  const turns = Array.from({ length: 500 }, (_, i) => ({
    model: "m",
    messages: [
      { role: "system", content: `You are helpful. ${prose(800)}` },
      ...history,
      { role: "user", content: `${i} ${prose(200)}` },
    ],
  }));
  const conversationStageUs = timeLoop(5_000, (i) => {
    counter.start();
    countPrompt("openai.chat", turns[i % turns.length]!, counter);
  });

  const tokenizerUsPerKb: Record<string, number> = {};
  // Each text is new (counted, not looked up), as the first turn of a conversation would be.
  const docs = readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => readFileSync(join(REPO_ROOT, "docs", name), "utf8"))
    .join("\n");
  const samples: Record<string, (i: number) => string> = {
    "English prose (this repository's docs)": (i) => {
      const start = (i * 1999) % (docs.length - 1100);
      return docs.slice(start, start + 1024);
    },
    "source code": (i) =>
      `function f${i}(a, b) { return a.map((x) => x * b + ${i}).filter(Boolean); }\n`
        .repeat(13)
        .slice(0, 1024),
    "base64 (random)": () => randomBytes(768).toString("base64"),
    "CJK text": () =>
      Array.from({ length: 341 }, () =>
        String.fromCharCode(0x4e00 + (randomBytes(2).readUInt16BE() % 20000)),
      ).join(""),
  };
  for (const [name, make] of Object.entries(samples)) {
    const texts = Array.from({ length: 600 }, (_, i) => make(i));
    tokenizerUsPerKb[name] = timeLoop(400, (i) => counter.start().text(texts[i]!), 200);
  }

  let redisCheck: CostFigures["redisCheck"];
  if (redisUrl) {
    const store: LimitStore = await RedisStore.open({
      url: redisUrl,
      keyPrefix: `pcx:bench:${randomBytes(6).toString("hex")}:`,
      timeoutMs: 2000,
      leaseMs: 30_000,
      onError: "deny",
      fallback: new MemoryStore(1000),
      report: (error, what) => log(`redis ${what}: ${String(error)}`),
    });
    const redisLimiter = new Limiter(config, store);
    const latencies: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const started = performance.now();
      await redisLimiter.acquire(plan, 1200, `q${i}`);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    // Throughput with 32 checks in flight (pipelined on one connection).
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, w) => {
        for (let i = 0; i < 250; i++) {
          await redisLimiter.acquire(plan, 1200, `t${w}-${i}`);
          done++;
        }
      }),
    );
    const perSecond = done / ((performance.now() - started) / 1000);
    redisCheck = { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), perSecond };
    await store.close();
  }
  return {
    memoryCheckUs,
    memoryStageUs,
    conversationStageUs,
    tokenizerUsPerKb,
    ...(redisCheck ? { redisCheck } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Fairness

export interface FairnessOptions {
  /** Seconds of each phase; the whole run stays under ~20 s by default. */
  seconds?: number;
  /**
   * Unloaded and loaded phases alternate this many times and are pooled, so that background load
   * on a shared machine drifting during the run hits both sides instead of one.
   */
  rounds?: number;
  /** The ordinary key's fixed request rate. */
  normalRate?: number;
  /** The flooding key's limit in requests per second; it sends 10× this. */
  floodLimit?: number;
  guards?: boolean;
  redisUrl?: string;
  /** Run the gateway under `node --cpu-prof` and summarise where its time went. */
  profile?: boolean;
  /** Turn the penalty box off (`limits.penaltyBox.enabled: false`), to see what it buys. */
  penaltyBox?: boolean;
}

export interface FairnessResult {
  normalRate: number;
  floodLimit: number;
  floodRate: number;
  unloaded: PhaseFigures;
  loaded: PhaseFigures;
  flood: { sent: number; ok: number; refused: number; other: number; achievedRate: number };
  successRatio: number;
  p99Ratio: number;
  /**
   * The ordinary key while the same flood hits a trivial server on the flood's thread instead of
   * the gateway: the share of the p99 ratio that is this machine's, not the gateway's.
   */
  control: PhaseFigures;
  controlP99Ratio: number;
  /**
   * The gateway's CPU time (user + system, from /proc) during the loaded phases divided by the
   * requests it answered in them (both keys): what one request of the mix costs the event loop.
   */
  loadedCpuUsPerRequest?: number;
  /** Busy share of one core the gateway used during the loaded phases (1 = one full core). */
  loadedCpuShare?: number;
  profile?: ProfileSummary;
  pass: boolean;
}

export interface PhaseFigures {
  sent: number;
  ok: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface RawPhase {
  statuses: number[];
  latencies: number[];
  elapsedMs: number;
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate whatever happened to the
 * earlier ones. Latency runs from the moment the request was due, so a generator or gateway that
 * falls behind shows up in the figures instead of hiding (coordinated omission).
 */
async function openLoop(
  origin: string,
  key: string,
  rate: number,
  seconds: number,
  body: string,
  control: { onFirstAnswer?: () => void; stopped?: () => boolean } = {},
): Promise<RawPhase> {
  const pool = new Pool(origin, { connections: 64, pipelining: 1 });
  const total = Math.round(rate * seconds);
  const statuses: number[] = [];
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const started = performance.now();
  let sent = 0;
  while (sent < total && !control.stopped?.()) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (sent < due) {
      const dueAt = started + (sent * 1000) / rate;
      pending.push(
        pool
          .request({ method: "POST", path: "/v1/chat/completions", headers, body })
          .then(async (res) => {
            await res.body.dump();
            if (statuses.length === 0) control.onFirstAnswer?.();
            statuses.push(res.statusCode);
            latencies.push(performance.now() - dueAt);
          })
          .catch(() => {
            statuses.push(0);
            latencies.push(performance.now() - dueAt);
          }),
      );
      sent++;
    }
    await sleep(Math.max(0, started + (sent * 1000) / rate - performance.now()));
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - started;
  await pool.close();
  return { statuses, latencies, elapsedMs };
}

function pool(raws: RawPhase[]): RawPhase {
  return {
    statuses: raws.flatMap((r) => r.statuses),
    latencies: raws.flatMap((r) => r.latencies),
    elapsedMs: raws.reduce((sum, r) => sum + r.elapsedMs, 0),
  };
}

function figures(raw: RawPhase): PhaseFigures {
  const okLatencies = raw.latencies.filter((_, i) => raw.statuses[i] === 200).sort((a, b) => a - b);
  return {
    sent: raw.statuses.length,
    ok: okLatencies.length,
    p50Ms: percentile(okLatencies, 50),
    p99Ms: percentile(okLatencies, 99),
    maxMs: okLatencies[okLatencies.length - 1] ?? NaN,
  };
}

interface StartedGateway {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

function createKeyOffline(dataDir: string, name: string): { key: string; id: string } {
  const out = execFileSync(process.execPath, [
    CLI,
    "keys",
    "create",
    "--name",
    name,
    "--team",
    name,
    "--data-dir",
    dataDir,
    "--format",
    "json",
  ]);
  return JSON.parse(out.toString()) as { key: string; id: string };
}

async function startGateway(
  config: string,
  dataDir: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): Promise<StartedGateway> {
  const file = join(dir, "portcullis.yaml");
  writeFileSync(file, config);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, CLI, "serve", "--config", file, "--data-dir", dataDir, "--port", "0"],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const origin = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start:\n${output}`)), 30_000);
    child.stderr!.on("data", () => {
      const match = /portcullis listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        ready(match[1]!);
      }
    });
    child.once("exit", (code) => fail(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return {
    origin,
    pid: child.pid!,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

export async function runFairness(options: FairnessOptions = {}): Promise<FairnessResult> {
  const seconds = options.seconds ?? 2;
  const normalRate = options.normalRate ?? 50;
  const floodLimit = options.floodLimit ?? 50;
  const floodRate = floodLimit * 10;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-fairness-"));
  const dataDir = join(dir, "data");
  const flood = createKeyOffline(dataDir, "flood");
  const normal = createKeyOffline(dataDir, "normal");
  const store = options.redisUrl
    ? `  store: { type: redis, url: "env:PCX_BENCH_REDIS_URL", keyPrefix: "pcx:fair:${randomBytes(6).toString("hex")}:" }\n`
    : "";
  const config = [
    "limits:",
    store.trimEnd(),
    "  keys:",
    `    ${flood.id}: { requestsPerSecond: ${floodLimit} }`,
    options.penaltyBox === false ? "  penaltyBox: { enabled: false }" : "",
    "providers:",
    "  demo: { type: demo }",
    "models:",
    "  - { name: demo-chat, provider: demo }",
    // The flood key is declared an expected workload, so incident response never throttles or
    // suspends it mid-run: the bench measures what the limits alone cost the other key, the worst
    // case (with the shipped defaults, analytics would tighten the flooder within a minute).
    "analytics:",
    "  expected:",
    "    keys:",
    `      ${flood.id}:`,
    "        ignore: [model_extraction, scraping, insider_exfiltration, key_sharing, flood, cost_harvesting]",
    "logging: { level: warn }",
    `guards: { enabled: ${options.guards !== false} }`,
    "",
  ]
    .filter((line) => line !== "")
    .join("\n");
  const profileDir = join(dir, "profile");
  const gateway = await startGateway(
    config,
    dataDir,
    dir,
    {
      PORTCULLIS_ADMIN_KEY: `pcx_${randomBytes(30).toString("hex").slice(0, 40)}`,
      ...(options.redisUrl ? { PCX_BENCH_REDIS_URL: options.redisUrl } : {}),
    },
    options.profile ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [],
  );
  let stopped = false;
  const body = JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: prose(1024) }] });
  try {
    const rounds = options.rounds ?? 3;
    const quiet: RawPhase[] = [];
    const busy: RawPhase[] = [];
    const control: RawPhase[] = [];
    const floods: RawPhase[] = [];
    let loadedCpuMs = 0;
    let loadedWallMs = 0;
    let cpuKnown = true;
    // The flood, on its own thread: against the gateway (the test), or against a trivial server on
    // that thread (the control: what the same load costs this machine without the gateway).
    const flooded = async (
      target: "gateway" | "control",
      measured = true,
    ): Promise<{ normal: RawPhase; flood: RawPhase }> => {
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: {
          origin: target === "gateway" ? gateway.origin : undefined,
          key: flood.key,
          rate: floodRate,
          // An upper bound: the flood runs until it is told to stop.
          seconds: seconds + 60,
          body,
        },
      });
      let floodStarted!: () => void;
      const started = new Promise<void>((resolve) => (floodStarted = resolve));
      const floodDone = new Promise<RawPhase>((done, fail) => {
        worker.on("message", (message: RawPhase | "started") => {
          if (message === "started") floodStarted();
          else done(message);
        });
        worker.once("error", fail);
      });
      const cpuBefore = processCpuMs(gateway.pid);
      const wallBefore = performance.now();
      // The ordinary key is measured while the flood is under way: from its first answer (a
      // worker thread takes a few hundred ms to start here) plus the time the gateway needs to
      // have refused the flood once (its bucket's burst is admitted first).
      await Promise.race([started, floodDone]);
      await sleep(300);
      const normalPhase = await openLoop(gateway.origin, normal.key, normalRate, seconds, body);
      worker.postMessage("stop");
      const floodPhase = await floodDone;
      const cpuAfter = processCpuMs(gateway.pid);
      if (target === "gateway" && measured) {
        if (cpuBefore === undefined || cpuAfter === undefined) cpuKnown = false;
        else loadedCpuMs += cpuAfter - cpuBefore;
        loadedWallMs += performance.now() - wallBefore;
      }
      await worker.terminate();
      return { normal: normalPhase, flood: floodPhase };
    };
    // Warm-up, not measured: both keys' paths, the flood included, so that compiling the refusal
    // path (a one-off after start-up, ~1 s of stalls on this machine) is not charged to round 1.
    log(`gateway ${gateway.origin}; warming up (ordinary key, then the flood)`);
    await openLoop(gateway.origin, normal.key, normalRate, 1, body);
    await flooded("gateway", false);
    await sleep(1500); // the flood key's bucket refills, as between rounds
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds}: ordinary key alone at ${normalRate} req/s for ${seconds} s`);
      quiet.push(await openLoop(gateway.origin, normal.key, normalRate, seconds, body));
      log(
        `round ${round + 1}/${rounds}: the same while the flood key sends ${floodRate} req/s (10× its limit)`,
      );
      const test = await flooded("gateway");
      busy.push(test.normal);
      floods.push(test.flood);
      log(`round ${round + 1}/${rounds}: control, the same flood against a trivial server instead`);
      control.push((await flooded("control")).normal);
    }
    const unloaded = figures(pool(quiet));
    const loaded = figures(pool(busy));
    const controlFigures = figures(pool(control));
    const floodRaw = pool(floods);
    const floodOk = floodRaw.statuses.filter((s) => s === 200).length;
    const floodRefused = floodRaw.statuses.filter((s) => s === 429).length;
    const successRatio = loaded.ok / loaded.sent;
    const p99Ratio = loaded.p99Ms / unloaded.p99Ms;
    const answeredLoaded = floodRaw.statuses.filter((s) => s !== 0).length + loaded.sent;
    let profile: ProfileSummary | undefined;
    if (options.profile) {
      stopped = true;
      await gateway.stop();
      const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
      if (!file) throw new Error("the gateway exited without writing a .cpuprofile");
      const cpu = JSON.parse(readFileSync(join(profileDir, file), "utf8")) as CpuProfile;
      profile = summariseProfile(cpu, { top: 15 });
    }
    return {
      normalRate,
      floodLimit,
      floodRate,
      unloaded,
      loaded,
      flood: {
        sent: floodRaw.statuses.length,
        ok: floodOk,
        refused: floodRefused,
        other: floodRaw.statuses.length - floodOk - floodRefused,
        achievedRate: floodRaw.statuses.length / (floodRaw.elapsedMs / 1000),
      },
      successRatio,
      p99Ratio,
      control: controlFigures,
      controlP99Ratio: controlFigures.p99Ms / unloaded.p99Ms,
      ...(cpuKnown && answeredLoaded > 0
        ? {
            loadedCpuUsPerRequest: (loadedCpuMs * 1000) / answeredLoaded,
            loadedCpuShare: loadedCpuMs / loadedWallMs,
          }
        : {}),
      ...(profile ? { profile } : {}),
      pass: successRatio >= 0.99 && p99Ratio <= 2,
    };
  } finally {
    if (!stopped) await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both parts, for `npm run bench` (wired by the bench's owner) or standalone. */
export async function runLimitsBench(
  options: FairnessOptions = {},
): Promise<{ costs: CostFigures; fairness: FairnessResult }> {
  const costs = await measureCosts(options.redisUrl);
  const fairness = await runFairness(options);
  return { costs, fairness };
}

export function renderLimitsBench({
  costs,
  fairness,
}: {
  costs: CostFigures;
  fairness: FairnessResult;
}): string {
  const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
  const lines = [
    "Limits",
    `  memory store: ${f(costs.memoryCheckUs)} µs per check + settle (7 rules, key and team)`,
    `  limits stage, 1 KB chat prompt (plan, token count, check, settle): ${f(costs.memoryStageUs)} µs`,
    `  token count of an ~8 KB chat turn whose history was seen before: ${f(costs.conversationStageUs)} µs`,
    costs.redisCheck
      ? `  redis store: one round trip per check, p50 ${f(costs.redisCheck.p50Ms, 3)} ms, p99 ${f(costs.redisCheck.p99Ms, 3)} ms sequential; ${f(costs.redisCheck.perSecond, 0)} checks/s with 32 in flight`
      : "  redis store: not measured (no --redis URL)",
    "  tokenizer (o200k_base, per 1 KB, with the 3 ms per-request budget):",
    ...Object.entries(costs.tokenizerUsPerKb).map(([name, us]) => `    ${name}: ${f(us, 0)} µs`),
    "Fairness",
    `  ordinary key ${fairness.normalRate} req/s; flooding key ${fairness.floodRate} req/s (10× its limit of ${fairness.floodLimit}/s), achieved ${f(fairness.flood.achievedRate, 0)} req/s`,
    `  unloaded: ${fairness.unloaded.ok}/${fairness.unloaded.sent} ok, p50 ${f(fairness.unloaded.p50Ms)} ms, p99 ${f(fairness.unloaded.p99Ms)} ms`,
    `  loaded:   ${fairness.loaded.ok}/${fairness.loaded.sent} ok, p50 ${f(fairness.loaded.p50Ms)} ms, p99 ${f(fairness.loaded.p99Ms)} ms`,
    `  flood: ${fairness.flood.ok} admitted, ${fairness.flood.refused} refused (429), ${fairness.flood.other} other`,
    `  control (the same flood against a trivial server, not the gateway): p50 ${f(fairness.control.p50Ms)} ms, p99 ${f(fairness.control.p99Ms)} ms, p99 ratio ${f(fairness.controlP99Ratio)}`,
    ...(fairness.loadedCpuUsPerRequest !== undefined
      ? [
          `  gateway CPU during the flood: ${f(fairness.loadedCpuUsPerRequest, 0)} µs per answered request, ${f((fairness.loadedCpuShare ?? 0) * 100, 0)} % of one core`,
        ]
      : []),
    `  success ${f(fairness.successRatio * 100, 1)} % (target ≥ 99 %), p99 ratio ${f(fairness.p99Ratio)} (target ≤ 2): ${fairness.pass ? "PASS" : "FAIL"}`,
    ...(fairness.profile
      ? [
          `  profile of the gateway over the whole run (busy ${f(fairness.profile.busyMs, 0)} ms):`,
          ...fairness.profile.owners
            .slice(0, 8)
            .map((e) => `    owner ${e.owner}: ${f(e.selfMs, 0)} ms (${f(e.percent, 1)} %)`),
          ...fairness.profile.top
            .slice(0, 15)
            .map((e) => `    self ${e.name} [${e.owner}]: ${f(e.selfMs, 0)} ms (${f(e.percent, 1)} %)`),
          ...fairness.profile.portcullisInclusive
            .slice(0, 15)
            .map((e) => `    incl. ${e.name}: ${f(e.selfMs, 0)} ms (${f(e.percent, 1)} %)`),
        ]
      : []),
  ];
  return lines.join("\n");
}

function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

if (!isMainThread && workerData && parentPort) {
  // The flood generator, on its own thread.
  const { origin, key, rate, seconds, body } = workerData as {
    origin: string | undefined;
    key: string;
    rate: number;
    seconds: number;
    body: string;
  };
  const port = parentPort;
  void (async () => {
    let server: Server | undefined;
    let target = origin;
    if (!target) {
      // The control: a server that refuses everything at once, the cheapest possible answer.
      server = createServer((request, response) => {
        request.resume();
        request.on("end", () => response.writeHead(429, { "content-type": "application/json" }).end("{}"));
      });
      await new Promise<void>((listening) => server!.listen(0, "127.0.0.1", listening));
      target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    let stop = false;
    port.on("message", (message) => {
      if (message === "stop") stop = true;
    });
    const raw = await openLoop(target, key, rate, seconds, body, {
      onFirstAnswer: () => port.postMessage("started"),
      stopped: () => stop,
    });
    server?.close();
    port.postMessage(raw);
  })();
} else if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const options: FairnessOptions = {
    ...(value("--seconds") ? { seconds: Number(value("--seconds")) } : {}),
    ...(value("--rounds") ? { rounds: Number(value("--rounds")) } : {}),
    ...(value("--redis") ? { redisUrl: value("--redis")! } : {}),
    ...(value("--guards") === "off" ? { guards: false } : {}),
    ...(value("--normal-rate") ? { normalRate: Number(value("--normal-rate")) } : {}),
    ...(value("--flood-limit") ? { floodLimit: Number(value("--flood-limit")) } : {}),
    ...(args.includes("--profile") ? { profile: true } : {}),
    ...(args.includes("--no-penalty-box") ? { penaltyBox: false } : {}),
  };
  runLimitsBench(options)
    .then((result) => {
      process.stdout.write(`${renderLimitsBench(result)}\n`);
      if (args.includes("--json")) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = result.fairness.pass ? 0 : 1;
    })
    .catch((error: unknown) => {
      process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
      process.exitCode = 2;
    });
}
