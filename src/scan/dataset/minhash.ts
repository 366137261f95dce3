/**
 * MinHash signatures over word 3-shingles and LSH banding (Broder 1997; Leskovec, Rajaraman &
 * Ullman, "Mining of Massive Datasets", ch. 3): two rows share a band bucket with probability
 * 1 - (1 - J^r)^b for Jaccard similarity J. With b = 10 bands of r = 6 rows the threshold
 * (1/b)^(1/r) is about 0.68: rewordings of one template collide, unrelated rows almost never.
 */

export const BANDS = 10;
export const ROWS_PER_BAND = 6;
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

const sig = new Uint32Array(K);
const scratch = new Int32Array(MAX_SHINGLE_TOKENS);

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
 */
export function bandKeysOf(th: ArrayLike<number>, n: number): number[] {
  sig.fill(0xffffffff);
  for (let i = 0; i + 2 < n; i++) {
    const x =
      (Math.imul((th[i] as number) ^ 0x9e3779b9, 31) ^
        Math.imul(th[i + 1] as number, 17) ^
        (th[i + 2] as number)) >>>
      0;
    for (let k = 0; k < K; k++) {
      const v = (Math.imul(x, MUL[k] as number) + (ADD[k] as number)) >>> 0;
      if (v < (sig[k] as number)) sig[k] = v;
    }
  }
  const out: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h1 = 0x811c9dc5 ^ b;
    let h2 = 0x1b873593 + b;
    for (let r = 0; r < ROWS_PER_BAND; r++) {
      const v = sig[b * ROWS_PER_BAND + r] as number;
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
