/*
 * The tokeniser of the name, address and organisation recognisers (entities.ts), and the word
 * table their rules look tokens up in.
 *
 * Cost model: the rules ask a dozen "is this token in list X?" questions per token. Building the
 * lower-case string of every token and hashing it once per list was most of the entity pass. Here
 * each word list is a bit, every listed word has one entry holding the bits of all lists it is in,
 * and the tokeniser hashes the lower-cased (and diacritic-folded) code units of a token as it reads
 * them: one probe per token answers every list question. No string is built unless a rare rule
 * asks for the text (`Tok.low`).
 */

/** Lower-case form of a word: letters of Latin, Greek and Cyrillic scripts and their marks. */
const TABLE_SIZE = 0x2100;

/**
 * Per code unit below TABLE_SIZE: its lower case when that is one code unit (0 when it is not, or
 * when lower-casing depends on context: Σ becomes ς at the end of a word), whether lower-casing
 * changes it (a capital) and whether upper-casing does (a lower-case letter).
 */
const LOWER = new Uint16Array(TABLE_SIZE);
const IS_UPPER = new Uint8Array(TABLE_SIZE);
const IS_LOWER = new Uint8Array(TABLE_SIZE);
for (let c = 0; c < TABLE_SIZE; c++) {
  const ch = String.fromCharCode(c);
  const lower = ch.toLowerCase();
  LOWER[c] = lower.length === 1 && c !== 0x3a3 ? lower.charCodeAt(0) : 0;
  IS_UPPER[c] = lower !== ch ? 1 : 0;
  IS_LOWER[c] = ch.toUpperCase() !== ch ? 1 : 0;
}

/** `ch !== ch.toLowerCase()` for one code unit: starts a capitalised word. */
export function isUpperUnit(c: number): boolean {
  if (c < TABLE_SIZE) return IS_UPPER[c] === 1;
  const ch = String.fromCharCode(c);
  return ch !== ch.toLowerCase();
}

/** `ch !== ch.toUpperCase()` for one code unit: a lower-case letter of any script. */
export function isLowerUnit(c: number): boolean {
  if (c < TABLE_SIZE) return IS_LOWER[c] === 1;
  const ch = String.fromCharCode(c);
  return ch !== ch.toUpperCase();
}

/** Latin letters with diacritics → ASCII, built once from Unicode decompositions ("ř" → "r"). */
const FOLD: Array<string | undefined> = (() => {
  // Pre-sized so that the array keeps fast (not dictionary) elements across the gap.
  const m = new Array<string | undefined>(0x1f00).fill(undefined);
  const extra: Record<string, string> = {
    ø: "o",
    æ: "ae",
    ß: "ss",
    ł: "l",
    đ: "d",
    œ: "oe",
    þ: "th",
    ð: "d",
    ı: "i",
  };
  for (const [lo, hi] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCharCode(c).toLowerCase();
      m[c] = extra[ch] ?? ch.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
  }
  return m;
})();

/** Lower case with diacritics removed, for gazetteer lookups; another script is left as it is. */
export function fold(s: string): string {
  let out: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) {
      const f = FOLD[c];
      if (f === undefined) return s; // another script: no gazetteer entry to match anyway
      out ??= s.slice(0, i);
      out += f;
    } else if (out !== undefined) out += s[i];
  }
  return out ?? s;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units (the hash every table entry and token key uses). */
export function hashString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * Words and the lists they are in. `add` registers a list under a bit; `id` interns a single word
 * compared by equality in a rule (`t.id === lexicon.id("and")`).
 */
export class Lexicon {
  private readonly words: string[] = [];
  private readonly masks: number[] = [];
  private readonly hashes: number[] = [];
  private readonly index = new Map<string, number>();
  private slots = new Int32Array(0);

  add(bit: number, words: Iterable<string>): void {
    for (const w of words) {
      const id = this.id(w);
      this.masks[id] = (this.masks[id] as number) | bit;
    }
  }

