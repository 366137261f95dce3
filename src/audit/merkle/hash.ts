import { hash } from "node:crypto";

/**
 * RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256. The one-byte prefixes keep a
 * leaf from ever being taken for an interior node (second-preimage resistance):
 *   leaf hash = SHA-256(0x00 || leaf bytes)
 *   node hash = SHA-256(0x01 || left || right)
 *   MTH({})   = SHA-256("")  (the empty tree)
 */
export const HASH_BYTES = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export type Hash = Buffer;

export function sha256(data: Uint8Array): Hash {
  return hash("sha256", data, "buffer");
}

/** MTH of the empty tree: the hash of the empty string. */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

export function hashLeaf(leaf: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(leaf.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(leaf, 1);
  return sha256(input);
}

// One scratch buffer for all node hashes: hashing is synchronous, so it is never shared.
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
scratch[0] = NODE_PREFIX;

export function hashChildren(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES)
    throw new RangeError("node children must be 32-byte hashes");
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return sha256(scratch);
}

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True when n is an exact power of two (n ≥ 1). Safe for sizes up to 2^53. */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
