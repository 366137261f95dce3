import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { distribution, type Distribution } from "./stats.js";
import { CHAT_PATH, chatBody, type PromptId, type Target } from "./workload.js";

/** The raw samples of one fixed-rate run; runs are pooled before percentiles are taken. */
export interface PacedSamples {
  /** From the moment a request was handed to the socket to the last byte of its answer, in ms. */
  latencies: number[];
  /** Streams only: from the same moment to the first byte of the answer's body, in ms. */
  firstBytes: number[];
  /** How late the generator sent each request compared with the schedule (its own event loop delay). */
  lags: number[];
  /** The numeric values of the requested response header. */
  header: number[];
  errors: number;
  non2xx: number;
  /** How many measured answers had each status other than 200. */
  statuses: Record<string, number>;
  /**
   * Measured requests still unanswered at the deadline (the path could not keep up). They are
   * counted in `latencies` with the time they had waited, so percentiles become lower bounds.
   */
  timedOut: number;
  /** Requests sent, warm-up included (for CPU time per request). */
  sent: number;
  /** Length of the measured window in ms, from the first send to the last answer. */
  windowMs: number;
}

export interface PacedResult {
  rate: number;
  /** Requests answered per second in the measured windows (should equal `rate`). */
  achievedRate: number;
  latency: Distribution;
  /** Streams only. */
  firstByte?: Distribution;
  sendLagMs: Distribution;
  errors: number;
  non2xx: number;
  /** How many answers had each status other than 200 (503: the gateway shed load). */
  statuses: Record<string, number>;
  timedOut: number;
  /** The distribution of the response header's values, when one was asked for and present. */
  header?: Distribution;
  /** CPU time of the proxy per request during these runs, when known. */
  proxyCpuMsPerRequest?: number;
}

export function summarisePaced(rate: number, runs: readonly PacedSamples[]): PacedResult {
  const all = (pick: (r: PacedSamples) => number[]) => runs.flatMap(pick);
  const latencies = all((r) => r.latencies);
  const firstBytes = all((r) => r.firstBytes);
  const header = all((r) => r.header);
  const windowMs = runs.reduce((sum, r) => sum + r.windowMs, 0);
  const answered = latencies.length - runs.reduce((sum, r) => sum + r.timedOut, 0);
  return {
    rate,
    achievedRate: windowMs > 0 ? answered / (windowMs / 1000) : 0,
    latency: distribution(latencies),
    ...(firstBytes.length > 0 ? { firstByte: distribution(firstBytes) } : {}),
    sendLagMs: distribution(all((r) => r.lags)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    statuses: runs.reduce<Record<string, number>>((all, r) => {
      for (const [status, n] of Object.entries(r.statuses)) all[status] = (all[status] ?? 0) + n;
      return all;
    }, {}),
    timedOut: runs.reduce((sum, r) => sum + r.timedOut, 0),
    ...(header.length > 0 ? { header: distribution(header) } : {}),
  };
}

export interface PacedOptions {
  rate: number;
  durationS: number;
  prompt: PromptId;
  stream: boolean;
  /** Number of the first request: every path gets the same sequence of prompts. */
  firstRequest?: number;
  warmupS?: number;
  header?: string;
  /** Seconds to wait for the last answers after the schedule ends; the rest count as timed out. */
  drainS?: number;
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate whether or not earlier ones
 * have been answered, which is what real traffic does and what a closed loop cannot show.
 *
 * autocannon's `overallRate` is not used here because it is a per-second budget: each connection
 * fires its share back to back at the start of every second and then idles, so "1,000 req/s"
 * becomes bursts at saturation, and its histogram keeps whole milliseconds. Here requests are
 * spread evenly and every latency is kept at full resolution.
 *
 * A path that cannot keep up would make the run last as long as its backlog; after `drainS` the
 * remaining requests are abandoned and counted, so the run stays bounded in time.
 */
export async function paced(target: Target, options: PacedOptions): Promise<PacedSamples> {
  const { rate, durationS, prompt, stream } = options;
  const warmupMs = (options.warmupS ?? 0.5) * 1000;
  const interval = 1000 / rate;
  const total = Math.round((rate * (warmupMs + durationS * 1000)) / 1000);
  const firstRequest = options.firstRequest ?? 0;
  // Enough connections that a slow answer never holds back the schedule (open loop).
  const pool = new Pool(target.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const samples: PacedSamples = {
    latencies: [],
    firstBytes: [],
    lags: [],
    header: [],
    errors: 0,
    non2xx: 0,
    statuses: {},
    timedOut: 0,
    sent: 0,
    windowMs: 0,
  };
  let firstMeasured = Number.POSITIVE_INFINITY;
  let lastMeasured = 0;
  const outstanding = new Map<number, number>(); // index → send time, measured requests not yet answered
  let abandonedAt = 0;

  const start = performance.now();
  const measureFrom = start + warmupMs;

  const one = async (due: number, index: number): Promise<void> => {
    const body = chatBody(prompt, stream, firstRequest + index);
    const sentAt = performance.now();
    const measured = due >= measureFrom;
    if (measured) {
      outstanding.set(index, sentAt);
      firstMeasured = Math.min(firstMeasured, sentAt);
    }
    try {
      const response = await pool.request({ path: CHAT_PATH, method: "POST", headers: target.headers, body });
      let firstAt = 0;
      if (stream) {
        // Listeners rather than `for await`: an async iterator step per chunk is a noticeable
        // cost for a generator that reads thousands of stream events per second.
        await new Promise<void>((resolve, reject) => {
          response.body.on("data", (part: Buffer) => {
            if (firstAt === 0 && part.length > 0) firstAt = performance.now();
          });
          response.body.once("end", resolve);
          response.body.once("error", reject);
        });
      } else {
        await response.body.dump({ limit: 1024 * 1024 });
      }
      const doneAt = performance.now();
      if (!measured || abandonedAt > 0) return;
      outstanding.delete(index);
      if (response.statusCode !== 200) {
        samples.non2xx++;
        samples.statuses[response.statusCode] = (samples.statuses[response.statusCode] ?? 0) + 1;
      }
      samples.latencies.push(doneAt - sentAt);
      if (stream && firstAt > 0) samples.firstBytes.push(firstAt - sentAt);
      samples.lags.push(sentAt - due);
      lastMeasured = Math.max(lastMeasured, doneAt);
      const value = options.header ? response.headers[options.header] : undefined;
      if (typeof value === "string" && value !== "") samples.header.push(Number(value));
    } catch {
      if (measured && abandonedAt === 0) {
        outstanding.delete(index);
        samples.errors++;
      }
    }
  };

  const inFlight: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    let sent = 0;
    const tick = () => {
      // Timers fire late by up to a millisecond or so; every request that fell due meanwhile goes
      // out now, and its lateness is recorded as send lag rather than hidden.
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        inFlight.push(one(start + sent * interval, sent));
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  samples.sent = total;

  const drainMs = (options.drainS ?? Math.max(5, durationS)) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    Promise.all(inFlight).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), drainMs))),
  ]);
  clearTimeout(timer);
  if (!drained) {
    abandonedAt = performance.now();
    for (const sentAt of outstanding.values()) {
      samples.latencies.push(abandonedAt - sentAt);
      samples.timedOut++;
    }
    lastMeasured = abandonedAt;
    await pool.destroy();
    await Promise.all(inFlight);
  } else {
    await pool.close();
  }
  samples.windowMs = samples.latencies.length > 0 ? lastMeasured - firstMeasured : 0;
  return samples;
}
