/**
 * Feature extraction for the injection classifier, shared by inference (`model.ts`) and training
 * (`scripts/train/`), so the two can never drift apart.
 *
 * A text becomes a bag of hashed features in a table of 2^FEATURE_BITS buckets:
 * - character 3-, 4- and 5-grams of the lower-cased text with digits folded to `0` and whitespace
 *   runs folded to one space (robust to spelling variants, works for every script);
 * - word unigrams and bigrams (word = run of letters/digits; any non-ASCII letter counts);
 * - when the model carries a cluster table: the cluster of each known word (k-means over pretrained
 *   English word vectors) and cluster bigrams, so phrasings with synonyms share features;
 * - a few shape features (length, share of non-ASCII, punctuation-only tokens, glued camel-case
 *   pieces typical of GCG suffixes, line count, longest run of one repeated token and of one
 *   repeated character, as in context-flooding attacks), one bucket each.
 * Hashing is FNV-1a style with `Math.imul`, so it is identical in every JS engine.
 *
 * No per-call allocation beyond the lower-cased copy of the text: indices go into a module-level
 * buffer that only grows.
 */

export const FEATURE_BITS = 18;

/**
 * Feature counts below which the 1/sqrt(n) normalisation of a group stops growing: a two-letter
 * prompt must not get the weight of a sentence from its two or three n-grams ("ab" once scored
 * 0.90). Shared by training and inference.
 */
export const MIN_CHAR_NORM = 24;
export const MIN_WORD_NORM = 4;
export const FEATURE_MASK = (1 << FEATURE_BITS) - 1;

/**
 * Result of one extraction: indices live in `buffer[0 .. nChar + nWord + nShape)`. The word
 * group holds the cluster features too, unless they were asked for apart (`separateClusters`):
 * then they are in `clusterBuffer[0 .. nCluster)` and the buffer holds exactly what an extraction
 * without clusters gives.
 */
export interface Features {
  buffer: Int32Array;
  nChar: number;
  nWord: number;
  nShape: number;
  clusterBuffer: Int32Array;
  nCluster: number;
}

const FNV_PRIME = 16777619;
const SEED_CHAR = [0, 0, 0, 0x2f5a1c3b, 0x6d2b79f5, 0x1b873593];
const SEED_WORD = 0x85ebca6b;
const SEED_BIGRAM = 0xc2b2ae35;
const SEED_SHAPE = 0x27d4eb2f;
const SEED_CLUSTER = 0x165667b1;
const SEED_CLUSTER2 = 0x3c6ef372;
const NO_CLUSTER = 0xffff;

/**
 * Word → cluster id of pretrained word vectors, keyed by the word hash this module computes (FNV-1a
 * over the lower-cased word with digits folded to 0; `wordKey`). Built once from the model file.
 */
export interface ClusterTable {
  get(key: number): number | undefined;
  readonly size: number;
}

/**
 * Open-addressing table over two typed arrays: a lookup is a multiply, a shift and usually one
 * probe, with no boxing of 32-bit keys (a `Map` boxes those beyond the small-integer range).
 */
export class WordClusterTable implements ClusterTable {
  private readonly keys: Int32Array;
  private readonly ids: Uint16Array;
  private readonly shift: number;
  private readonly mask: number;
  readonly size: number;

  constructor(entries: Iterable<readonly [number, number]>) {
    const list = [...entries];
    let bits = 4;
    while (1 << bits < list.length * 2) bits++;
    this.keys = new Int32Array(1 << bits);
    this.ids = new Uint16Array(1 << bits).fill(0xffff);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    for (const [key, id] of list) {
      if (id >= 0xffff) throw new Error("cluster id out of range");
      let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
      while (this.ids[slot] !== 0xffff && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.ids[slot] = id;
    }
    this.size = list.length;
  }

  get(key: number): number | undefined {
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const id = this.ids[slot]!;
      if (id === 0xffff) return undefined;
      if (this.keys[slot] === key) return id;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** The key a word has in a `ClusterTable` (same hash as the word features use). */
export function wordKey(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    let c = word.charCodeAt(i);
    if (c >= 48 && c <= 57) c = 48;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

let buffer = new Int32Array(16384);
let clusterBuffer = new Int32Array(4096);
let fold = new Uint16Array(4096);
const result: Features = { buffer, nChar: 0, nWord: 0, nShape: 0, clusterBuffer, nCluster: 0 };

function ensure(capacity: number, clusterCapacity: number): void {
  if (buffer.length < capacity) {
    let n = buffer.length;
    while (n < capacity) n *= 2;
    buffer = new Int32Array(n);
    result.buffer = buffer;
  }
  if (clusterBuffer.length < clusterCapacity) {
    let n = clusterBuffer.length;
    while (n < clusterCapacity) n *= 2;
    clusterBuffer = new Int32Array(n);
    result.clusterBuffer = clusterBuffer;
  }
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h & FEATURE_MASK;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200b);
}

/** Letters and digits of any script; ASCII punctuation, general/CJK punctuation are not word characters. */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f)) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: emoji and rare scripts, left to char n-grams
  return true;
}