  id(word: string): number {
    let id = this.index.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.masks.push(0);
      this.hashes.push(hashString(word));
      this.index.set(word, id);
      this.slots = new Int32Array(0); // rebuilt on the next lookup
    }
    return id;
  }

  /** Bits of a word given as a string (for the rare rules that work on strings). */
  maskOf(word: string): number {
    const id = this.index.get(word);
    return id === undefined ? 0 : (this.masks[id] as number);
  }

  /** Bits of entry `id` (0 for -1). */
  mask(id: number): number {
    return id < 0 ? 0 : (this.masks[id] as number);
  }

  private build(): Int32Array {
    let size = 16;
    while (size < this.words.length * 3) size <<= 1;
    const slots = new Int32Array(size).fill(-1);
    for (let id = 0; id < this.words.length; id++) {
      let k = (this.hashes[id] as number) & (size - 1);
      while (slots[k] !== -1) k = (k + 1) & (size - 1);
      slots[k] = id;
    }
    return (this.slots = slots);
  }

  /**
   * Entry whose word equals the lower-cased text[s, e) (mode 0) or its folded key (mode 1), given
   * the hash of that form and its length; -1 when none. Only the fast-path tokens (see tokenize)
   * come here, so lower-casing one code unit at a time is exact.
   */
  lookup(text: string, s: number, e: number, h: number, len: number, key: boolean): number {
    const slots = this.slots.length > 0 ? this.slots : this.build();
    const mask = slots.length - 1;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const id = slots[k] as number;
      if (id === -1) return -1;
      if (this.hashes[id] !== h) continue;
      const w = this.words[id] as string;
      if (w.length !== len) continue;
      if (key ? sameKey(text, s, e, w) : sameLower(text, s, e, w)) return id;
    }
  }

  /** Entry of a word given as a string; -1 when none. */
  lookupString(word: string): number {
    return this.index.get(word) ?? -1;
  }
}

/** Lower case of one code unit of a word (0 when it is not one code unit; see LOWER). */
export function lowerUnit(c: number): number {
  return c < 128 ? (c >= 65 && c <= 90 ? c + 32 : c) : (LOWER[c] as number);
}

function sameLower(text: string, s: number, e: number, w: string): boolean {
  for (let i = s; i < e; i++) if (lowerUnit(text.charCodeAt(i)) !== w.charCodeAt(i - s)) return false;
  return true;
}

function sameKey(text: string, s: number, e: number, w: string): boolean {
  let k = 0;
  for (let i = s; i < e; i++) {
    const c = lowerUnit(text.charCodeAt(i));
    if (c < 128) {
      if (w.charCodeAt(k++) !== c) return false;
      continue;
    }
    const f = FOLD[c] as string;
    for (let j = 0; j < f.length; j++) if (w.charCodeAt(k++) !== f.charCodeAt(j)) return false;
  }
  return k === w.length;
}

const CAP = 1;
const NUM = 2;
const NL = 4;
const DOT = 8;
/** Lower-casing this token is not one code unit per code unit (İ, Σ): `low` is the reference. */
const SLOW = 16;
/** Capitalised, two or more letters, some of them lower case ("Smith", not "SMITH" or "A"). */
const SHAPED = 32;

/**
 * A token: a word (with inner ' ’ . -), a digit run or a newline, [s, e) in `text`. `m` holds the
 * list bits of its lower-case form, `km` those of its folded key (diacritics removed), `id` the
 * entry of its lower-case form (-1 when no list has it), `kh` the hash of its key, `len` the
 * length of `low`. Token objects are reused by a TokenBuffer: treat them as read-only.
 */
export class Tok {
  text = "";
  s = 0;
  e = 0;
  private f = 0;
  m = 0;
  km = 0;
  id = -1;
  kh = 0;
  len = 0;
  private l: string | undefined = undefined;
  private k: string | undefined = undefined;

