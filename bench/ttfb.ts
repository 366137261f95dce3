import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { distribution, type Distribution } from "./stats.js";
import { CHAT_PATH, chatBody, type Target } from "./workload.js";

/** Raw samples of one run, pooled with other runs before percentiles are taken. */
export interface TtfbSamples {
  firstByte: number[];
  total: number[];
  errors: number;
}

export interface TtfbResult {
  /** From writing the request to the first byte of the SSE body, in ms. */
  firstByte: Distribution;
  /** From writing the request to the end of the stream, in ms. */
  total: Distribution;
  errors: number;
}

/** One streamed request; resolves with [first body byte, end] times relative to the send. */
function streamOnce(target: Target, agent: Agent, body: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.origin);
    const sentAt = performance.now();
    let firstAt = 0;
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: CHAT_PATH,
        headers: {
          ...target.headers,
          accept: "text/event-stream",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`HTTP ${res.statusCode}`));
        }
        res.on("data", () => {
          if (firstAt === 0) firstAt = performance.now();
        });
        res.on("end", () => resolve([firstAt - sentAt, performance.now() - sentAt]));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Streaming time to first byte: what a chat user waits before the first token appears. A small
 * client of its own because autocannon only times whole responses. Requests run `concurrency` at
 * a time over kept-alive connections; the first `warmup` samples are discarded.
 */
export async function timeToFirstByte(
  target: Target,
  options: { samples: number; concurrency?: number; warmup?: number },
): Promise<TtfbSamples> {
  const concurrency = options.concurrency ?? 4;
  const warmup = options.warmup ?? 20;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = chatBody(true);
  const first: number[] = [];
  const total: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < options.samples + warmup) {
      const index = next++;
      try {
        const [firstMs, totalMs] = await streamOnce(target, agent, body);
        if (index >= warmup) {
          first.push(firstMs);
          total.push(totalMs);
        }
      } catch {
        if (index >= warmup) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { firstByte: first, total, errors };
}

export function summariseTtfb(runs: readonly TtfbSamples[]): TtfbResult {
  return {
    firstByte: distribution(runs.flatMap((r) => r.firstByte)),
    total: distribution(runs.flatMap((r) => r.total)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}