/** CJK and kana: scripts written without spaces, where every character is its own word. */
function isIdeographic(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
}

function shapeBucket(name: number, value: number): number {
  return finalize(Math.imul(SEED_SHAPE ^ name, FNV_PRIME) ^ Math.imul(value + 1, 0x9e3779b1));
}

/**
 * Extracts features of `text[start, end)`. `lower` must be `text.toLowerCase()` (same length for
 * the code units we look at; the caller computes it once per view). The returned object and its
 * buffers are reused by the next call: copy what you keep. With `separateClusters`, the cluster
 * features go to `clusterBuffer` (one extraction then serves a head with clusters and one without;
 * the heads' sums do not depend on the order of the features).
 */
export function extractFeatures(
  text: string,
  lower: string,
  start = 0,
  end = text.length,
  clusters?: ClusterTable,
  separateClusters = false,
): Features {
  const len = end - start;
  ensure(len * 8 + 64, separateClusters ? len * 4 + 16 : 0);
  if (fold.length < len + 2) fold = new Uint16Array(Math.max(len + 2, fold.length * 2));
  const out = buffer;
  const cout = clusterBuffer;
  const fb = fold;
  let n = 0;
  let nc = 0;

  // Pass 1: fold the text (lower-case, digits to 0, whitespace runs to one space) with a leading
  // and a trailing space, into a reused buffer.
  let m = 0;
  fb[m++] = 32;
  let prevSpace = true;
  let nonAscii = 0;
  let lines = 0;
  let prevChar = -1;
  let charRun = 0;
  let maxCharRun = 0;
  for (let i = start; i < end; i++) {
    let c = lower.charCodeAt(i);
    if (isSpace(c)) {
      if (c === 10) lines++;
      if (prevSpace) continue;
      prevSpace = true;
      fb[m++] = 32;
      continue;
    }
    if (c === prevChar) {
      if (++charRun > maxCharRun) maxCharRun = charRun;
    } else {
      prevChar = c;
      charRun = 0;
    }
    prevSpace = false;
    if (c >= 48 && c <= 57) c = 48;
    else if (c > 127) nonAscii++;
    fb[m++] = c;
  }
  if (!prevSpace) fb[m++] = 32;

  // Pass 2: character 3-, 4- and 5-grams ending at each position. Each character is mixed once;
  // an n-gram is the XOR of its characters' mixes rotated by position, so the 4-gram extends the
  // 3-gram and the 5-gram the 4-gram (one multiply per character instead of twelve), and the
  // finaliser decorrelates the three orders.
  const s3 = SEED_CHAR[3]!;
  const s4 = SEED_CHAR[4]!;
  const s5 = SEED_CHAR[5]!;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  let g4 = 0;
  for (let i = 0; i < m; i++) {
    const g0 = Math.imul(fb[i]! + 0x9e37, 0x85ebca6b);
    if (i >= 2) {
      const h3 = ((g2 << 10) | (g2 >>> 22)) ^ ((g1 << 5) | (g1 >>> 27)) ^ g0;
      out[n++] = finalize(h3 ^ s3);
      if (i >= 3) {
        const h4 = ((g3 << 15) | (g3 >>> 17)) ^ h3;
        out[n++] = finalize(h4 ^ s4);
        if (i >= 4) out[n++] = finalize(((g4 << 20) | (g4 >>> 12)) ^ h4 ^ s5);
      }
    }
    g4 = g3;
    g3 = g2;
    g2 = g1;
    g1 = g0;
  }
  const nChar = n;

  // Pass 3: words (unigrams and bigrams; ideographs are one word each) and token shapes.
  let wordHash = 0;
  let inWord = false;
  let prevWord = 0;
  let prevCluster = NO_CLUSTER;
  let hasPrev = false;
  let words = 0;
  let punctTokens = 0;
  let gluedPieces = 0;
  let tokenHasWordChar = false;
  let tokenLen = 0;
  let tokenHash = 0x811c9dc5;
  let prevToken = 0;
  let tokenRun = 0;
  let maxTokenRun = 0;
  let sawLowerThenUpper = false;
  let prevOrigLower = false;
  for (let i = start; i <= end; i++) {
    const atEnd = i === end;
    const c0 = atEnd ? 32 : lower.charCodeAt(i);
    let closeWord = false;
    let ideograph = false;
    let c = c0;
    if (isSpace(c0)) {
      closeWord = inWord;
    } else {
      tokenLen++;
      tokenHash = Math.imul(tokenHash ^ c0, FNV_PRIME);
      if (isWordChar(c)) {
        const orig = text.charCodeAt(i);
        tokenHasWordChar = true;
        if (orig >= 65 && orig <= 90 && prevOrigLower) sawLowerThenUpper = true;
        prevOrigLower = orig >= 97 && orig <= 122;
        if (c >= 48 && c <= 57) c = 48;
        if (isIdeographic(c)) {
          closeWord = inWord;
          ideograph = true;
        } else {
          if (!inWord) {
            inWord = true;
            wordHash = 0x811c9dc5;
          }
          wordHash = Math.imul(wordHash ^ c, FNV_PRIME);
        }
      } else {
        prevOrigLower = false;
        closeWord = inWord;
      }
    }
    // A word ends (and, for an ideograph, a one-character word follows).
    for (let k = closeWord ? 0 : 1; k < (ideograph ? 2 : 1); k++) {
      if (k === 1) wordHash = Math.imul(0x811c9dc5 ^ c, FNV_PRIME);
      out[n++] = finalize(Math.imul(SEED_WORD ^ wordHash, FNV_PRIME));
      if (hasPrev)
        out[n++] = finalize(Math.imul(Math.imul(SEED_BIGRAM ^ prevWord, FNV_PRIME) ^ wordHash, FNV_PRIME));
      if (clusters) {
        // Meaning-level features: the word's cluster of pretrained vectors, alone and after the
        // previous word's cluster ("disregard"/"ignore" and "directives"/"instructions" share one).
        const cl = clusters.get(wordHash);
        const cur = cl === undefined ? NO_CLUSTER : cl;
        // Into the word group, or apart into the cluster buffer (`separateClusters`).
        if (cl !== undefined) {
          const f = finalize(Math.imul(SEED_CLUSTER ^ cl, FNV_PRIME));
          if (separateClusters) cout[nc++] = f;
          else out[n++] = f;
        }
        if (hasPrev && (cl !== undefined || prevCluster !== NO_CLUSTER)) {
          const f = finalize(Math.imul(Math.imul(SEED_CLUSTER2 ^ prevCluster, FNV_PRIME) ^ cur, FNV_PRIME));
          if (separateClusters) cout[nc++] = f;
          else out[n++] = f;
        }
        prevCluster = cur;
      }
      prevWord = wordHash;
      hasPrev = true;
      words++;
      inWord = false;
    }
    if (isSpace(c0)) {
      if (tokenLen > 0) {
        if (!tokenHasWordChar) punctTokens++;
        else if (sawLowerThenUpper && tokenLen >= 6) gluedPieces++;
        // The same token over and over ("a a a a ...") floods the context window.
        if (tokenHash === prevToken) {
          if (++tokenRun > maxTokenRun) maxTokenRun = tokenRun;
        } else {
          prevToken = tokenHash;
          tokenRun = 0;
        }
      }
      tokenHash = 0x811c9dc5;
      tokenLen = 0;
      tokenHasWordChar = false;
      sawLowerThenUpper = false;
      prevOrigLower = false;
    }
  }
  const nWord = n - nChar;

  // Shape features, bucketed.
  const tokens = Math.max(1, words + punctTokens);
  out[n++] = shapeBucket(1, Math.min(14, log2(len + 1)));
  out[n++] = shapeBucket(2, Math.min(10, Math.floor((nonAscii * 10) / Math.max(1, len))));
  out[n++] = shapeBucket(3, Math.min(10, Math.floor((punctTokens * 20) / tokens)));
  out[n++] = shapeBucket(4, Math.min(6, log2(gluedPieces + 1)));
  out[n++] = shapeBucket(5, Math.min(8, log2(lines + 1)));
  out[n++] = shapeBucket(6, Math.min(8, log2(maxTokenRun + 1)));
  out[n++] = shapeBucket(7, Math.min(8, log2(maxCharRun + 1)));
  const nShape = n - nChar - nWord;

  result.nChar = nChar;
  result.nWord = nWord;
  result.nShape = nShape;
  result.nCluster = nc;
  return result;
}

