import { execFileSync } from "node:child_process";
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/**
 * The key-encryption key (KEK): the one secret that is never stored beside the data. It comes from
 * an environment variable, a file (a mounted secret, a tmpfs), or the standard output of a command
 * (a KMS or vault client), and must be 32 random bytes, written as base64 or hex (or raw in a
 * file). Only a fingerprint of it is stored, so the gateway can tell which KEK a key ring version
 * needs without ever holding the KEK on disk.
 */

export type KekSource = { env: string } | { file: string } | { command: string[] };

export const KEK_BYTES = 32;
/** A KMS client gets this long to answer, at start-up and in the CLI. */
export const KEK_COMMAND_TIMEOUT_MS = 30_000;
/** Enough for any encoding of 32 bytes plus a newline; a runaway command is cut off. */
const MAX_KEK_OUTPUT = 64 * 1024;

export class KekError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KekError";
  }
}

export interface LoadKekOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Relative files and commands are resolved against this folder (the configuration file's). */
  baseDir?: string;
  timeoutMs?: number;
}

/** Where a KEK comes from, for messages: never the key, nor a command's arguments (they may carry tokens). */
export function describeKekSource(source: KekSource): string {
  if ("env" in source) return `environment variable ${source.env}`;
  if ("file" in source) return `file ${source.file}`;
  return `command ${source.command[0] ?? "(empty)"}`;
}

/**
 * Reads key material: exactly 32 raw bytes, or text holding 64 hex digits or the base64 (standard
 * or URL-safe) of 32 bytes. Anything else is refused — a passphrase is not a key.
 */
export function parseKekMaterial(raw: Buffer, what = "the KEK"): Buffer {
  const text = raw.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length === KEK_BYTES) return key;
  }
  if (raw.length === KEK_BYTES) return Buffer.from(raw);
  throw new KekError(
    `${what} must be ${KEK_BYTES} random bytes, as base64 or 64 hex digits (make one with: openssl rand -base64 32)`,
  );
}

/** Loads and checks a KEK. Errors name the source, never its content. */
export function loadKek(source: KekSource, options: LoadKekOptions = {}): Buffer {
  const what = `the KEK from ${describeKekSource(source)}`;
  const env = options.env ?? process.env;
  const base = options.baseDir ?? process.cwd();
  if ("env" in source) {
    const value = env[source.env];
    if (!value) throw new KekError(`${what}: the variable is not set or empty`);
    return parseKekMaterial(Buffer.from(value, "utf8"), what);
  }
  if ("file" in source) {
    const file = isAbsolute(source.file) ? source.file : resolve(base, source.file);
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (error) {
      throw new KekError(`${what}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    try {
      return parseKekMaterial(raw, what);
    } finally {
      raw.fill(0);
    }
  }
  const [command, ...args] = source.command;
  if (!command) throw new KekError(`${what}: the command is empty`);
  let out: Buffer;
  try {
    // No shell: the argv goes to the program as written. stderr passes through to ours, where a
    // KMS client reports its own failures; stdout (the key) is captured and never echoed.
    out = execFileSync(command, args, {
      cwd: base,
      env,
      stdio: ["ignore", "pipe", "inherit"],
      timeout: options.timeoutMs ?? KEK_COMMAND_TIMEOUT_MS,
      maxBuffer: MAX_KEK_OUTPUT,
      windowsHide: true,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; signal?: string | null };
    const why =
      e.code === "ENOENT" ? "not found" : e.signal ? `killed by ${e.signal}` : `exit ${e.status ?? "?"}`;
    throw new KekError(`${what}: the command failed (${why})`);
  }
  try {
    return parseKekMaterial(out, what);
  } finally {
    out.fill(0);
  }
}

/**
 * A KEK's public name: the first 8 bytes of HMAC-SHA-256(KEK, label), hex. It identifies the key
 * (so a ring version can name the KEK it needs) and reveals nothing usable about it: HMAC is a PRF,
 * and the KEK has 256 bits of entropy, so no one can search for it from the fingerprint.
 */
export function kekFingerprint(kek: Uint8Array): string {
  return createHmac("sha256", kek)
    .update("portcullis/kek-fingerprint/v1")
    .digest()
    .subarray(0, 8)
    .toString("hex");
}

/**
 * The wrapping key of one key ring version: HKDF-SHA-256 (RFC 5869) of the KEK with the version's
 * random salt and its number in `info`. Rotating without a new KEK therefore still gives a new,
 * independent wrapping key, and each version's key is bound to its number.
 */
export function deriveVersionKey(kek: Uint8Array, salt: Uint8Array, version: number): Buffer {
  return Buffer.from(hkdfSync("sha256", kek, salt, `portcullis/payloads/kek/v1/${version}`, KEK_BYTES));
}

/** A new KEK as base64 text (what `openssl rand -base64 32` prints). */
export function generateKekText(): string {
  return randomBytes(KEK_BYTES).toString("base64");
}
