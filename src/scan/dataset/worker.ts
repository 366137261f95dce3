/**
 * A dataset-scanner worker thread (pool.ts): runs the per-row work of work.ts on the batches it
 * is given, for the pass of the last context it received. An exception in a batch is answered
 * as an error for that batch (the pool then fails the scan); a context that cannot be set fails
 * every batch after it.
 */
import { parentPort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./pool.js";
import { createContentEngine, RowWork, transferables, unpackRows } from "./work.js";

const port = parentPort;
if (!port) throw new Error("worker.js runs in a worker thread");
const work = new RowWork(createContentEngine);
let broken: Error | undefined;

port.on("message", (message: ToWorker) => {
  if (message.op === "context") {
    try {
      work.setContext(message.context);
      broken = undefined;
    } catch (error) {
      broken = error as Error;
    }
    return;
  }
  try {
    if (broken) throw broken;
    const result = message.op === "run" ? work.run(unpackRows(message.rows)) : work.judge(message.record);
    port.postMessage({ op: "done", id: message.id, result } satisfies FromWorker, transferables(result));
  } catch (error) {
    port.postMessage({
      op: "error",
      id: message.id,
      message: (error as Error).message ?? String(error),
    } satisfies FromWorker);
  }
});