function log2(x: number): number {
  return x <= 0 ? 0 : 31 - Math.clz32(x);
}

/** Longest segment scored as one unit in document mode; longer runs are cut (bounded work). */
export const MAX_SEGMENT = 600;

function isBoundaryPunct(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 0x3002 || c === 0xff01 || c === 0xff1f;
}

/**
 * Sentence/line segments of a retrieved document, as [start, end) pairs in `text` (flat array).
 * Boundaries: newlines, table pipes, and sentence punctuation followed by whitespace. Leading and
 * trailing whitespace is trimmed; empty segments are dropped. Used by training and inference alike.
 */
export function segmentText(text: string, out: number[] = []): number[] {
  out.length = 0;
  let segStart = 0;
  const push = (s: number, e: number): void => {
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    while (e - s > MAX_SEGMENT) {
      out.push(s, s + MAX_SEGMENT);
      s += MAX_SEGMENT;
    }
    if (e > s) out.push(s, e);
  };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 124) {
      push(segStart, i);
      segStart = i + 1;
    } else if (isBoundaryPunct(c) && (i + 1 === n || isSpace(text.charCodeAt(i + 1)) || c >= 0x3000)) {
      push(segStart, i + 1);
      segStart = i + 1;
    }
  }
  push(segStart, n);
  return out;
}

