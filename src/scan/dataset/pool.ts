/**
 * Worker threads for the dataset scanner's per-row work (work.ts). The main thread keeps what
 * must happen in input order; the threads take batches of rows. A thread that fails (an
 * exception in a batch, a crash, an unexpected exit) fails the scan with `ScanWorkerError`:
 * every batch waiting on it is rejected, never left pending and never silently dropped.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  packRows,
  type CollectResult,
  type PackedRows,
  type PassContext,
  type PassResult,
  type WorkRow,
} from "./work.js";

export class ScanWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScanWorkerError";
  }
}

export type ToWorker =
  | { op: "context"; context: PassContext }
  | { op: "run"; id: number; rows: PackedRows }
  | { op: "judge"; id: number; record: CollectResult };

export type FromWorker =
  { op: "done"; id: number; result: PassResult } | { op: "error"; id: number; message: string };

export const WORKER_URL = new URL("./worker.js", import.meta.url);

/** True when the compiled worker exists (not when running the TypeScript sources directly). */
export function workerAvailable(url: URL = WORKER_URL): boolean {
  return url.protocol === "file:" && existsSync(fileURLToPath(url));
}

interface Waiter {
  resolve(result: PassResult): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Waiter>;
}

export class WorkerPool {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private failed?: ScanWorkerError;
  private closing = false;

  constructor(size: number, url: URL = WORKER_URL) {
    for (let i = 0; i < size; i++) {
      const thread: Thread = { worker: new Worker(url), pending: new Map() };
      const { worker } = thread;
      worker.on("message", (m: FromWorker) => {
        const waiter = thread.pending.get(m.id);
        thread.pending.delete(m.id);
        if (!waiter) return;
        if (m.op === "done") waiter.resolve(m.result);
        else {
          // This batch is no longer pending: reject it here, then every other one.
          const error = new ScanWorkerError(`a scan worker failed: ${m.message}`);
          waiter.reject(error);
          this.fail(error);
        }
      });
      worker.on("error", (error) => this.fail(new ScanWorkerError(`a scan worker failed: ${error.message}`)));
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(new ScanWorkerError(`a scan worker exited unexpectedly (code ${code})`));
      });
      this.threads.push(thread);
    }
  }

  get size(): number {
    return this.threads.length;
  }

  /** Fails the pool: every waiting batch is rejected, and so is every later one. */
  private fail(error: ScanWorkerError): void {
    this.failed ??= error;
    for (const t of this.threads) {
      for (const w of t.pending.values()) w.reject(this.failed);
      t.pending.clear();
    }
  }

  /** The context of the next pass, for every thread (messages arrive in order). */
  setContext(context: PassContext): void {
    if (this.failed) return;
    for (const t of this.threads) t.worker.postMessage({ op: "context", context } satisfies ToWorker);
  }

  /** Runs a batch of rows on the least busy thread. */
  run(rows: WorkRow[]): Promise<PassResult> {
    return this.send((id) => ({ op: "run", id, rows: packRows(rows) }));
  }

  /** Judges a record kept from pass 2's first half, on the least busy thread. */
  judge(record: CollectResult): Promise<PassResult> {
    return this.send((id) => ({ op: "judge", id, record }));
  }

  private send(message: (id: number) => ToWorker): Promise<PassResult> {
    if (this.failed) return Promise.reject(this.failed);
    let thread = this.threads[0] as Thread;
    for (const t of this.threads) if (t.pending.size < thread.pending.size) thread = t;
    const id = this.nextId++;
    return new Promise<PassResult>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage(message(id));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
