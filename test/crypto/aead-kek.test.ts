import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { context, DecryptError, open, randomKey, seal, SEAL_OVERHEAD } from "../../src/crypto/aead/index.js";
import {
  deriveVersionKey,
  describeKekSource,
  generateKekText,
  kekFingerprint,
  KekError,
  loadKek,
  parseKekMaterial,
} from "../../src/crypto/kek/index.js";

describe("AES-256-GCM sealing", () => {
  const key = randomKey();
  const aad = context("test/v1", "record-1", 7);

  it("round-trips and adds a fixed overhead", () => {
    const sealed = seal(key, Buffer.from("hello"), aad);
    expect(sealed.length).toBe(5 + SEAL_OVERHEAD);
    expect(open(key, sealed, aad).toString()).toBe("hello");
  });

  it("uses a fresh nonce every time", () => {
    const a = seal(key, Buffer.from("same"), aad);
    const b = seal(key, Buffer.from("same"), aad);
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    ["another key", (s: Buffer) => open(randomKey(), s, aad)],
    ["other associated data", (s: Buffer) => open(key, s, context("test/v1", "record-2", 7))],
    ["another purpose", (s: Buffer) => open(key, s, context("other/v1", "record-1", 7))],
    [
      "a flipped ciphertext bit",
      (s: Buffer) => {
        const t = Buffer.from(s);
        t[15] = t[15]! ^ 1;
        return open(key, t, aad);
      },
    ],
    [
      "a flipped tag bit",
      (s: Buffer) => {
        const t = Buffer.from(s);
        t[t.length - 1] = t[t.length - 1]! ^ 0x80;
        return open(key, t, aad);
      },
    ],
    ["a truncated blob", (s: Buffer) => open(key, s.subarray(0, 20), aad)],
    ["an unknown format byte", (s: Buffer) => open(key, Buffer.concat([Buffer.of(2), s.subarray(1)]), aad)],
  ])("refuses %s", (_name, attempt) => {
    const sealed = seal(key, Buffer.from("payload text"), aad);
    expect(() => attempt(sealed)).toThrow(DecryptError);
  });

  it("encodes associated data unambiguously", () => {
    expect(context("p", "a,b", "c").equals(context("p", "a", "b,c"))).toBe(false);
    expect(context("p", "1").equals(context("p", 1))).toBe(false);
  });

  it("refuses keys of the wrong length", () => {
    expect(() => seal(Buffer.alloc(16), Buffer.from("x"), aad)).toThrow(RangeError);
  });
});

describe("KEK sources", () => {
  const kek = generateKekText();
  const bytes = Buffer.from(kek, "base64");

  it("reads base64, base64url, hex and raw 32 bytes", () => {
    expect(parseKekMaterial(Buffer.from(kek))).toEqual(bytes);
    expect(parseKekMaterial(Buffer.from(`${bytes.toString("base64url")}\n`))).toEqual(bytes);
    expect(parseKekMaterial(Buffer.from(bytes.toString("hex")))).toEqual(bytes);
    expect(parseKekMaterial(bytes)).toEqual(bytes);
  });

  it.each(["correct horse battery staple", "", Buffer.alloc(16).toString("base64"), "zz".repeat(32)])(
    "refuses %j without echoing it",
    (text) => {
      let message = "";
      try {
        parseKekMaterial(Buffer.from(text));
      } catch (error) {
        expect(error).toBeInstanceOf(KekError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/32 random bytes/);
      if (text) expect(message).not.toContain(text);
    },
  );

  it("loads from an environment variable, a file and a command", () => {
    expect(loadKek({ env: "K" }, { env: { K: kek } })).toEqual(bytes);
    const dir = mkdtempSync(join(tmpdir(), "pcx-kek-"));
    writeFileSync(join(dir, "kek"), `${kek}\n`);
    expect(loadKek({ file: "kek" }, { baseDir: dir })).toEqual(bytes);
    const script = join(dir, "kms.sh");
    writeFileSync(script, `#!/bin/sh\necho ${kek}\n`);
    chmodSync(script, 0o700);
    expect(loadKek({ command: [script] })).toEqual(bytes);
    expect(
      loadKek({ command: [process.execPath, "-e", `process.stdout.write(${JSON.stringify(kek)})`] }),
    ).toEqual(bytes);
  });

  it("names the source, never the secret, when it fails", () => {
    expect(() => loadKek({ env: "NOPE" }, { env: {} })).toThrow(/environment variable NOPE.*not set/);
    expect(() => loadKek({ file: "/nonexistent/kek" })).toThrow(/ENOENT/);
    expect(() => loadKek({ command: [process.execPath, "-e", "process.exit(3)"] })).toThrow(/exit 3/);
    expect(() => loadKek({ command: ["/nonexistent/kms"] })).toThrow(/not found/);
    expect(describeKekSource({ command: ["vault", "read", "-field=token", "s3cr3t"] })).toBe("command vault");
  });

  it("fingerprints and derives per version without revealing the KEK", () => {
    const fp = kekFingerprint(bytes);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fp).toBe(kekFingerprint(Buffer.from(bytes)));
    expect(fp).not.toBe(kekFingerprint(Buffer.from(generateKekText(), "base64")));
    const salt = Buffer.alloc(32, 1);
    const v1 = deriveVersionKey(bytes, salt, 1);
    expect(v1).toHaveLength(32);
    expect(v1.equals(deriveVersionKey(bytes, salt, 2))).toBe(false);
    expect(v1.equals(deriveVersionKey(bytes, Buffer.alloc(32, 2), 1))).toBe(false);
    expect(v1.equals(bytes)).toBe(false);
  });
});
