import { createHmac, randomInt, timingSafeEqual } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 43 base62 characters carry ≈ 256 bits, the strength of the server secret they are hashed with. */
const KEY_BODY_LENGTH = 43;
/** The documented format: "pcx_" and at least 32 base62 characters (≥ 190 bits). */
export const KEY_PATTERN = /^pcx_[0-9A-Za-z]{32,128}$/;

export function generateKey(): string {
  let body = "";
  // randomInt is uniform (rejection sampling), so every character carries log2(62) bits.
  for (let i = 0; i < KEY_BODY_LENGTH; i++) body += BASE62[randomInt(62)];
  return `pcx_${body}`;
}

export function isWellFormedKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}

/**
 * Keys are stored only as HMAC-SHA-256 under a server secret: a stolen database does not let
 * anyone verify guesses offline without the secret file as well.
 */
export function hashKey(serverSecret: Buffer, key: string): string {
  return createHmac("sha256", serverSecret).update(key, "utf8").digest("hex");
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** What people see of a key: enough to recognise it, far too little to use it. */
export function displayPrefix(key: string): string {
  return `${key.slice(0, 8)}…`;
}
