import { OffsetMap } from "./offset-map.js";
import { HIDDEN_RANK, hiddenKind, isAmbiguous, mayStartHidden, type HiddenKind } from "./invisible.js";

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
}

export interface Normalized {
  /** NFKC of the text with hidden code points removed. */
  text: string;
  /** Null when `text` is the original (identity mapping). */
  map: OffsetMap | null;
  /** Runs judged as planted (see `isPlanted`). */
  hidden: HiddenRun[];
}

const NON_ASCII = /[^\0-\x7f]/;

/** Bounds so that a text made of millions of hidden characters stays cheap to describe. */
const MAX_RUNS = 256;
const MAX_TAG_PAYLOAD = 4096;
/** Blocks are normalised as a whole when they are unchanged; see `blockEnd`. */
const BLOCK_MIN = 256;
const BLOCK_MAX = 4096;

/**
 * Code points that may attach to the code point before them under NFKC: combining marks (UAX #15
 * canonical composition), conjoining Hangul vowels and trailing consonants, and the (halfwidth)
 * kana voicing marks that compose with the kana before them. A chunk is a base plus these.
 */
const NON_STARTER = /\p{M}|[\u1160-\u11ff\ud7b0-\ud7ff\uff9e\uff9f]/uy;

function isNonStarter(text: string, at: number): boolean {
  if (text.charCodeAt(at) < 0x300) return false;
  NON_STARTER.lastIndex = at;
  return NON_STARTER.test(text);
}

/**
 * A position before which NFKC of the text equals NFKC of the two halves joined: an ASCII
 * character, a CJK unified ideograph or a precomposed Hangul syllable never composes with what
 * precedes it. Long runs without such a position are cut at BLOCK_MAX (an approximation that only
 * matters for pathological input, and only for mapping precision).
 */
function isSafeBoundary(unit: number): boolean {
  return unit < 0x80 || (unit >= 0x4e00 && unit <= 0x9fff) || (unit >= 0xac00 && unit <= 0xd7a3);
}

function blockEnd(text: string, from: number): number {
  const n = text.length;
  let j = Math.min(n, from + BLOCK_MIN);
  const hardEnd = Math.min(n, from + BLOCK_MAX);
  while (j < hardEnd && !isSafeBoundary(text.charCodeAt(j))) j++;
  // Never split a surrogate pair.
  if (j < n && (text.charCodeAt(j) & 0xfc00) === 0xdc00) j++;
  return j;
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
 * Unchanged blocks are copied whole, so mostly-plain text costs little more than one
 * `String.prototype.normalize` call per block.
 */
export function normalize(text: string): Normalized {
  const n = text.length;
  // NFKC leaves ASCII unchanged and every hidden code point is outside ASCII (UAX #15 §1.2).
  if (!NON_ASCII.test(text)) return { text, map: null, hidden: [] };

  const pieces: string[] = [];
  const map = new OffsetMap();
  const runs: HiddenRun[] = [];
  let run: HiddenRun | undefined;
  let changed = false;

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

  let i = 0;
  while (i < n) {
    const end = blockEnd(text, i);
    let hidden = false;
    let blockAscii = true;
    for (let k = i; k < end; k++) {
      const u = text.charCodeAt(k);
      if (u >= 0x80) {
        blockAscii = false;
        if (mayStartHidden(u)) {
          hidden = true;
          break;
        }
      }
    }
    if (!hidden) {
      const block = text.slice(i, end);
      const nf = blockAscii ? block : block.normalize("NFKC");
      if (nf === block) {
        pieces.push(block);
        map.linear(block.length, i);
        i = end;
        continue;
      }
    }
    // Detailed pass: one chunk (base + non-starters) at a time.
    let pending = i; // start of an unchanged stretch not yet copied
    let p = i;
    const flush = (upTo: number) => {
      if (upTo > pending) {
        pieces.push(text.slice(pending, upTo));
        map.linear(upTo - pending, pending);
      }
    };
    while (p < end) {
      const cp = text.codePointAt(p) as number;
      const w = cp > 0xffff ? 2 : 1;
      const kind = hiddenKind(cp);
      if (kind !== undefined) {
        flush(p);
        record(kind, cp, p, p + w);
        p += w;
        pending = p;
        continue;
      }
      let q = p + w;
      while (q < end && isNonStarter(text, q)) {
        const c2 = text.codePointAt(q) as number;
        if (hiddenKind(c2) !== undefined) break;
        q += c2 > 0xffff ? 2 : 1;
      }
      if (cp >= 0x80 || q > p + 1) {
        const chunk = text.slice(p, q);
        const nf = chunk.normalize("NFKC");
        if (nf !== chunk) {
          changed = true;
          flush(p);
          pieces.push(nf);
          if (nf.length === chunk.length) map.linear(nf.length, p);
          else map.blockOf(nf.length, p, q);
          pending = q;
        }
      }
      p = q;
    }
    flush(end);
    i = end;
  }

  const hidden = runs.filter((r) => isPlanted(r, text));
  if (!changed) return { text, map: null, hidden };
  return { text: pieces.join(""), map, hidden };
}
