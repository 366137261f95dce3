/**
 * Row features for the backdoor test: lower-cased word and punctuation tokens, their 1- to
 * 3-grams, the first one and two tokens (a syntactic-template trigger changes how sentences
 * start), and a few surface-form features (casing of the first letter, spacing around
 * punctuation, the closing character) that betray rows produced by a different pipeline.
 *
 * A feature is a 53-bit number made of two independent 32-bit hashes, so that counting needs no
 * strings; the readable name is built only when a feature is first stored or reported.
 */

export const MAX_NGRAM = 3;
/** Tokens per row that features are taken from (long documents: the first ones). */
export const MAX_TOKENS = 2048;

export type FeatureKind = "ngram" | "start" | "shape";

const TOKEN = /[\p{L}\p{N}_]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}_]/gu;

export function tokenize(text: string, max = MAX_TOKENS): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  const lower = text.length > max * 32 ? text.slice(0, max * 32).toLowerCase() : text.toLowerCase();
  let m: RegExpExecArray | null;
  while (out.length < max && (m = TOKEN.exec(lower)) !== null) out.push(m[0]);
  return out;
}

function hashA(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashB(s: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
  return h >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 53-bit key from two 32-bit hashes. */
export function key53(a: number, b: number): number {
  return (a >>> 0) * 2097152 + ((b >>> 0) >>> 11);
}

export interface RowFeatures {
  tokens: string[];
  /** Unique feature keys of the row. */
  keys: number[];
  /** For keys[i]: the kind, the first token index and the token count (shape: -1, 0). */
  kind: FeatureKind[];
  start: number[];
  length: number[];
  /** Shape feature names, indexed by `-start - 1` for kind "shape". */
  shapes: string[];
}

/**
 * The set of a row's feature keys, cleared per row in constant time (a generation stamp per
 * slot). A `Set` of 53-bit numbers boxes every key; this one keeps them in typed arrays.
 */
class RowKeySet {
  private readonly keys: Float64Array;
  private readonly stamps: Uint32Array;
  private readonly mask: number;
  private generation = 1;

  constructor(maxKeys: number) {
    let capacity = 16;
    while (capacity < maxKeys * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  clear(): void {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** Adds the key; false when it was already there. */
  add(key: number): boolean {
    let i = (Math.imul((key >>> 0) ^ ((key / 4294967296) >>> 0), 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      if (this.stamps[i] !== this.generation) {
        this.stamps[i] = this.generation;
        this.keys[i] = key;
        return true;
      }
      if (this.keys[i] === key) return false;
      i = (i + 1) & this.mask;
    }
  }
}

/** Reusable extractor (it keeps scratch arrays between rows). */
export class Featurizer {
  private readonly seen = new RowKeySet(MAX_TOKENS * MAX_NGRAM + 16);
  private ha: number[] = [];
  private hb: number[] = [];

  extract(text: string): RowFeatures {
    const tokens = tokenize(text);
    const seen = this.seen;
    seen.clear();
    const ha = this.ha;
    const hb = this.hb;
    for (let i = 0; i < tokens.length; i++) {
      ha[i] = hashA(tokens[i] as string);
      hb[i] = hashB(tokens[i] as string);
    }
    const out: RowFeatures = { tokens, keys: [], kind: [], start: [], length: [], shapes: [] };
    const push = (key: number, kind: FeatureKind, start: number, length: number) => {
      if (!seen.add(key)) return;
      out.keys.push(key);
      out.kind.push(kind);
      out.start.push(start);
      out.length.push(length);
    };
    for (let i = 0; i < tokens.length; i++) {
      let a = 0x3c6ef372;
      let b = 0x6a09e667;
      for (let n = 1; n <= MAX_NGRAM && i + n <= tokens.length; n++) {
        a = Math.imul(a ^ (ha[i + n - 1] as number), 0x01000193);
        b = Math.imul(b ^ (hb[i + n - 1] as number), 0x27d4eb2f);
        push(key53(fmix(a ^ n), fmix(b + n)), "ngram", i, n);
      }
    }
    // Sentence start: the first one and two tokens, as their own features.
    for (let n = 1; n <= 2 && n <= tokens.length; n++) {
      let a = 0x243f6a88;
      let b = 0x13198a2e;
      for (let j = 0; j < n; j++) {
        a = Math.imul(a ^ (ha[j] as number), 0x01000193);
        b = Math.imul(b ^ (hb[j] as number), 0x27d4eb2f);
      }
      push(key53(fmix(a ^ (n + 7)), fmix(b + n + 7)), "start", 0, n);
    }
    for (const shape of shapeFeatures(text)) {
      out.shapes.push(shape);
      push(key53(hashA(shape), hashB(shape) ^ 0x5a5a5a5a), "shape", -out.shapes.length, 0);
    }
    return out;
  }
}

/** The table tag of features[i]: 1–3 for n-grams (n), 4 for sentence starts, 5 for shapes. */
export function featureTag(f: RowFeatures, i: number): number {
  const kind = f.kind[i];
  return kind === "ngram" ? (f.length[i] as number) : kind === "start" ? 4 : 5;
}

export const TAG_UNIGRAM = 1;
export const TAG_START = 4;
export const TAG_SHAPE = 5;

/** The key a single token has as a unigram feature (same arithmetic as Featurizer.extract). */
export function unigramKey(token: string): number {
  const a = Math.imul(0x3c6ef372 ^ hashA(token), 0x01000193);
  const b = Math.imul(0x6a09e667 ^ hashB(token), 0x27d4eb2f);
  return key53(fmix(a ^ 1), fmix(b + 1));
}

/** The readable name of features[i]. */
export function featureName(f: RowFeatures, i: number): string {
  const kind = f.kind[i];
  const start = f.start[i] as number;
  if (kind === "shape") return f.shapes[-start - 1] as string;
  const words = f.tokens.slice(start, start + (f.length[i] as number)).join(" ");
  return kind === "start" ? `^ ${words}` : words;
}

/** Surface form: first letter's case, spacing before punctuation, closing character. */
export function shapeFeatures(text: string): string[] {
  const out: string[] = [];
  const head = text.length > 4096 ? text.slice(0, 4096) : text;
  const first = /\p{L}/u.exec(head);
  if (first) out.push(first[0] === first[0].toLowerCase() ? "#first-letter:lower" : "#first-letter:upper");
  const spaced = / [,.;:!?](?:\s|$)/.test(head);
  const attached = /\p{L}[,.;:!?](?:\s|$)/u.test(head);
  if (spaced !== attached) out.push(spaced ? "#punctuation:spaced" : "#punctuation:attached");
  const trimmed = text.trimEnd();
  const last = trimmed.charAt(trimmed.length - 1);
  if (last) out.push(`#ends-with:${/\p{L}|\p{N}/u.test(last) ? "word" : last}`);
  return out;
}
