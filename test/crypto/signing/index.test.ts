import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNote } from "../../../src/audit/checkpoint.js";
import {
  computeKeyId,
  createVerifier,
  formatVerifierKey,
  generateSigner,
  loadOrCreateSigner,
  loadVerifier,
  parseVerifierKey,
  signerFromPem,
  signingKeyFiles,
  validateKeyName,
} from "../../../src/crypto/signing/index.js";

/**
 * The known-answer example of golang.org/x/mod/sumdb/note (an independent signed-note
 * implementation): its verifier key, its private key seed and the note it signs.
 */
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY_BODY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNATURE =
  "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

/** RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed. */
function pemFromSeed(seed: Buffer): string {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}

describe("signed-note keys", () => {
  it("computes the key id as SHA-256(name || 0x0A || 0x01 || public key)[:4]", () => {
    const { signer } = generateSigner("example.com/log");
    const byHand = createHash("sha256")
      .update(Buffer.concat([Buffer.from("example.com/log\n"), Buffer.from([1]), signer.publicKey]))
      .digest()
      .readUInt32BE(0);
    expect(signer.keyId).toBe(byHand);
    expect(computeKeyId("example.com/log", signer.publicKey)).toBe(byHand);
  });

  it("reads the Go sumdb/note verifier key and verifies its example note", () => {
    const verifier = parseVerifierKey(GO_VKEY);
    expect(verifier.name).toBe("PeterNeumann");
    expect(verifier.keyId).toBe(0xc74f20a3);
    expect(formatVerifierKey(verifier)).toBe(GO_VKEY);
    const note = parseNote(`${GO_TEXT}\n\u2014 PeterNeumann ${GO_SIGNATURE}\n`);
    expect(note.text).toBe(GO_TEXT);
    expect(note.signatures[0]!.keyId).toBe(verifier.keyId);
    expect(verifier.verify(Buffer.from(note.text), note.signatures[0]!.signature)).toBe(true);
    expect(
      verifier.verify(Buffer.from(GO_TEXT.replace("answer", "Answer")), note.signatures[0]!.signature),
    ).toBe(false);
  });

  it("signs exactly as the Go implementation does from the same private key", () => {
    const seed = Buffer.from(GO_SKEY_BODY, "base64").subarray(1);
    const signer = signerFromPem("PeterNeumann", pemFromSeed(seed));
    expect(formatVerifierKey(signer)).toBe(GO_VKEY);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(signer.keyId);
    expect(Buffer.concat([id, signer.sign(Buffer.from(GO_TEXT))]).toString("base64")).toBe(GO_SIGNATURE);
  });

  it.each([
    ["", /empty/],
    ["has space", /spaces/],
    ["a+b", /spaces or '\+'/],
    ["tab\there", /spaces/],
  ])("refuses the key name %j", (name, reason) => {
    expect(validateKeyName(name)).toMatch(reason);
    expect(() => generateSigner(name)).toThrow();
  });

  it("refuses verifier keys that were tampered with", () => {
    expect(() => parseVerifierKey(GO_VKEY.replace("c74f20a3", "c74f20a4"))).toThrow(/does not match/);
    expect(() => parseVerifierKey(GO_VKEY.replace("PeterNeumann", "Peter"))).toThrow(/does not match/);
    expect(() => parseVerifierKey(GO_VKEY.replace("+ARpc", "+AhX"))).toThrow();
    expect(() => parseVerifierKey("PeterNeumann+c74f20a3")).toThrow(/name\+id\+key/);
    expect(() => createVerifier("x", Buffer.alloc(31))).toThrow(/32 bytes/);
  });

  it("rejects signatures of the wrong length without throwing", () => {
    const { signer } = generateSigner("n");
    expect(signer.verify(Buffer.from("m"), Buffer.alloc(63))).toBe(false);
  });
});

describe("signing keys in a data directory", () => {
  it("creates the private key with mode 0600 once, and publishes the verifier key", () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-sign-"));
    const first = loadOrCreateSigner(dir, "example.com/audit");
    const files = signingKeyFiles(dir);
    expect(statSync(files.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.privateKey, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(files.publicKey, "utf8")).toBe(`${formatVerifierKey(first)}\n`);
    const again = loadOrCreateSigner(dir, "example.com/audit");
    expect(again.publicKey.equals(first.publicKey)).toBe(true);
    expect(loadVerifier(files.publicKey).keyId).toBe(first.keyId);
  });

  it("tightens a private key file another tool left readable", () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-sign-"));
    loadOrCreateSigner(dir, "n");
    const { privateKey } = signingKeyFiles(dir);
    chmodSync(privateKey, 0o644);
    loadOrCreateSigner(dir, "n");
    expect(statSync(privateKey).mode & 0o777).toBe(0o600);
  });

  it("reads a PEM public key when given the key name", () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-sign-"));
    const signer = loadOrCreateSigner(dir, "example.com/audit");
    const pem = readFileSync(signingKeyFiles(dir).privateKey, "utf8");
    const file = join(dir, "pub.pem");
    writeFileSync(file, createPublicKey(pem).export({ format: "pem", type: "spki" }).toString());
    expect(() => loadVerifier(file)).toThrow(/needs the key name/);
    expect(loadVerifier(file, "example.com/audit").keyId).toBe(signer.keyId);
  });

  it("refuses a damaged private key with a clear error", () => {
    expect(() =>
      signerFromPem("n", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
    ).toThrow(/cannot read the private key/);
  });
});
