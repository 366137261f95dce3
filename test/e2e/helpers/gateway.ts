import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = join(ROOT, "dist/src/cli/main.js");

export function randomKey(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return `pcx_${Array.from(randomBytes(40), (b) => alphabet[b % 62]).join("")}`;
}

export interface StartedGateway {
  url: string;
  adminKey: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process wrote on stdout and stderr so far. */
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** YAML configuration; the embedded default when absent. */
  config?: string;
  env?: Record<string, string>;
  args?: string[];
}

/** Starts the real binary on a free port (port 0) and waits for its "listening" line. */
export async function startGateway(options: StartOptions = {}): Promise<StartedGateway> {
  const dir = mkdtempSync(join(tmpdir(), "pcx-e2e-"));
  const dataDir = join(dir, "data");
  const adminKey = randomKey();
  const args = [CLI, "serve", "--data-dir", dataDir, "--port", "0", ...(options.args ?? [])];
  if (options.config) {
    const file = join(dir, "portcullis.yaml");
    writeFileSync(file, options.config);
    args.push("--config", file);
  }
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORTCULLIS_ADMIN_KEY: adminKey, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 20_000);
    const onData = () => {
      const match = /portcullis listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    adminKey,
    dataDir,
    process: child,
    logs: () => output,
    stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolveExit) => {
        child.once("exit", (code) => resolveExit(code));
        child.kill(signal);
      });
    },
  };
}

/** POSTs JSON with a key and returns status, headers and parsed body. */
export async function post(
  url: string,
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown>; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: response.status, headers: response.headers, json, text };
}

export async function createKey(
  gateway: StartedGateway,
  body: Record<string, unknown>,
): Promise<{ key: string; id: string }> {
  const res = await post(`${gateway.url}/admin/v1/keys`, gateway.adminKey, body);
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
  return { key: res.json.key as string, id: res.json.id as string };
}
