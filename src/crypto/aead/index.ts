import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM (NIST SP 800-38D) sealing with associated data, the one primitive of payload
 * encryption. A sealed blob is `format byte || 96-bit nonce || ciphertext || 128-bit tag`:
 *
 * - the nonce is random per call, the length SP 800-38D §8.2.2 recommends; random nonces are safe
 *   up to 2^32 invocations per key (§8.3), which is why every payload gets its own data key and
 *   team keys change every day (src/crypto/envelope);
 * - the tag is the full 16 bytes (SP 800-38D §5.2.1.2 allows shorter ones; we never use them);
 * - the format byte names this layout, so a later algorithm can coexist with it.
 *
 * Associated data binds a blob to where it belongs (a record id, key ids): decrypting it anywhere
 * else fails exactly like a wrong key does.
 */

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** 0x01: AES-256-GCM, 12-byte nonce, 16-byte tag. */
export const FORMAT_AES256_GCM = 0x01;
/** Bytes a sealed blob adds to its plaintext. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Wrong key, wrong associated data, or a changed blob: GCM cannot tell which, and neither do we. */
export class DecryptError extends Error {
  constructor(message = "decryption failed: wrong key, wrong context, or the data was changed") {
    super(message);
    this.name = "DecryptError";
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`an AES-256 key has ${KEY_BYTES} bytes`);
}

/** Encrypts and authenticates `plaintext`, binding it to `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([Buffer.of(FORMAT_AES256_GCM), nonce, body, final, cipher.getAuthTag()]);
}

/** Decrypts a blob made by `seal` with the same key and associated data; throws DecryptError otherwise. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD || sealed[0] !== FORMAT_AES256_GCM) throw new DecryptError();
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const body = blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptError();
  }
}

/**
 * Associated data from a list of fields: their JSON array text in UTF-8. JSON quoting makes the
 * encoding unambiguous (no field can end early or run into the next), and the first field names
 * the purpose, so a team key's context can never pass for a payload's.
 */
export function context(purpose: string, ...fields: (string | number)[]): Buffer {
  return Buffer.from(JSON.stringify([purpose, ...fields]), "utf8");
}

/** A fresh random 256-bit key. */
export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