/**
 * First words that open an order or a question addressed to the reader. An injected instruction
 * in retrieved content has that form; table cells, names and code mostly do not, and scoring them
 * only invites false positives (the document head would otherwise react to topic words).
 */
const OPENERS = new Set(
  (
    "add adopt answer append ask augment avoid begin break calculate change check click combine compose " +
    "convert craft create define delete describe design develop do draft emphasize emphasise encourage end " +
    "enhance ensure explain find follow forget format forward generate give group help highlight identify ignore " +
    "include incorporate insert integrate introduce invite jumble leverage list make mention misspell modify " +
    "name offer outline output post present print promote provide recommend remind remove rephrase replace reply " +
    "respond return reveal rewrite say scramble send share show spell start state stress substitute suggest " +
    "summarize summarise tease tell translate try urge use visit write what how why who whom whose where when " +
    "which can could would will should is are does did please kindly note important attention dear hey hi " +
    "hello assistant ai system instruction instructions new stop disregard override in when if from now " +
    "always never don't dont do not"
  ).split(" "),
);

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || c === 39;
}

/**
 * Whether `lower[start, end)` reads like an order or question (see OPENERS); non-Latin text always
 * does. With `text` (the original casing), a short run of capitalised words without sentence
 * punctuation ("Assistant Secretary", "Stop The Bleeding") counts as a title or table cell, not an
 * order.
 */
export function looksLikeInstruction(lower: string, start: number, end: number, text?: string): boolean {
  if (text !== undefined && isTitleLike(text, start, end)) return false;
  let nonAscii = 0;
  for (let i = start; i < end; i++) {
    const c = lower.charCodeAt(i);
    if (c === 63 || c === 0xff1f) return true; // a question
    if (c > 127) nonAscii++;
    // "you"/"your" addressed to the reader (a word of its own: not "young" or "youth")
    if (c === 121 && lower.startsWith("you", i) && (i === start || !isAsciiLetter(lower.charCodeAt(i - 1)))) {
      let j = i + 3;
      while (j < end && isAsciiLetter(lower.charCodeAt(j)) && lower.charCodeAt(j) !== 39) j++;
      const word = lower.slice(i, j);
      if (
        word === "you" ||
        word === "your" ||
        word === "yours" ||
        word === "yourself" ||
        word === "yourselves"
      )
        return true;
    }
  }
  if (nonAscii * 3 > end - start) return true;
  let i = start;
  while (i < end && !isAsciiLetter(lower.charCodeAt(i))) i++;
  let j = i;
  while (j < end && isAsciiLetter(lower.charCodeAt(j))) j++;
  return j > i && OPENERS.has(lower.slice(i, j));
}

function isTitleLike(text: string, start: number, end: number): boolean {
  let words = 0;
  let caps = 0;
  let lowerLetters = 0;
  let prevLetter = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 || c === 33 || c === 63 || c === 58 || c === 44) return false;
    const upper = c >= 65 && c <= 90;
    const letter = upper || (c >= 97 && c <= 122);
    if (c >= 97 && c <= 122) lowerLetters++;
    if (letter && !prevLetter) {
      words++;
      if (upper) caps++;
    }
    prevLetter = letter || c === 39;
  }
  return words > 0 && words <= 6 && lowerLetters > 0 && caps * 10 >= words * 7;
}
