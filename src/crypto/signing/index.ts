import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Ed25519 signing keys for signed notes (C2SP signed-note, https://c2sp.org/signed-note).
 *
 * A key has a name (for the audit log: its origin line) and a 4-byte key id. The id follows the
 * spec's recommendation, SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4], where 0x01 is
 * the signature type byte assigned to Ed25519; the (name, id) pair selects the key in a signature
 * line, and a verifier that knows neither ignores the signature.
 *
 * Files in the data directory:
 * - `<base>.key` — the private key, PKCS#8 PEM, mode 0600 (readable by `openssl pkey`).
 * - `<base>.pub` — the verifier key in the signed-note text form `name+hexid+base64(0x01||pub)`
 *   (the form golang.org/x/mod/sumdb/note reads), mode 0644: this is what an auditor copies.
 */

/** C2SP signed-note: signature type identifier byte for Ed25519. */
export const ED25519_SIGNATURE_TYPE = 0x01;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** RFC 8410 SubjectPublicKeyInfo prefix for an Ed25519 key; the raw 32 bytes follow it. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyError";
  }
}

/** Verifies signatures made by one named key. */
export interface NoteVerifier {
  readonly name: string;
  /** Big-endian uint32 key id (see above). */
  readonly keyId: number;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner extends NoteVerifier {
  sign(message: Uint8Array): Buffer;
  readonly verifier: NoteVerifier;
}

/**
 * signed-note key names: non-empty, no Unicode spaces, no plus (the `+` separates the fields of
 * the verifier key text form).
 */
export function validateKeyName(name: string): string | undefined {
  if (name.length === 0) return "a key name must not be empty";
  if (/[\s+]/u.test(name)) return "a key name must not contain spaces or '+'";
  // Signed notes must not contain control characters other than newline.
  if (/\p{Cc}/u.test(name)) return "a key name must not contain control characters";
  return undefined;
}

function assertKeyName(name: string): void {
  const problem = validateKeyName(name);
  if (problem) throw new SigningKeyError(`${problem}: ${JSON.stringify(name)}`);
}

/** SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian uint32. */
export function computeKeyId(name: string, publicKey: Uint8Array): number {
  const digest = createHash("sha256")
    .update(name, "utf8")
    .update(Buffer.from([0x0a, ED25519_SIGNATURE_TYPE]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  if (
    der.length !== SPKI_ED25519_PREFIX.length + PUBLIC_KEY_BYTES ||
    !der.subarray(0, 12).equals(SPKI_ED25519_PREFIX)
  )
    throw new SigningKeyError("not an Ed25519 public key");
  return der.subarray(SPKI_ED25519_PREFIX.length);
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== PUBLIC_KEY_BYTES) throw new SigningKeyError("an Ed25519 public key has 32 bytes");
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}

/** A verifier for `name` and a raw 32-byte Ed25519 public key. */
export function createVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  const key = publicKeyObject(publicKey);
  const raw = Buffer.from(publicKey);
  return {
    name,
    keyId: computeKeyId(name, raw),
    publicKey: raw,
    verify(message, signature) {
      if (signature.length !== SIGNATURE_BYTES) return false;
      try {
        return edVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

function signerFrom(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.asymmetricKeyType !== "ed25519") throw new SigningKeyError("not an Ed25519 private key");
  const verifier = createVerifier(name, rawPublicKey(createPublicKey(privateKey)));
  return {
    name: verifier.name,
    keyId: verifier.keyId,
    publicKey: verifier.publicKey,
    verify: verifier.verify,
    verifier,
    sign: (message) => edSign(null, message, privateKey),
  };
}

/** A fresh key held in memory only (tests, and the first step of `loadOrCreateSigningKey`). */
export function generateSigner(name: string): { signer: NoteSigner; pem: string } {
  assertKeyName(name);
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return { signer: signerFrom(name, privateKey), pem };
}

/** A signer from a PKCS#8 PEM private key. */
export function signerFromPem(name: string, pem: string): NoteSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new SigningKeyError(`cannot read the private key: ${(error as Error).message}`);
  }
  return signerFrom(name, key);
}

/** The signed-note verifier key text: `name+<8 hex digits of the id>+base64(0x01 || public key)`. */
export function formatVerifierKey(verifier: Pick<NoteVerifier, "name" | "keyId" | "publicKey">): string {
  const id = verifier.keyId.toString(16).padStart(8, "0");
  const body = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), verifier.publicKey]).toString("base64");
  return `${verifier.name}+${id}+${body}`;
}

