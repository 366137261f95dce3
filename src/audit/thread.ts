import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EventSubscriber, SecurityEvent } from "../events/index.js";
import type { AuditLogger, AuditLogStats } from "./log.js";
import { AuditLogError } from "./log.js";
import type { AuditWorkerData, FromWorker, ToWorker } from "./worker.js";

/** The audit log as the composition root holds it, wherever it runs. */
export interface AuditLogHandle {
  readonly origin: string;
  /** `thread`: in its own worker thread; `inline`: on the calling thread (running from sources). */
  readonly mode: "thread" | "inline";
  readonly subscriber: EventSubscriber;
  stats(): Promise<AuditLogStats>;
  /** Signs the closing checkpoint, waits for exports (bounded), closes the database. */
  close(): Promise<void>;
}

export interface ThreadOptions {
  dataDir: string;
  settings: AuditWorkerData["settings"];
  baseDir?: string;
  secrets: Record<string, string>;
  logger?: AuditLogger;
}

const WORKER = new URL("./worker.js", import.meta.url);

/** True when the compiled worker exists (not when running the TypeScript sources directly). */
export function workerAvailable(): boolean {
  return WORKER.protocol === "file:" && existsSync(fileURLToPath(WORKER));
}

/**
 * Starts the audit log in a worker thread. Each batch from the event bus is posted to it (a
 * structured clone, a few µs per event) and the subscriber's promise settles when the batch is
 * committed, so the bus's bounded queue applies back-pressure and counts what it must drop.
 * Start-up errors (an origin that does not match the log, an unreadable key) reject here, with the
 * worker's message, so the gateway refuses to start just as it would with the log inline.
 */
export function startAuditThread(options: ThreadOptions): Promise<AuditLogHandle> {
  const data: AuditWorkerData = {
    dataDir: options.dataDir,
    settings: options.settings,
    secrets: options.secrets,
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
  };
  const worker = new Worker(WORKER, { workerData: data });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let stopped: Error | undefined;
  const logger = options.logger;

  const send = (message: Omit<ToWorker, "id"> & { events?: SecurityEvent[] }): Promise<unknown> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref(); // while an answer is awaited, the process waits for it
      worker.postMessage({ ...message, id } as ToWorker);
    });
  };

  return new Promise<AuditLogHandle>((resolveStart, rejectStart) => {
    let started = false;
    const stop = (error: Error) => {
      stopped ??= error;
      for (const { reject } of pending.values()) reject(stopped);
      pending.clear();
      if (!started) rejectStart(stopped);
    };
    worker.on("error", (error) => {
      logger?.error({ err: error }, "audit log thread failed");
      stop(error);
    });
    worker.on("exit", (code) => stop(new AuditLogError(`the audit log thread exited (code ${code})`)));
    worker.on("message", onMessage);
    function onMessage(message: FromWorker) {
      switch (message.op) {
        case "ready":
          started = true;
          // Idle, the thread must not keep the process alive (a start-up that fails after this
          // point must still exit); it is ref'd again while an answer is awaited.
          worker.unref();
          resolveStart({
            origin: message.origin,
            mode: "thread",
            subscriber: {
              name: "audit",
              flushDelayMs: 20,
              maxBatch: 1000,
              // Cloned by postMessage (a few µs per event): the bus's batch is never shared.
              handle: (batch) =>
                send({ op: "append", events: batch as SecurityEvent[] }).then(() => undefined),
            },
            stats: () => send({ op: "stats" }) as Promise<AuditLogStats>,
            close: async () => {
              if (stopped) return;
              await send({ op: "close" });
              await worker.terminate();
            },
          });
          return;
        case "failed": {
          const error =
            message.name === "AuditLogError"
              ? new AuditLogError(message.message)
              : new Error(message.message);
          stop(error);
          return;
        }
        case "log":
          logger?.[message.level](message.obj, message.msg);
          return;
        case "done":
        case "error": {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          if (pending.size === 0) worker.unref();
          if (message.op === "done") waiter?.resolve(message.result);
          else waiter?.reject(new AuditLogError(message.message));
          return;
        }
      }
    }
  });
}
