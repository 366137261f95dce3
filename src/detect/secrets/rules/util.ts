import { entropy } from "../rule.js";

/** Decodes base64 or base64url without throwing; "" when the input is not base64. */
export function b64decode(s: string): string {
  const t = s.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return "";
  return Buffer.from(t, "base64").toString("latin1");
}

/** A JWT/JWS header decodes to JSON naming an algorithm or a type (RFC 7515 §4.1). */
export function jwtHeaderValid(token: string): boolean {
  const head = b64decode(token.split(".")[0] ?? "");
  if (!head.startsWith("{")) return false;
  try {
    const h = JSON.parse(head) as Record<string, unknown>;
    return typeof h.alg === "string" || typeof h.typ === "string";
  } catch {
    return false;
  }
}

/** Some context word within `width` characters before `index` (lower-case comparison). */
export function near(text: string, index: number, words: readonly string[], width = 80): boolean {
  const w = text.slice(Math.max(0, index - width), index + width).toLowerCase();
  return words.some((k) => w.includes(k));
}

/** Entropy gate as a validator. */
export const minEntropy =
  (bits: number) =>
  (s: string): boolean =>
    entropy(s) >= bits;

export const UUID_SRC = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