/**
 * Reads a verifier key: the text form above, or a PEM Ed25519 public key (then `name` must be
 * given, e.g. the origin of the checkpoint being checked). The id in the text form must match the
 * one computed from name and key, so a hand-edited file cannot claim another key's id.
 */
export function parseVerifierKey(text: string, name?: string): NoteVerifier {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) {
    if (!name) throw new SigningKeyError("a PEM public key needs the key name (the log's origin)");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: trimmed, format: "pem" });
    } catch (error) {
      throw new SigningKeyError(`cannot read the public key: ${(error as Error).message}`);
    }
    return createVerifier(name, rawPublicKey(key));
  }
  // The name has no '+'; the id is hex; the base64 key may contain '+'.
  const first = trimmed.indexOf("+");
  const second = first < 0 ? -1 : trimmed.indexOf("+", first + 1);
  if (second < 0) throw new SigningKeyError("expected a verifier key of the form name+id+key");
  const keyName = trimmed.slice(0, first);
  const hexId = trimmed.slice(first + 1, second);
  const b64 = trimmed.slice(second + 1);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new SigningKeyError("the key id must be 8 lowercase hex digits");
  const body = Buffer.from(b64, "base64");
  if (body.toString("base64") !== b64 || body.length !== 1 + PUBLIC_KEY_BYTES)
    throw new SigningKeyError("the key must be base64 of 33 bytes");
  if (body[0] !== ED25519_SIGNATURE_TYPE)
    throw new SigningKeyError("only Ed25519 (type 0x01) keys are supported");
  const verifier = createVerifier(keyName, body.subarray(1));
  if (verifier.keyId !== Number.parseInt(hexId, 16))
    throw new SigningKeyError("the key id does not match the name and public key");
  return verifier;
}

export interface SigningKeyFiles {
  privateKey: string;
  publicKey: string;
}

/** Where the audit signing key lives in a data directory. */
export function signingKeyFiles(dataDir: string, base = "audit-signing"): SigningKeyFiles {
  return { privateKey: join(dataDir, `${base}.key`), publicKey: join(dataDir, `${base}.pub`) };
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode, flag: "w" });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/**
 * Loads the signing key of a data directory, creating it on first use. The private key is
 * written with mode 0600 and `wx` (never overwriting a key another process created at the same
 * moment); a looser mode found later is tightened. The public key file is (re)written whenever it
 * is missing or disagrees with the private key, so it always names the key in use.
 */
export function loadOrCreateSigner(dataDir: string, name: string, base?: string): NoteSigner {
  const files = signingKeyFiles(dataDir, base);
  if (!existsSync(files.privateKey)) {
    const { pem } = generateSigner(name);
    try {
      writeFileSync(files.privateKey, pem, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  if ((statSync(files.privateKey).mode & 0o077) !== 0) chmodSync(files.privateKey, 0o600);
  const signer = signerFromPem(name, readFileSync(files.privateKey, "utf8"));
  const vkey = `${formatVerifierKey(signer)}\n`;
  const current = existsSync(files.publicKey) ? readFileSync(files.publicKey, "utf8") : undefined;
  if (current !== vkey) writeAtomically(files.publicKey, vkey, 0o644);
  return signer;
}

/** Reads the verifier key a data directory publishes (`<base>.pub`). */
export function loadVerifier(file: string, name?: string): NoteVerifier {
  return parseVerifierKey(readFileSync(file, "utf8"), name);
}
