import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { isMain } from "./is-main.js";
import { ANSWER, answerChunks, MODEL } from "./workload.js";

/**
 * A stand-in for an OpenAI-compatible provider that answers every POST with the same chat
 * completion, so a benchmark measures the proxy and not the model. It must cost as little CPU as
 * possible: on a 2-core machine it shares the cores with the gateway and the load generator, and
 * every cycle it burns shows up as gateway latency.
 *
 *   node dist/bench/mock-upstream.js [--port 0] [--latency-ms 0] [--chunk-delay-ms 0]
 */

export interface MockOptions {
  host?: string;
  port?: number;
  /** Delay before the response headers, like a model's time to first token. */
  latencyMs?: number;
  /** Delay between two events of a streamed answer (0: the whole stream in one write burst). */
  chunkDelayMs?: number;
}

export interface MockUpstream {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The answer (realistic prose, see workload.ts) and its stream deltas. */
const CHUNKS = answerChunks();
const USAGE = { prompt_tokens: 256, completion_tokens: 150, total_tokens: 406 };

/** The non-streamed answer, serialised once: the mock never runs JSON.stringify per request. */
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1_700_000_000,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: ANSWER },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: USAGE,
  }),
);

function chunk(delta: Record<string, unknown>, finishReason: string | null): string {
  const json = {
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(json)}\n\n`;
}

/** The streamed answer as SSE events (OpenAI's shape: role, a few words per delta, finish, [DONE]). */
const STREAM_EVENTS = [
  chunk({ role: "assistant", content: "" }, null),
  ...CHUNKS.map((text) => chunk({ content: text }, null)),
  chunk({}, "stop"),
];
const USAGE_EVENT = `data: ${JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: MODEL,
  choices: [],
  usage: USAGE,
})}\n\n`;
const DONE_EVENT = "data: [DONE]\n\n";

/*
 * `stream` and `stream_options.include_usage` are found with a pattern instead of JSON.parse: the
 * mock has to read only two flags, and parsing a 1 KB body per request would be the mock's largest
 * cost. A prompt that literally contains `"stream":true` would fool it; benchmark prompts do not.
 */
const STREAM_FLAG = /"stream"\s*:\s*true/;
const USAGE_FLAG = /"include_usage"\s*:\s*true/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function sendStream(res: ServerResponse, withUsage: boolean, chunkDelayMs: number): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    // Tells nginx not to buffer this answer (its default for proxied responses).
    "x-accel-buffering": "no",
  });
  const events = withUsage ? [...STREAM_EVENTS, USAGE_EVENT, DONE_EVENT] : [...STREAM_EVENTS, DONE_EVENT];
  for (let i = 0; i < events.length; i++) {
    if (res.destroyed) return;
    if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
    res.write(events[i]);
  }
  res.end();
}

function handler(options: Required<Pick<MockOptions, "latencyMs" | "chunkDelayMs">>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "application/json" }).end('{"error":{"message":"POST only"}}');
      return;
    }
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const body =
        parts.length === 1 ? parts[0]!.toString("latin1") : Buffer.concat(parts).toString("latin1");
      const respond = () => {
        if (STREAM_FLAG.test(body)) {
          void sendStream(res, USAGE_FLAG.test(body), options.chunkDelayMs);
        } else {
          res.writeHead(200, { "content-type": "application/json", "content-length": COMPLETION.length });
          res.end(COMPLETION);
        }
      };
      if (options.latencyMs > 0) setTimeout(respond, options.latencyMs);
      else respond();
    });
  };
}

export async function startMockUpstream(options: MockOptions = {}): Promise<MockUpstream> {
  const server: Server = createServer(
    // Node's default keep-alive timeout (5 s) is kept: proxies reuse their pooled connections.
    handler({ latencyMs: options.latencyMs ?? 0, chunkDelayMs: options.chunkDelayMs ?? 0 }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Standalone: prints one line with the URL on stdout (the bench runner waits for it). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      "latency-ms": { type: "string", default: "0" },
      "chunk-delay-ms": { type: "string", default: "0" },
    },
  });
  const number = (name: "port" | "latency-ms" | "chunk-delay-ms") => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number ≥ 0`);
    return value;
  };
  const mock = await startMockUpstream({
    host: values.host,
    port: number("port"),
    latencyMs: number("latency-ms"),
    chunkDelayMs: number("chunk-delay-ms"),
  });
  process.stdout.write(`mock upstream listening on ${mock.url}\n`);
  const stop = () => void mock.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (isMain(import.meta.url)) await main();
