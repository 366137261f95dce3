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
 * and a config whose only model is served by the mock. No guards are configured: this measures the
 * gateway's fixed cost (auth, validation, routing, relay, metrics, one security event per request).
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
      // Warnings only: a log line per request would measure pino, not the gateway.
      "logging: { level: warn }",
      // Guards are on by default; path (b) measures the gateway without them.
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
      // After a saturation run the store is still writing queued events; measuring the next phase
      // while it does would charge that backlog to the wrong figure.
      const deadline = Date.now() + 30_000;
      while ((await metric(origin, "portcullis_event_queue_depth")) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
