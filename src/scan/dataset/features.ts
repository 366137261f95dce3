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

const TOKEN = /[\p{L}\p{N}_]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}_]/gu;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Lower-cased word and punctuation tokens (at most `max`, from the first max × 32 characters). */
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

/** `hashA` of the NUL token that separates a prompt from its answer in MinHash shingles. */
export const SEPARATOR_HASH = hashA("\u0000");

/** a–z, 0–9 and _: ASCII word characters once lower-cased (the token pattern's \p{L}\p{N}_). */
function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
}

/** ASCII white space as \s sees it: tab, line feed, vertical tab, form feed, return, space. */
function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * The tokens of `tokenize`, without making a string of each: offsets into the lower-cased text
 * and the two hashes of each token (`hashA`, `hashB`), in typed arrays reused from text to text.
 * ASCII text (most datasets) is scanned by hand, character codes only; other text by the token
 * pattern. Either way the tokens are those of `tokenize`, which the tests check.
 */
export class Tokens {
  /** The lower-cased text the offsets point into. */
  text = "";
  n = 0;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly ha: Int32Array;
  readonly hb: Int32Array;

  constructor(readonly max: number = MAX_TOKENS) {
    this.start = new Int32Array(max);
    this.end = new Int32Array(max);
    this.ha = new Int32Array(max);
    this.hb = new Int32Array(max);
  }

  token(i: number): string {
    return this.text.slice(this.start[i], this.end[i]);
  }

  /** Tokens from..to (exclusive), as strings. */
  words(from: number, to: number): string[] {
    const out: string[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.n); i++) out.push(this.token(i));
    return out;
  }

  scan(input: string): this {
    const max = this.max;
    const lower = input.length > max * 32 ? input.slice(0, max * 32).toLowerCase() : input.toLowerCase();
    this.text = lower;
    this.n = 0;
    if (NON_ASCII.test(lower)) this.scanPattern(lower);
    else this.scanAscii(lower);
    return this;
  }

  private push(s: number, e: number): void {
    const lower = this.text;
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = s; i < e; i++) {
      const c = lower.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    const n = this.n++;
    this.start[n] = s;
    this.end[n] = e;
    this.ha[n] = a;
    this.hb[n] = b;
  }

  private scanAscii(lower: string): void {
    const L = lower.length;
    const max = this.max;
    let i = 0;
    while (i < L && this.n < max) {
      const c = lower.charCodeAt(i);
      if (isSpaceCode(c)) {
        i++;
        continue;
      }
      const s = i;
      if (!isWordCode(c)) {
        this.push(s, ++i);
        continue;
      }
      while (i < L && isWordCode(lower.charCodeAt(i))) i++;
      // (?:'\p{L}+)*: an apostrophe continues the word only when a letter follows it.
      while (i + 1 < L && lower.charCodeAt(i) === 39) {
        const d = lower.charCodeAt(i + 1);
        if (d < 97 || d > 122) break;
        i += 2;
        while (i < L) {
          const e = lower.charCodeAt(i);
          if (e < 97 || e > 122) break;
          i++;
        }
      }
      this.push(s, i);
    }
  }

  /**
   * The token pattern by hand over code points, each classified once per process (`classOf`):
   * the Unicode-property pattern cost 60 ns per character on non-ASCII rows.
   */
  private scanPattern(lower: string): void {
    const L = lower.length;
    const max = this.max;
    let i = 0;
    while (i < L && this.n < max) {
      const c = lower.codePointAt(i) as number;
      const cls = classOf(c);
      const width = c > 0xffff ? 2 : 1;
      if (cls === SPACE) {
        i += width;
        continue;
      }
      const s = i;
      i += width;
      if (cls === OTHER) {
        this.push(s, i);
        continue;
      }
      while (i < L) {
        const d = lower.codePointAt(i) as number;
        if (classOf(d) < WORD) break;
        i += d > 0xffff ? 2 : 1;
      }
      // (?:['’]\p{L}+)*: an apostrophe continues the word only when a letter follows it.
      for (;;) {
        const a = lower.charCodeAt(i);
        if ((a !== 39 && a !== 0x2019) || i + 1 >= L) break;
        const d = lower.codePointAt(i + 1) as number;
        if (classOf(d) !== LETTER) break;
        i += 1 + (d > 0xffff ? 2 : 1);
        while (i < L) {
          const e = lower.codePointAt(i) as number;
          if (classOf(e) !== LETTER) break;
          i += e > 0xffff ? 2 : 1;
        }
      }
      this.push(s, i);
    }
  }
}

