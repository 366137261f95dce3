import { OffsetMap } from "./offset-map.js";
import { HIDDEN_RANK, hiddenKind, isAmbiguous, type HiddenKind } from "./invisible.js";
import { NF_CHANGES, NF_COMPOSES, NF_HIDDEN, NF_SURROGATE, normalizationTable } from "./tables.js";

/** A run of adjacent hidden code points in the original text. */
export interface HiddenRun {
  kind: HiddenKind;
  start: number;
  end: number;
  /** Number of code points in the run. */
  count: number;
  /** True when every code point in it also occurs in ordinary text (see invisible.ts). */
  ambiguous: boolean;
  /** Only bidi embeddings/overrides/isolates, not the LRM/RLM marks. */
  strongBidi: boolean;
  /** Up to three distinct code points, for the evidence string. */
  sample: number[];
  /** ASCII carried by tag characters (U+E0020–U+E007E minus 0xE0000), bounded. */
  payload: string;
  /** Last code point seen, to recognise the CANCEL TAG that ends an emoji flag. */
  last: number;
  /** Letters or digits (any script) on both sides: the run splits a word. */
  insideWord: boolean;
}

export interface Normalized {
  /** NFKC of the text with hidden code points removed. */
  text: string;
  /** Null when `text` is the original (identity mapping). */
  map: OffsetMap | null;
  /** Runs judged as planted (see `isPlanted`). */
  hidden: HiddenRun[];
  /**
   * Where `text` differs from the original, in `text` offsets: [start, end, start, end, …] in
   * order (a removal is an empty range where the removed code points were); null when there are
   * more than MAX_CHANGES ranges (then treat the whole text as changed).
   */
  changed: number[] | null;
}

const NON_ASCII = /[^\0-\x7f]/;
/** The same, searched from `lastIndex` (one code unit per match: `lastIndex - 1` is where it is). */
const NON_ASCII_FROM = /[^\0-\x7f]/g;

/** Changed ranges listed per text; beyond this the changes are too dense for windows to pay. */
const MAX_CHANGES = 1024;

/** Bounds so that a text made of millions of hidden characters stays cheap to describe. */
const MAX_RUNS = 256;
const MAX_TAG_PAYLOAD = 4096;
/** Supplementary code points seen, with whether NFKC changes them (math alphanumerics do). */
const supplementaryChanges = new Map<number, boolean>();
const MAX_CACHED = 4096;

/** NFKC of single BMP code units that change (ligatures, fullwidth forms, …), memoised. */
const unitNfkc = new Map<string, string>();

function nfkcOfUnit(unit: string): string {
  let out = unitNfkc.get(unit);
  if (out === undefined) {
    out = unit.normalize("NFKC");
    if (unitNfkc.size < MAX_CACHED) unitNfkc.set(unit, out);
  }
  return out;
}