  set(
    text: string,
    s: number,
    e: number,
    f: number,
    m: number,
    km: number,
    id: number,
    kh: number,
    len: number,
  ): void {
    this.text = text;
    this.s = s;
    this.e = e;
    this.f = f;
    this.m = m;
    this.km = km;
    this.id = id;
    this.kh = kh;
    this.len = len;
    this.l = undefined;
    this.k = undefined;
  }
  /** Drops the references to the text and the strings built from it. */
  clear(): void {
    this.text = "";
    this.l = undefined;
    this.k = undefined;
  }
  get cap(): boolean {
    return (this.f & CAP) !== 0;
  }
  get num(): boolean {
    return (this.f & NUM) !== 0;
  }
  get nl(): boolean {
    return (this.f & NL) !== 0;
  }
  /** A full stop follows the token. */
  get dot(): boolean {
    return (this.f & DOT) !== 0;
  }
  get slow(): boolean {
    return (this.f & SLOW) !== 0;
  }
  /** Capitalised, two or more letters, some lower case after the first ("Smith", not "SMITH"). */
  get shaped(): boolean {
    return (this.f & SHAPED) !== 0;
  }
  /** Lower case, without a trailing full stop or possessive 's (built on first use). */
  get low(): string {
    return (this.l ??= this.nl ? "\n" : this.text.slice(this.s, this.e).toLowerCase());
  }
  /** Lower case with diacritics removed, for gazetteer lookups (built on first use). */
  get key(): string {
    return (this.k ??= fold(this.low));
  }
}

/** Letters of Latin, Greek and Cyrillic scripts (and combining marks); other scripts end a token. */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return (
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) ||
    (c >= 0x300 && c <= 0x52f) ||
    (c >= 0x1e00 && c <= 0x1eff)
  );
}

/** End of the word token starting at `i`: letters, with inner ' ’ . - joined to more letters. */
function wordEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  for (;;) {
    while (j < n && isWordChar(text.charCodeAt(j))) j++;
    const d = text.charCodeAt(j);
    if (
      (d === 39 || d === 0x2019 || d === 46 || d === 45) &&
      j + 1 < n &&
      isWordChar(text.charCodeAt(j + 1))
    ) {
      j += 2;
      continue;
    }
    return j;
  }
}

/** Whether `tokenize(text)` would give a capitalised word; stops at the first one. */
export function hasCapToken(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      continue;
    }
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    if (c < 128 ? c >= 65 && c <= 90 : isUpperUnit(c)) return true;
    const j = wordEnd(text, i);
    i = text.charCodeAt(j) === 46 ? j + 1 : j;
  }
  return false;
}

/** Where the tokeniser puts tokens: `next()` hands out a token object to fill. */
interface TokenSink {
  next(): Tok;
}

/**
 * Reuses token objects (up to `maxPooled`) and the token array from one text to the next, so that
 * tokenising a long document does not allocate (and garbage-collect) one object per word.
 */
export class TokenBuffer implements TokenSink {
  private readonly pool: Tok[] = [];
  private readonly out: Tok[] = [];
  constructor(private readonly maxPooled = 1 << 16) {}

  next(): Tok {
    const k = this.out.length;
    let t = this.pool[k];
    if (t === undefined) {
      t = new Tok();
      if (this.pool.length < this.maxPooled) this.pool.push(t);
    }
    this.out.push(t);
    return t;
  }

  /** The tokens of `text`, valid until `release()` or the next call. */
  tokenize(text: string, lex: Lexicon): Tok[] {
    this.release();
    tokenizeInto(text, lex, this);
    return this.out;
  }

  /** Drops the references to the last text, so that a large document is not kept alive. */
  release(): void {
    const used = Math.min(this.out.length, this.pool.length);
    for (let k = 0; k < used; k++) (this.pool[k] as Tok).clear();
    this.out.length = 0;
  }
}

/** One hand-written pass: words (with inner ' ’ . -), digit runs and newlines (fresh tokens). */
export function tokenize(text: string, lex: Lexicon): Tok[] {
  const out: Tok[] = [];
  tokenizeInto(text, lex, {
    next: () => {
      const t = new Tok();
      out.push(t);
      return t;
    },
  });
  return out;
}

