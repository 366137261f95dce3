import { EMPTY_ROOT, HASH_BYTES, hashChildren, isPowerOfTwo, splitPoint, type Hash } from "./hash.js";

/**
 * Proofs over a list of leaf hashes, as defined in RFC 9162 §2.1.3.1 (inclusion: PATH) and
 * §2.1.4.1 (consistency: PROOF / SUBPROOF). Hashes are ordered from the leaf level upwards.
 *
 * These build proofs from all leaf hashes of the tree (O(n) hashing): the log keeps no interior
 * nodes, so a proof is a short offline computation, never work on the request path.
 */

/** MTH(D[lo:hi]) (RFC 9162 §2.1.1). */
export function subtreeRoot(leafHashes: readonly Hash[], lo: number, hi: number): Hash {
  const n = hi - lo;
  if (n === 0) return Buffer.from(EMPTY_ROOT);
  if (n === 1) return leafHashes[lo]!;
  const k = splitPoint(n);
  return hashChildren(subtreeRoot(leafHashes, lo, lo + k), subtreeRoot(leafHashes, lo + k, hi));
}

function checkSize(leafHashes: readonly Hash[], size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > leafHashes.length)
    throw new RangeError(`tree size ${size} is outside 0..${leafHashes.length}`);
}

/** The audit path for leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leafHashes: readonly Hash[], index: number, size: number): Hash[] {
  checkSize(leafHashes, size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new RangeError(`leaf index ${index} is outside 0..${size - 1}`);
  const path: Hash[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(subtreeRoot(leafHashes, lo + k, hi));
    } else {
      walk(m - k, lo + k, hi);
      path.push(subtreeRoot(leafHashes, lo, lo + k));
    }
  };
  walk(index, 0, size);
  return path;
}

/**
 * The consistency proof between the trees of the first `size1` and `size2` leaves. Empty when the
 * sizes are equal or size1 is 0 (every tree extends the empty one).
 */
export function consistencyProof(leafHashes: readonly Hash[], size1: number, size2: number): Hash[] {
  checkSize(leafHashes, size2);
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2)
    throw new RangeError(`size1 ${size1} must be in 0..${size2}`);
  const proof: Hash[] = [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      // The old tree is this whole subtree: the verifier knows its hash already when `complete`.
      if (!complete) proof.push(subtreeRoot(leafHashes, lo, hi));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, lo + k, complete);
      proof.push(subtreeRoot(leafHashes, lo + k, hi));
    } else {
      sub(m - k, lo + k, hi, false);
      proof.push(subtreeRoot(leafHashes, lo, lo + k));
    }
  };
  if (size1 > 0 && size1 < size2) sub(size1, 0, size2, true);
  return proof;
}

/** A run of leaves [lo, hi) whose MTH is one hash of a proof. */
export type LeafRange = [lo: number, hi: number];

/**
 * The leaf ranges whose roots make up the audit path of `index` in a tree of `size` leaves, in
 * path order. The ranges are disjoint, so a proof can be computed in one streaming pass over the
 * stored leaf hashes with O(log n) memory (see src/audit/proof.ts), however large the log.
 */
export function inclusionPathRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new RangeError(`leaf index ${index} is outside 0..${size - 1}`);
  const ranges: LeafRange[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, lo, lo + k);
      ranges.push([lo + k, hi]);
    } else {
      walk(m - k, lo + k, hi);
      ranges.push([lo, lo + k]);
    }
  };
  walk(index, 0, size);
  return ranges;
}

/** The leaf ranges whose roots make up the consistency proof from size1 to size2 (RFC 9162 SUBPROOF). */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2)
    throw new RangeError(`size1 ${size1} must be in 0..${size2}`);
  const ranges: LeafRange[] = [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!complete) ranges.push([lo, hi]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, lo + k, complete);
      ranges.push([lo + k, hi]);
    } else {
      sub(m - k, lo + k, hi, false);
      ranges.push([lo, lo + k]);
    }
  };
  if (size1 > 0 && size1 < size2) sub(size1, 0, size2, true);
  return ranges;
}

export type ProofCheck = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): ProofCheck => ({ ok: false, reason });

function badHash(name: string, value: Uint8Array): string | undefined {
  return value.length === HASH_BYTES ? undefined : `${name} has ${value.length} bytes, want ${HASH_BYTES}`;
}

function badProofHashes(proof: readonly Uint8Array[]): string | undefined {
  for (let i = 0; i < proof.length; i++) {
    const problem = badHash(`proof hash ${i}`, proof[i]!);
    if (problem) return problem;
  }
  return undefined;
}

function validSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

/** Number of hashes in the audit path of `index` in a tree of `size` leaves. */
export function inclusionProofLength(index: number, size: number): number {
  // Levels below the point where the paths to `index` and to the last leaf meet, plus one hash
  // per left sibling on the right border above it (transparency-dev/merkle decompInclProof).
  const diverge = BigInt(index) ^ BigInt(size - 1);
  const inner = diverge === 0n ? 0 : diverge.toString(2).length;
  const border = (BigInt(index) >> BigInt(inner)).toString(2).replace(/0/g, "").length;
  return inner + border;
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2), rejecting as the reference verifiers do: an
 * index at or beyond the size, hashes of the wrong length, a proof with too few or superfluous
 * hashes, and of course a root that does not match.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (!validSize(index) || !validSize(size)) return fail("index and size must be non-negative integers");
  if (index >= size) return fail(`index ${index} is beyond the tree size ${size}`);
  const problem = badHash("leaf hash", leafHash) ?? badHash("root", root) ?? badProofHashes(proof);
  if (problem) return fail(problem);
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) return fail(`wrong proof size ${proof.length}, want ${want}`);

  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return fail("superfluous proof hashes");
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail("proof too short");
  if (!r.equals(root)) return fail("calculated root does not match the expected root");
  return { ok: true };
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2) that the tree of size2 with root2 extends the
 * tree of size1 with root1. Rejects, as the reference verifiers do: sizes out of order, a
 * non-empty proof between equal sizes or from the empty tree, an empty proof where one is needed,
 * superfluous or missing hashes, and hashes of the wrong length. From the empty tree (size1 = 0)
 * the only valid proof is the empty one, with root1 = SHA-256("").
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ProofCheck {
  if (!validSize(size1) || !validSize(size2)) return fail("sizes must be non-negative integers");
  if (size2 < size1) return fail(`sizes out of order: size2 ${size2} < size1 ${size1}`);
  const problem = badHash("root1", root1) ?? badHash("root2", root2) ?? badProofHashes(proof);
  if (problem) return fail(problem);
  if (size1 === size2) {
    if (proof.length > 0) return fail("size1 = size2, but the proof is not empty");
    return Buffer.from(root1).equals(root2) ? { ok: true } : fail("equal sizes with different roots");
  }
  if (size1 === 0) {
    // Every tree extends the empty one: nothing to prove, so any proof hash is superfluous.
    if (proof.length > 0) return fail("a proof from the empty tree must be empty");
    return Buffer.from(root1).equals(EMPTY_ROOT) ? { ok: true } : fail("root1 is not the empty tree's root");
  }
  if (proof.length === 0) return fail("empty proof");

  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return fail("superfluous proof hashes");
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail("proof too short");
  if (!fr.equals(root1)) return fail("calculated root1 does not match the expected root1");
  if (!sr.equals(root2)) return fail("calculated root2 does not match the expected root2");
  return { ok: true };
}
