/**
 * MinHash signatures over word 3-shingles and LSH banding (Broder 1997; Leskovec, Rajaraman &
 * Ullman, "Mining of Massive Datasets", ch. 3): two rows share a band bucket with probability
 * 1 - (1 - J^r)^b for Jaccard similarity J. With b = 10 bands of r = 6 rows the threshold
 * (1/b)^(1/r) is about 0.68: rewordings of one template collide, unrelated rows almost never.
 */

export const BANDS = 10;
export const ROWS_PER_BAND = 6;
/** Hash functions (a multiple of 4: bandKeysOf computes four at a time). */
const K = BANDS * ROWS_PER_BAND;
/** Rows with fewer tokens say too little to call two of them near-duplicates. */
export const MIN_DUPLICATE_TOKENS = 4;
/** Shingles are taken from the first 512 tokens. */
export const MAX_SHINGLE_TOKENS = 512;

// Fixed odd multipliers and offsets (a seeded LCG), so signatures are stable across runs.
const MUL = new Uint32Array(K);
const ADD = new Uint32Array(K);
{
  let s = 0x2545f491;
  for (let i = 0; i < K; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    MUL[i] = s | 1;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ADD[i] = s;
  }
}

function hashString(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finish(h);
}

function finish(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/**
 * A token's MinHash hash from its FNV-1a hash (features.ts `Tokens.ha`, the same loop with the
 * same seed): the tokens need not be made into strings.
 */
export function tokenHash(fnv: number): number {
  return finish(fnv);
}

// The same multipliers and offsets as int32 (the arithmetic is mod 2^32 either way).
const MUL32 = Int32Array.from(MUL);
const ADD32 = Int32Array.from(ADD);
/** Signature: the minimum of each hash function, unsigned, stored with the sign bit flipped. */
const sig = new Int32Array(K);
const scratch = new Int32Array(MAX_SHINGLE_TOKENS);
const shingles = new Int32Array(MAX_SHINGLE_TOKENS);
/** Unsigned order in signed arithmetic: a < b unsigned ⟺ (a ^ SIGN) < (b ^ SIGN) signed. */
const SIGN = 0x80000000;

/**
 * Band keys of a token sequence (empty when it is too short). Word 3-shingles, bounded to the
 * first 512 tokens.
 */
export function bandKeys(tokens: readonly string[]): number[] {
  if (tokens.length < MIN_DUPLICATE_TOKENS) return [];
  const n = Math.min(tokens.length, MAX_SHINGLE_TOKENS);
  for (let i = 0; i < n; i++) scratch[i] = hashString(tokens[i] as string, 0x811c9dc5);
  return bandKeysOf(scratch, n);
}

/**
 * Band keys from the tokens' hashes (`tokenHash`, or `hashString` with the FNV seed), `n` of them
 * (at most 512); the caller checks the sequence is long enough (MIN_DUPLICATE_TOKENS).
 *
 * The signature is each hash function's minimum over the shingles; computed four functions at a
 * time, with the minima in locals and in signed 32-bit arithmetic (no number leaves the
 * integer registers), which is about twice as fast as one function at a time over an array.
 */
export function bandKeysOf(th: ArrayLike<number>, n: number): number[] {
  let m = 0;
  for (let i = 0; i + 2 < n; i++) {
    shingles[m++] =
      Math.imul((th[i] as number) ^ 0x9e3779b9, 31) ^
      Math.imul(th[i + 1] as number, 17) ^
      (th[i + 2] as number);
  }
  for (let k = 0; k < K; k += 4) {
    const m0 = MUL32[k] as number;
    const a0 = ADD32[k] as number;
    const m1 = MUL32[k + 1] as number;
    const a1 = ADD32[k + 1] as number;
    const m2 = MUL32[k + 2] as number;
    const a2 = ADD32[k + 2] as number;
    const m3 = MUL32[k + 3] as number;
    const a3 = ADD32[k + 3] as number;
    // Unsigned 0xffffffff, the largest value, with the sign bit flipped.
    let n0 = 0x7fffffff;
    let n1 = 0x7fffffff;
    let n2 = 0x7fffffff;
    let n3 = 0x7fffffff;
    for (let j = 0; j < m; j++) {
      const x = shingles[j] as number;
      const v0 = (Math.imul(x, m0) + a0) ^ SIGN;
      if (v0 < n0) n0 = v0;
      const v1 = (Math.imul(x, m1) + a1) ^ SIGN;
      if (v1 < n1) n1 = v1;
      const v2 = (Math.imul(x, m2) + a2) ^ SIGN;
      if (v2 < n2) n2 = v2;
      const v3 = (Math.imul(x, m3) + a3) ^ SIGN;
      if (v3 < n3) n3 = v3;
    }
    sig[k] = n0 ^ SIGN;
    sig[k + 1] = n1 ^ SIGN;
    sig[k + 2] = n2 ^ SIGN;
    sig[k + 3] = n3 ^ SIGN;
  }
  const out: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h1 = 0x811c9dc5 ^ b;
    let h2 = 0x1b873593 + b;
    for (let r = 0; r < ROWS_PER_BAND; r++) {
      const v = (sig[b * ROWS_PER_BAND + r] as number) >>> 0;
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 13);
    }
    out.push((h1 >>> 0) * 2097152 + ((h2 >>> 0) >>> 11));
  }
  return out;
}

/** A band key joined with a label index, for "near-duplicates with the same label". */
export function withLabel(key: number, label: number): number {
  return (key + (label + 1) * 0x9e3779b97) % 9007199254740991;
}
