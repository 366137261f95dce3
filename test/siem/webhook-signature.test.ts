import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "../../src/siem/index.js";

describe("webhook signature", () => {
  const body = Buffer.from('{"events":[]}');
  const now = 1_750_000_000;

  it("is sha256=<hex HMAC> over '<timestamp>.<body>'", () => {
    expect(signWebhook("k", now, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("verifies, and refuses a changed body, timestamp, key or a stale request", () => {
    const signature = signWebhook("k", now, body);
    const ok = { signature, timestamp: String(now) };
    expect(verifyWebhook("k", ok, body, now)).toBe(true);
    expect(verifyWebhook("k", ok, Buffer.from('{"events":[1]}'), now)).toBe(false);
    expect(verifyWebhook("k", { signature, timestamp: String(now + 1) }, body, now)).toBe(false);
    expect(verifyWebhook("other", ok, body, now)).toBe(false);
    expect(verifyWebhook("k", ok, body, now + 301)).toBe(false);
    expect(verifyWebhook("k", { signature: undefined, timestamp: String(now) }, body, now)).toBe(false);
  });
});
