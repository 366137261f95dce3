import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild } from "./process-util.js";
import { MODEL } from "./workload.js";

/** The repository root: this file runs from dist/bench/. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO_ROOT, "dist", "src", "cli", "main.js");

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A fresh admin key in the documented format (`pcx_` + 40 base62), bootstrapped through the env. */
export function newApiKey(): string {
  let key = "pcx_";
  for (let i = 0; i < 40; i++) key += BASE62[randomInt(BASE62.length)];
  return key;
}

export interface RunningGateway {
  origin: string;
  /** Also its process group: the gateway is started detached. */
  pid: number;
  apiKey: string;
  /** Security events the gateway had to drop (its store queue overflowed); should stay 0. */
  droppedEvents(): Promise<number>;
  /** Resolves once the gateway has no security events left to write. */
  settle(): Promise<void>;
  output(): string;
  /** SIGTERM (graceful: in-flight requests finish, events are flushed), then remove the temp dir. */
  stop(): Promise<void>;
}

/** The sum of a metric's series in the gateway's Prometheus exposition. */
async function metric(origin: string, name: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

/**
 * Starts `portcullis serve` as its own process, as an operator would, with a temporary data dir
 * and a config whose only model is served by the mock. Without `guards` it measures the gateway's
 * fixed cost (auth, validation, routing, relay, metrics, one security event per request); with
 * `guards` the guards are on and no policy is configured, so the shipped default policy applies.
 */
export async function startPortcullis(
  mockOrigin: string,
  options: { nodeArgs?: string[]; guards?: boolean } = {},
): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-gw-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  const configFile = join(dir, "portcullis.yaml");
  writeFileSync(
    configFile,
    [
      "providers:",
      `  mock: { type: openai, baseUrl: "${mockOrigin}/v1", apiKey: "env:MOCK_KEY" }`,
      "models:",
      `  - { name: ${MODEL}, provider: mock }`,
      // The limits stay on (every request is counted and checked) but far above the load: one
      // bench key sends 1,000 req/s, which the per-key defaults (6,000 req/min, 64 in flight,
      // 4 M tokens/min) rightly refuse. The benchmark measures their cost, not their refusals.
      "limits:",
      "  key: { requestsPerMinute: 1000000000000, tokensPerMinute: 1000000000000, maxConcurrent: 1000000 }",
      // The behaviour analytics run (their cost is part of every request) but the bench key is a
      // declared workload: one key sending ~1,000 req/s of ever-new prompts for minutes is exactly
      // what cost-harvesting and flood detection exist to throttle, and a throttled key would
      // turn the last phases into a measurement of 429s (docs/analytics.md, expected workloads).
      "analytics:",
      "  expected:",
      "    keys:",
      "      bootstrap-admin:",
      "        ignore: [model_extraction, scraping, insider_exfiltration, key_sharing, flood, cost_harvesting]",
      // Warnings only: a log line per request would measure pino, not the gateway.
      "logging: { level: warn }",
      // Guards are on by default; path (b) turns them off, path (d) keeps them with the default policy.
      `guards: { enabled: ${options.guards === true} }`,
      "",
    ].join("\n"),
  );
  const apiKey = newApiKey();
  let child;
  try {
    child = await startChild(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        CLI,
        "serve",
        "--config",
        configFile,
        "--data-dir",
        dataDir,
        "--port",
        "0",
      ],
      /portcullis listening on (http:\/\/\S+)/,
      {
        name: "portcullis",
        cwd: dir,
        env: { ...process.env, PORTCULLIS_ADMIN_KEY: apiKey, MOCK_KEY: "sk-bench-mock-key" },
        timeoutMs: 30_000,
      },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const origin = child.ready;
  return {
    origin,
    pid: child.child.pid!,
    apiKey,
    output: child.output,
    droppedEvents: () => metric(origin, "portcullis_events_dropped_total"),
    async settle() {
      // After a phase the gateway may still be working: writing queued security events, or
      // finishing requests the load generator abandoned when the path could not keep up. Measuring
      // the next path meanwhile would charge that backlog to the wrong figure, so wait until the
      // event queue is empty and the request counter has stopped moving.
      const deadline = Date.now() + 30_000;
      let last = -1;
      while (Date.now() < deadline) {
        const [depth, handled] = await Promise.all([
          metric(origin, "portcullis_event_queue_depth"),
          metric(origin, "portcullis_requests_total"),
        ]);
        if (depth === 0 && handled === last) break;
        last = handled;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
