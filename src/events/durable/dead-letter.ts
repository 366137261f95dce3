import { appendFile, open } from "node:fs/promises";
import { join } from "node:path";
import type { LogRecord } from "./segment-log.js";

export const DEAD_LETTER_FILE = "dead-letter.jsonl";

/**
 * Sets aside a batch the subscriber gave up on, one JSON line per event, so an operator can read,
 * fix and replay it (`jq -c .event dead-letter.jsonl`). Written and fsynced before the batch is
 * acknowledged: an event leaves the queue only for the subscriber or for this file.
 */
export async function writeDeadLetters(
  dir: string,
  subscriber: string,
  records: readonly LogRecord[],
  reason: string,
  attempts: number,
): Promise<string> {
  const file = join(dir, DEAD_LETTER_FILE);
  const time = new Date().toISOString();
  const lines = records.map((r) =>
    JSON.stringify({
      time,
      subscriber,
      attempts,
      error: reason,
      ...(r.event ? { event: r.event } : { unreadable: r.raw }),
    }),
  );
  await appendFile(file, lines.join("\n") + "\n", { mode: 0o600 });
  const handle = await open(file, "r");
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return file;
}
