import { closeSync, mkdirSync, openSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Appends to a file, opening it per batch so that a rotated file (logrotate `create`) is followed
 * without a signal. Batches are whole lines, written in one call.
 */
export class FileSender {
  constructor(private readonly path: string) {
    // Fail at start-up, not on the first event, when the file cannot be written.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, "a", 0o600));
  }

  async append(data: string): Promise<void> {
    await appendFile(this.path, data, { encoding: "utf8", mode: 0o600 });
  }
}
