import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeBase64,
  generateKeyPair,
  parseEnvelope,
  parseStatement,
  signEnvelope,
  signerFromText,
  verifierFromText,
  verifyEnvelope,
} from "../../../src/scan/manifest/index.js";

const pair = generateKeyPair();
const signer = signerFromText(pair.privateKeyPem);
const verifier = verifierFromText(pair.publicKeyPem);

const settle = (f: () => unknown) => {
  const r = f() as { ok: boolean; error?: string };
  expect(typeof r.ok).toBe("boolean");
  if (!r.ok) expect(typeof r.error).toBe("string");
};

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom("payloadType", "payload", "signatures", "keyid", "sig", "x"),
      tie("value"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

describe("DSSE parser on hostile input", () => {
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => settle(() => parseEnvelope(text))),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary JSON shapes", () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        settle(() => parseEnvelope(JSON.stringify(value) ?? "null"));
      }),
      { numRuns: 500 },
    );
  });

  it("never accepts a mutated envelope", () => {
    const env = signEnvelope("application/vnd.in-toto+json", Buffer.from('{"a":1}'), signer);
    const text = JSON.stringify(env);
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 32, max: 126 }), (at, code) => {
        const mutated = text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        if (mutated === text) return;
        const parsed = parseEnvelope(mutated);
        if (!parsed.ok) return;
        const verified = verifyEnvelope(parsed.value, verifier);
        // A mutation that survives parsing may only touch the keyid hint or JSON whitespace.
        if (verified.ok) {
          expect(parsed.value.payload).toBe(env.payload);
          expect(parsed.value.payloadType).toBe(env.payloadType);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("statement parser never throws on arbitrary payload bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => settle(() => parseStatement(bytes))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(jsonish, (value) =>
        settle(() => parseStatement(Buffer.from(JSON.stringify(value) ?? "null"))),
      ),
      { numRuns: 300 },
    );
  });

  it("decodes only canonical base64", () => {
    expect(decodeBase64("aGVsbG8=")?.toString()).toBe("hello");
    expect(decodeBase64("aGVsbG9=")).toBeUndefined();
    expect(decodeBase64("a b")).toBeUndefined();
  });

  it("refuses unsafe subject names", () => {
    const st = (name: string) =>
      Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          predicateType: "https://github.com/portcullis-security/portcullis/manifest/v1",
          subject: [{ name, digest: { sha256: "a".repeat(64) } }],
          predicate: {
            serialization: { method: "files", hash_type: "sha256" },
            resources: [{ name, algorithm: "sha256", digest: "a".repeat(64) }],
          },
        }),
      );
    expect(parseStatement(st("ok/file.bin")).ok).toBe(true);
    for (const bad of ["../x", "/etc/passwd", "a//b", "a/./b", "a\\b", ""])
      expect(parseStatement(st(bad)).ok).toBe(false);
  });
});