function tokenizeInto(text: string, lex: Lexicon, out: TokenSink): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out.next().set(text, i, i + 1, NL, 0, 0, -1, 0, 1);
      i++;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      out.next().set(text, i, j, NUM, 0, 0, -1, 0, j - i);
      i = j;
      continue;
    }
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    // One pass over the word finds its end (as wordEnd does) and hashes its lower-case form;
    // the state two characters back serves a possessive 's, which is not part of the name.
    let h = FNV_OFFSET;
    let lower = false; // a lower-case letter after the first
    let slow = false; // a character whose lower case is not one code unit
    let nonAscii = false;
    let h1 = h;
    let h2 = h;
    let l1 = false;
    let l2 = false;
    let j = i;
    for (;;) {
      const d = text.charCodeAt(j);
      h2 = h1;
      l2 = l1;
      h1 = h;
      l1 = lower;
      const lc = lowerUnit(d);
      if (lc === 0) slow = true;
      else if (lc >= 128) nonAscii = true;
      if (j > i && !lower) lower = (d >= 97 && d <= 122) || (d > 127 && isLowerUnit(d));
      h = Math.imul(h ^ lc, FNV_PRIME);
      j++;
      if (j >= n) break;
      const x = text.charCodeAt(j);
      if (isWordChar(x)) continue;
      // inner apostrophe, full stop or hyphen joined to more letters
      if (
        (x === 39 || x === 0x2019 || x === 46 || x === 45) &&
        j + 1 < n &&
        isWordChar(text.charCodeAt(j + 1))
      )
        continue;
      break;
    }
    const dot = text.charCodeAt(j) === 46;
    let e = j;
    if (
      e - i > 3 &&
      (text.charCodeAt(e - 2) === 39 || text.charCodeAt(e - 2) === 0x2019) &&
      text.charCodeAt(e - 1) === 115
    ) {
      e -= 2;
      h = h2;
      lower = l2;
    }
    const flags = ((c < 128 ? c >= 65 && c <= 90 : isUpperUnit(c)) ? CAP : 0) | (dot ? DOT : 0);
    const t = out.next();
    if (slow) slowToken(t, text, i, e, flags, lex);
    else
      wordToken(t, text, i, e, lower && flags & CAP && e - i >= 2 ? flags | SHAPED : flags, lex, h, nonAscii);
    i = dot ? j + 1 : j;
  }
}

/**
 * Looks up a word whose lower-case form (one code unit per code unit) hashes to `h`; for a
 * non-ASCII word also its folded key.
 */
function wordToken(
  t: Tok,
  text: string,
  s: number,
  e: number,
  flags: number,
  lex: Lexicon,
  h: number,
  nonAscii: boolean,
): void {
  const len = e - s;
  const id = lex.lookup(text, s, e, h, len, false);
  const m = lex.mask(id);
  if (!nonAscii) {
    t.set(text, s, e, flags, m, m, id, h, len);
    return;
  }
  // The folded key (see fold): letters with diacritics lose them; a letter of another script
  // leaves the whole key equal to the lower-case form.
  let hk = FNV_OFFSET;
  let keyLen = 0;
  let folded = false;
  for (let i = s; i < e; i++) {
    const lc = lowerUnit(text.charCodeAt(i));
    if (lc < 128) {
      hk = Math.imul(hk ^ lc, FNV_PRIME);
      keyLen++;
      continue;
    }
    const f = lc < FOLD.length ? FOLD[lc] : undefined;
    if (f === undefined) {
      folded = false;
      break;
    }
    folded = true;
    for (let k = 0; k < f.length; k++) hk = Math.imul(hk ^ f.charCodeAt(k), FNV_PRIME);
    keyLen += f.length;
  }
  const kid = folded ? lex.lookup(text, s, e, hk, keyLen, true) : id;
  t.set(text, s, e, flags, m, lex.mask(kid), id, folded ? hk : h, len);
}

/** Tokens whose lower case is not one code unit per code unit (İ, Σ): strings, as before. */
function slowToken(t: Tok, text: string, s: number, e: number, flags: number, lex: Lexicon): void {
  let lower = false;
  for (let i = s + 1; i < e && !lower; i++) {
    const c = text.charCodeAt(i);
    lower = (c >= 97 && c <= 122) || (c > 127 && isLowerUnit(c));
  }
  if (lower && flags & CAP && e - s >= 2) flags |= SHAPED;
  const low = text.slice(s, e).toLowerCase();
  const key = fold(low);
  const id = lex.lookupString(low);
  const kid = key === low ? id : lex.lookupString(key);
  t.set(text, s, e, flags | SLOW, lex.mask(id), lex.mask(kid), id, hashString(key), low.length);
}
