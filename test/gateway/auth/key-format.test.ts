import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  generateKey,
  hashKey,
  hashesEqual,
  isWellFormedKey,
  parseExpiry,
} from "../../../src/gateway/auth/index.js";

describe("API keys", () => {
  it("generated keys are well formed, distinct and long enough", () => {
    const keys = new Set(Array.from({ length: 1000 }, generateKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) {
      expect(isWellFormedKey(key)).toBe(true);
      expect(key).toMatch(/^pcx_[0-9A-Za-z]{43}$/);
    }
  });

  it("uses every base62 character (no bias towards a subset)", () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateKey().slice(4)).join(""));
    expect(seen.size).toBe(62);
  });

  it("rejects anything that is not pcx_ + 32–128 base62 characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (s) => {
        expect(isWellFormedKey(s)).toBe(/^pcx_[0-9A-Za-z]{32,128}$/.test(s));
      }),
    );
    expect(isWellFormedKey(`pcx_${"a".repeat(31)}`)).toBe(false);
    expect(isWellFormedKey(`pcx_${"a".repeat(32)}`)).toBe(true);
  });

  it("hashes with the server secret: same key, other secret → other hash", () => {
    const key = generateKey();
    const a = hashKey(randomBytes(32), key);
    const b = hashKey(randomBytes(32), key);
    expect(a).not.toBe(b);
    expect(hashesEqual(a, a)).toBe(true);
    expect(hashesEqual(a, b)).toBe(false);
    expect(hashesEqual(a, a.slice(2))).toBe(false);
  });

  it("parses expiries as durations or ISO times", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseExpiry("30d", now)).toBe(now + 30 * 86_400_000);
    expect(parseExpiry("12h", now)).toBe(now + 12 * 3_600_000);
    expect(parseExpiry("2027-01-01T00:00:00Z", now)).toBe(Date.UTC(2027, 0, 1));
    expect(parseExpiry("soon", now)).toBeUndefined();
    expect(parseExpiry("30x", now)).toBeUndefined();
  });
});
