import { parentPort, workerData } from "node:worker_threads";
import type { SecurityEvent } from "../events/index.js";
import { openAuditLog, type AuditLog, type AuditSettings } from "./index.js";

/**
 * The audit log's own thread (see thread.ts): encoding, hashing, SQLite writes, signing and the
 * export targets all run here, so none of it takes time on the gateway's event loop.
 */
export interface AuditWorkerData {
  dataDir: string;
  settings: AuditSettings;
  baseDir?: string;
  /** Secrets resolved by the main thread, by the setting they belong to. */
  secrets: Record<string, string>;
}

export type ToWorker =
  | { op: "append"; id: number; events: SecurityEvent[] }
  | { op: "stats"; id: number }
  | { op: "close"; id: number };

export type FromWorker =
  | { op: "ready"; origin: string }
  | { op: "failed"; name: string; message: string }
  | { op: "done"; id: number; result?: unknown }
  | { op: "error"; id: number; message: string }
  | { op: "log"; level: "info" | "warn" | "error"; obj: Record<string, unknown>; msg: string };

const port = parentPort!;
const data = workerData as AuditWorkerData;
const post = (message: FromWorker) => port.postMessage(message);

/** Errors do not survive every structured clone intact; send what a log line needs. */
function plain(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  if (out.err instanceof Error) out.err = { message: out.err.message, stack: out.err.stack };
  return out;
}

let log: AuditLog;
try {
  log = openAuditLog({
    dataDir: data.dataDir,
    settings: data.settings,
    ...(data.baseDir ? { baseDir: data.baseDir } : {}),
    resolveSecret: (_ref, where) => {
      const secret = data.secrets[where];
      if (secret === undefined) throw new Error(`${where}: secret not resolved`);
      return secret;
    },
    logger: {
      info: (obj, msg) => post({ op: "log", level: "info", obj: plain(obj), msg }),
      warn: (obj, msg) => post({ op: "log", level: "warn", obj: plain(obj), msg }),
      error: (obj, msg) => post({ op: "log", level: "error", obj: plain(obj), msg }),
    },
  });
  post({ op: "ready", origin: log.origin });
} catch (error) {
  post({ op: "failed", name: (error as Error).name, message: (error as Error).message });
  port.close();
}

port.on("message", (message: ToWorker) => {
  void (async () => {
    try {
      if (message.op === "append") log.append(message.events);
      else if (message.op === "stats") return post({ op: "done", id: message.id, result: log.stats() });
      else if (message.op === "close") {
        await log.close();
        post({ op: "done", id: message.id });
        port.close();
        return;
      }
      post({ op: "done", id: message.id });
    } catch (error) {
      post({ op: "error", id: message.id, message: (error as Error).message });
    }
  })();
});
