import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-portcullis-signature";
export const TIMESTAMP_HEADER = "x-portcullis-timestamp";

/** How far a receiver should accept a timestamp from its own clock, in seconds. */
export const DEFAULT_TOLERANCE_S = 300;

/**
 * `sha256=<hex HMAC-SHA-256>` over `<timestamp>.<body>`: the timestamp is inside the MAC, so a
 * captured request cannot be replayed later with a fresh timestamp, and the receiver rejects
 * timestamps outside its tolerance.
 */
export function signWebhook(secret: string, timestamp: number, body: Buffer): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return `sha256=${mac}`;
}

/** What a receiver does; exported for tests and as the reference for docs/siem.md. */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_S,
): boolean {
  if (!headers.signature || !headers.timestamp || !/^[0-9]{1,12}$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
