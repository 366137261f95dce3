import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SECRET_FILE = "server.secret";
const SECRET_BYTES = 32;

/** The data directory holds keys, events and the server secret: readable by its owner only. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * The HMAC secret API keys are hashed with. Created once with mode 0600 (`wx` fails rather than
 * overwrite a secret another process created at the same moment); losing it invalidates every key.
 */
export function loadServerSecret(dir: string): Buffer {
  const file = join(dir, SECRET_FILE);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(SECRET_BYTES).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (secret.length < SECRET_BYTES)
    throw new Error(`${file} is damaged: expected ${SECRET_BYTES} random bytes`);
  return secret;
}

export function sqliteFile(dir: string): string {
  return join(dir, "portcullis.db");
}