function supplementaryChangesUnderNfkc(cp: number): boolean {
  let changes = supplementaryChanges.get(cp);
  if (changes === undefined) {
    const s = String.fromCodePoint(cp);
    changes = s.normalize("NFKC") !== s;
    if (supplementaryChanges.size < MAX_CACHED) supplementaryChanges.set(cp, changes);
  }
  return changes;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether the code point ending before (or starting at) `at` is a letter or digit of any script. */
function isWordChar(text: string, at: number, before: boolean): boolean {
  if (at < 0 || at >= text.length) return false;
  let cp = text.codePointAt(at) as number;
  if (before && at > 0 && (cp & 0xfc00) === 0xdc00) cp = text.codePointAt(at - 1) as number;
  if (cp < 0x80) return isAsciiAlnum(cp);
  return LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
}

function isAsciiAlnum(unit: number): boolean {
  return (unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5a) || (unit >= 0x61 && unit <= 0x7a);
}

/**
 * Whether a run looks planted rather than incidental. Unambiguous invisibles (ZWSP, word joiner,
 * bidi overrides, tags) are always reported, except a leading BOM and an emoji subdivision flag
 * (U+1F3F4 + tag letters + CANCEL TAG, UTS #51 §2.8). Ambiguous ones are reported when they sit
 * inside an ASCII word ("ig\u200dnore") or form a long run (variation-selector smuggling encodes
 * one byte per selector). Soft hyphens only count in long runs.
 */
function isPlanted(run: HiddenRun, text: string): boolean {
  if (!run.ambiguous) {
    if (run.kind === "zero_width" && run.start === 0 && run.count === 1 && text.charCodeAt(0) === 0xfeff) {
      return false;
    }
    if (
      run.kind === "tag_characters" &&
      run.count <= 8 &&
      run.last === 0xe007f &&
      run.start >= 2 &&
      text.codePointAt(run.start - 2) === 0x1f3f4
    ) {
      return false;
    }
    return true;
  }
  if (run.count >= 4) return true;
  // Soft hyphens sit inside words by design (hyphenation hints); only long runs are odd.
  if (run.sample.length === 1 && run.sample[0] === 0x00ad) return false;
  const before = run.start > 0 ? text.charCodeAt(run.start - 1) : -1;
  const after = run.end < text.length ? text.charCodeAt(run.end) : -1;
  return isAsciiAlnum(before) && isAsciiAlnum(after);
}

/**
 * NFKC (UAX #15) plus removal of hidden code points, with an offset map back to the original.
 * One table lookup per code unit decides whether NFKC could change it (tables.ts); only those
 * chunks (a code point and the code points after it that may compose with it) are normalised,
 * and unchanged stretches are copied whole.
 */
export function normalize(text: string): Normalized {
  const n = text.length;
  // NFKC leaves ASCII unchanged and every hidden code point is outside ASCII (UAX #15 §1.2).
  if (!NON_ASCII.test(text)) return { text, map: null, hidden: [], changed: [] };

  const pieces: string[] = [];
  const map = new OffsetMap();
  const runs: HiddenRun[] = [];
  let run: HiddenRun | undefined;
  let changed = false;
  let changes: number[] | null = [];
  /** Notes that view range [from, to) differs from the original (merged with the last range). */
  const note = (from: number, to: number) => {
    if (changes === null) return;
    const k = changes.length;
    if (k > 0 && from <= (changes[k - 1] as number)) changes[k - 1] = Math.max(to, changes[k - 1] as number);
    else if (k >= 2 * MAX_CHANGES) changes = null;
    else changes.push(from, to);
  };

  const record = (kind: HiddenKind, cp: number, start: number, end: number) => {
    changed = true;
    if (run && run.end === start) {
      run.end = end;
      run.count++;
      if (HIDDEN_RANK[kind] > HIDDEN_RANK[run.kind]) run.kind = kind;
    } else {
      if (runs.length >= MAX_RUNS) return;
      run = {
        kind,
        start,
        end,
        count: 1,
        ambiguous: true,
        strongBidi: false,
        sample: [],
        payload: "",
        last: cp,
        insideWord: false,
      };
      runs.push(run);
    }
    run.last = cp;
    if (!isAmbiguous(cp)) run.ambiguous = false;
    if (kind === "bidi_control" && cp !== 0x200e && cp !== 0x200f && cp !== 0x061c) run.strongBidi = true;
    if (run.sample.length < 3 && !run.sample.includes(cp)) run.sample.push(cp);
    if (cp >= 0xe0020 && cp <= 0xe007e && run.payload.length < MAX_TAG_PAYLOAD) {
      run.payload += String.fromCharCode(cp - 0xe0000);
    }
  };

  const table = normalizationTable();
  let pending = 0; // start of an unchanged stretch not yet copied
  const flush = (upTo: number) => {
    if (upTo > pending) {
      pieces.push(text.slice(pending, upTo));
      map.linear(upTo - pending, pending);
    }
  };
  let p = 0;
  while (p < n) {
    const c = text.charCodeAt(p);
    // ASCII followed by ASCII never changes (the table is zero below 0x80): jump to the ASCII
    // unit just before the next non-ASCII one (a composing mark there joins it), in one regex
    // step instead of one loop step per unit.
    if (c < 0x80 && (p + 1 >= n || text.charCodeAt(p + 1) < 0x80)) {
      NON_ASCII_FROM.lastIndex = p + 1;
      if (!NON_ASCII_FROM.test(text)) break;
      p = NON_ASCII_FROM.lastIndex - 2;
      continue;
    }
    const flags = table[c] as number;
    const next = p + 1 < n ? (table[text.charCodeAt(p + 1)] as number) : 0;
    // The common case: a code unit NFKC keeps, not followed by one that may compose with it.
    if (flags === 0 && (next & NF_COMPOSES) === 0) {
      p++;
      continue;
    }
    const cp = text.codePointAt(p) as number;
    const w = cp > 0xffff ? 2 : 1;
    const kind = flags & (NF_HIDDEN | NF_SURROGATE) ? hiddenKind(cp) : undefined;
    if (kind !== undefined) {
      flush(p);
      record(kind, cp, p, p + w);
      note(map.length, map.length);
      p += w;
      pending = p;
      continue;
    }
    // A chunk: this code point and those after it that may compose with it.
    let q = p + w;
    while (q < n && ((table[text.charCodeAt(q)] as number) & NF_COMPOSES) !== 0) q++;
    const alone = q === p + w;
    if (alone && (w === 1 ? (flags & NF_CHANGES) === 0 : !supplementaryChangesUnderNfkc(cp))) {
      p = q;
      continue;
    }
    const chunk = text.slice(p, q);
    const normalized = alone && w === 1 ? nfkcOfUnit(chunk) : chunk.normalize("NFKC");
    if (normalized !== chunk) {
      changed = true;
      flush(p);
      pieces.push(normalized);
      const from = map.length;
      if (normalized.length === chunk.length) map.linear(normalized.length, p);
      else map.blockOf(normalized.length, p, q);
      note(from, map.length);
      pending = q;
    }
    p = q;
  }
  flush(n);

  const hidden = runs.filter((r) => isPlanted(r, text));
  for (const r of hidden)
    r.insideWord = isWordChar(text, r.start - 1, true) && isWordChar(text, r.end, false);
  if (!changed) return { text, map: null, hidden, changed: [] };
  return { text: pieces.join(""), map, hidden, changed: changes };
}