/** Code-point classes of the token pattern, ordered so that `>= WORD` means [\p{L}\p{N}_]. */
const OTHER = 0;
const SPACE = 1;
const WORD = 2; // \p{N} and _
const LETTER = 3; // \p{L}
const UNKNOWN = 255;
const LETTER_RE = /^\p{L}$/u;
const WORD_RE = /^[\p{N}_]$/u;
const SPACE_RE = /^\s$/u;
/** The class of each code point of the Basic Multilingual Plane, filled as met. */
const bmpClass = new Uint8Array(0x10000).fill(UNKNOWN);
const astralClass = new Map<number, number>();

function classify(c: number): number {
  const s = String.fromCodePoint(c);
  if (LETTER_RE.test(s)) return LETTER;
  if (WORD_RE.test(s)) return WORD;
  if (SPACE_RE.test(s)) return SPACE;
  return OTHER;
}

function classOf(c: number): number {
  if (c <= 0xffff) {
    let k = bmpClass[c] as number;
    if (k === UNKNOWN) bmpClass[c] = k = classify(c);
    return k;
  }
  let k = astralClass.get(c);
  if (k === undefined) {
    k = classify(c);
    // Bounded: a text of random astral code points must not grow this without end.
    if (astralClass.size < 65_536) astralClass.set(c, k);
  }
  return k;
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

/**
 * A row's features, in typed arrays reused from row to row: valid until the featurizer's next
 * `extract` (copy what must outlive it). Workers send the keys and tags as they are.
 */
export class RowFeatures {
  /** The row's tokens (reused, like the rest). */
  tokens: Tokens = new Tokens();
  /** Number of features; the arrays are longer. */
  n = 0;
  /** Unique feature keys of the row, in first-seen order. */
  readonly keys: Float64Array;
  /** The table tag of keys[i]: 1–3 for n-grams (n), 4 for sentence starts, 5 for shapes. */
  readonly tags: Uint8Array;
  /** For keys[i]: the first token index (shape: -1 - its index in `shapes`) and the token count. */
  readonly start: Int32Array;
  readonly length: Uint8Array;
  shapes: string[] = [];

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.tags = new Uint8Array(capacity);
    this.start = new Int32Array(capacity);
    this.length = new Uint8Array(capacity);
  }
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

const MAX_FEATURES_PER_ROW = MAX_TOKENS * MAX_NGRAM + 2 + 3;

/** Reusable extractor (it keeps scratch arrays between rows). */
export class Featurizer {
  private readonly seen = new RowKeySet(MAX_FEATURES_PER_ROW + 16);
  private readonly out = new RowFeatures(MAX_FEATURES_PER_ROW);

  private push(key: number, tag: number, start: number, length: number): void {
    if (!this.seen.add(key)) return;
    const out = this.out;
    const n = out.n++;
    out.keys[n] = key;
    out.tags[n] = tag;
    out.start[n] = start;
    out.length[n] = length;
  }

  private readonly unigramSeen = new RowKeySet(MAX_TOKENS + 16);
  private readonly look = new KeyLookup();

  private found(key: number, tag: number, start: number, length: number): void {
    const l = this.look;
    for (let j = 0; j < l.nFound; j++) if (l.found[j] === key) return;
    const n = l.nFound++;
    l.found[n] = key;
    l.foundTags[n] = tag;
    l.foundStart[n] = start;
    l.foundLength[n] = length;
  }

  /**
   * The row's distinct unigram keys and the wanted features it holds (`shapes`: look at the
   * surface-form features too, which cost a few regular expressions). Reused by the next call.
   */
  lookup(text: string, wanted: KeySet, shapes: boolean): KeyLookup {
    const l = this.look;
    const tokens = l.tokens.scan(text);
    const seen = this.unigramSeen;
    seen.clear();
    l.nUnigrams = 0;
    l.nFound = 0;
    l.shapes = [];
    const ha = tokens.ha;
    const hb = tokens.hb;
    const T = tokens.n;
    for (let i = 0; i < T; i++) {
      let a = 0x3c6ef372;
      let b = 0x6a09e667;
      for (let n = 1; n <= MAX_NGRAM && i + n <= T; n++) {
        a = Math.imul(a ^ (ha[i + n - 1] as number), 0x01000193);
        b = Math.imul(b ^ (hb[i + n - 1] as number), 0x27d4eb2f);
        const key = key53(fmix(a ^ n), fmix(b + n));
        if (n === 1 && seen.add(key)) l.unigrams[l.nUnigrams++] = key;
        if (wanted.has(key)) this.found(key, n, i, n);
      }
    }
    for (let n = 1; n <= 2 && n <= T; n++) {
      let a = 0x243f6a88;
      let b = 0x13198a2e;
      for (let j = 0; j < n; j++) {
        a = Math.imul(a ^ (ha[j] as number), 0x01000193);
        b = Math.imul(b ^ (hb[j] as number), 0x27d4eb2f);
      }
      const key = key53(fmix(a ^ (n + 7)), fmix(b + n + 7));
      if (wanted.has(key)) this.found(key, TAG_START, 0, n);
    }
    if (shapes) {
      for (const shape of shapeFeatures(text)) {
        l.shapes.push(shape);
        const key = key53(hashA(shape), hashB(shape) ^ 0x5a5a5a5a);
        if (wanted.has(key)) this.found(key, TAG_SHAPE, -l.shapes.length, 0);
      }
    }
    return l;
  }

  /** The row's features; the result is reused by the next call. */
  extract(text: string): RowFeatures {
    const out = this.out;
    const tokens = out.tokens.scan(text);
    this.seen.clear();
    out.n = 0;
    out.shapes = [];
    const ha = tokens.ha;
    const hb = tokens.hb;
    const T = tokens.n;
    for (let i = 0; i < T; i++) {
      let a = 0x3c6ef372;
      let b = 0x6a09e667;
      for (let n = 1; n <= MAX_NGRAM && i + n <= T; n++) {
        a = Math.imul(a ^ (ha[i + n - 1] as number), 0x01000193);
        b = Math.imul(b ^ (hb[i + n - 1] as number), 0x27d4eb2f);
        this.push(key53(fmix(a ^ n), fmix(b + n)), n, i, n);
      }
    }
    // Sentence start: the first one and two tokens, as their own features.
    for (let n = 1; n <= 2 && n <= T; n++) {
      let a = 0x243f6a88;
      let b = 0x13198a2e;
      for (let j = 0; j < n; j++) {
        a = Math.imul(a ^ (ha[j] as number), 0x01000193);
        b = Math.imul(b ^ (hb[j] as number), 0x27d4eb2f);
      }
      this.push(key53(fmix(a ^ (n + 7)), fmix(b + n + 7)), TAG_START, 0, n);
    }
    for (const shape of shapeFeatures(text)) {
      out.shapes.push(shape);
      this.push(key53(hashA(shape), hashB(shape) ^ 0x5a5a5a5a), TAG_SHAPE, -out.shapes.length, 0);
    }
    return out;
  }
}

/**
 * What the passes after the first need of a row: its distinct unigram keys, in order of first
 * occurrence, and the first occurrence of each feature it holds among a few wanted ones. The
 * keys are those of `extract` (same arithmetic, same order), without storing every n-gram.
 */
export class KeyLookup {
  tokens: Tokens = new Tokens();
  shapes: string[] = [];
  nUnigrams = 0;
  readonly unigrams = new Float64Array(MAX_TOKENS);
  /** Wanted features found: key, table tag, first token and token count (as in RowFeatures). */
  nFound = 0;
  found: number[] = [];
  foundTags: number[] = [];
  foundStart: number[] = [];
  foundLength: number[] = [];

  /** The readable name of found feature `i`. */
  name(i: number): string {
    const tag = this.foundTags[i] as number;
    const start = this.foundStart[i] as number;
    if (tag === TAG_SHAPE) return this.shapes[-start - 1] as string;
    const words = this.tokens.words(start, start + (this.foundLength[i] as number)).join(" ");
    return tag === TAG_START ? `^ ${words}` : words;
  }
}

/** Keys wanted by `Featurizer.lookup`: `has(key)`. */
export interface KeySet {
  has(key: number): boolean;
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
  const tag = f.tags[i] as number;
  const start = f.start[i] as number;
  if (tag === TAG_SHAPE) return f.shapes[-start - 1] as string;
  const words = f.tokens.words(start, start + (f.length[i] as number)).join(" ");
  return tag === TAG_START ? `^ ${words}` : words;
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
