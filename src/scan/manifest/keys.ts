/**
 * Ed25519 keys for manifests, built on the project's signing helpers (src/crypto/signing): the
 * private key is PKCS#8 PEM (mode 0600), the public key SPKI PEM — the forms `openssl pkey`,
 * cosign and the OpenSSF model-signing tool read. A signed-note verifier line
 * (`name+id+base64`) is accepted as a public key too.
 */
import { createHash, createPublicKey } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import {
  generateSigner,
  parseVerifierKey,
  signerFromPem,
  SigningKeyError,
  type NoteSigner,
  type NoteVerifier,
} from "../../crypto/signing/index.js";
import type { EnvelopeSigner, EnvelopeVerifier } from "./dsse.js";

/** The key name the signing helpers need; it is not part of the manifest. */
const KEY_NAME = "portcullis-manifest";

export class ManifestKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestKeyError";
  }
}

/** The DSSE keyid: hex SHA-256 of the raw 32-byte public key (a hint for picking the key). */
export function keyIdOf(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex");
}

/** RFC 8410 SubjectPublicKeyInfo prefix for Ed25519. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyPem(publicKey: Uint8Array): string {
  return createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
    format: "der",
    type: "spki",
  })
    .export({ type: "spki", format: "pem" })
    .toString();
}

function toSigner(signer: NoteSigner): EnvelopeSigner & { publicKey: Buffer } {
  return { keyid: keyIdOf(signer.publicKey), publicKey: signer.publicKey, sign: (m) => signer.sign(m) };
}

function toVerifier(verifier: NoteVerifier): EnvelopeVerifier & { publicKey: Buffer } {
  return {
    keyid: keyIdOf(verifier.publicKey),
    publicKey: verifier.publicKey,
    verify: (m, s) => verifier.verify(m, s),
  };
}

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyid: string;
}

export function generateKeyPair(): KeyPair {
  const { signer, pem } = generateSigner(KEY_NAME);
  return {
    privateKeyPem: pem,
    publicKeyPem: publicKeyPem(signer.publicKey),
    keyid: keyIdOf(signer.publicKey),
  };
}

/** Writes `<prefix>.key` (0600, never overwriting) and `<prefix>.pub`. */
export function writeKeyPair(prefix: string): KeyPair & { privateKeyFile: string; publicKeyFile: string } {
  const pair = generateKeyPair();
  const privateKeyFile = `${prefix}.key`;
  const publicKeyFile = `${prefix}.pub`;
  try {
    writeFileSync(privateKeyFile, pair.privateKeyPem, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new ManifestKeyError(`${privateKeyFile} exists; refusing to overwrite a private key`);
    }
    throw error;
  }
  chmodSync(privateKeyFile, 0o600);
  writeFileSync(publicKeyFile, pair.publicKeyPem, { mode: 0o644 });
  return { ...pair, privateKeyFile, publicKeyFile };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ManifestKeyError(`cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

export function signerFromText(pem: string): EnvelopeSigner & { publicKey: Buffer } {
  try {
    return toSigner(signerFromPem(KEY_NAME, pem));
  } catch (error) {
    if (error instanceof SigningKeyError) throw new ManifestKeyError(error.message);
    throw error;
  }
}

export function verifierFromText(text: string): EnvelopeVerifier & { publicKey: Buffer } {
  try {
    return toVerifier(parseVerifierKey(text, KEY_NAME));
  } catch (error) {
    if (error instanceof SigningKeyError) throw new ManifestKeyError(error.message);
    throw error;
  }
}

export function loadSigner(file: string): EnvelopeSigner & { publicKey: Buffer } {
  return signerFromText(readText(file, "private key"));
}

export function loadVerifier(file: string): EnvelopeVerifier & { publicKey: Buffer } {
  return verifierFromText(readText(file, "public key"));
}
