/**
 * Finds encoded segments in a text and decodes them: base64 (RFC 4648 §4, and the URL-safe
 * alphabet of §5), hex (RFC 4648 §8, plus `\xNN` escapes), percent-encoding (RFC 3986 §2.1),
 * ROT13 and leetspeak.
 *
 * One linear pass collects cheap signals (long runs of the base64 alphabet, `%XX`, `\x`, words whose
 * ROT13 is English, letter+digit tokens); only texts with a signal pay for decoding. A decoded
 * segment is kept only when it is readable (valid UTF-8, no control characters, some letters) and,
 * for ROT13 and leetspeak, only when it reveals common English words (see words.ts), so ordinary
 * words, identifiers, hashes and keys do not produce junk views.
 */
import { isUtf8 } from "node:buffer";
import {
  isCommonPacked,
  isCommonWord,
  LONGEST_COMMON_WORD,
  readsAsLanguage,
  rot13Unit,
  wordFlags,
} from "./words.js";

export type Codec = "base64" | "hex" | "url" | "rot13" | "leet";

export interface Decoded {
  codec: Codec;
  text: string;
  /** Range in the scanned text that the decoded text came from. */
  start: number;
  end: number;
  /** True when `text` aligns 1:1 with [start, end) of the scanned text (ROT13, leet). */
  aligned: boolean;
  /** Whether the decoded text reads as English prose (used to report it as obfuscation). */
  language: boolean;
}

export interface DecodeBudget {
  /** Decoded views still allowed. */
  views: number;
  /** Decoded UTF-16 units still allowed, over all views. */
  chars: number;
}

// Character classes for the signal pass (ASCII only). The low five bits hold the letter index
// (1–26, either case) so that the hot loop needs one table read per character.
const LETTER_BITS = 31;
const B64 = 1 << 5;
const HEX = 1 << 6;
const DIGIT = 1 << 7;
const LEET = 1 << 8;
const SEGMENT_END = 1 << 9;
const SPECIAL = 1 << 10;

const CLS = (() => {
  const t = new Uint16Array(128);
  for (let k = 0; k < 26; k++) {
    t[0x41 + k] = (k + 1) | B64;
    t[0x61 + k] = (k + 1) | B64;
  }
  for (let c = 0x30; c <= 0x39; c++) t[c] = B64 | DIGIT | HEX;
  for (const c of "abcdefABCDEF") t[c.charCodeAt(0)]! |= HEX;
  for (const c of "+/-_") t[c.charCodeAt(0)]! |= B64;
  for (const c of "013457@$") t[c.charCodeAt(0)]! |= LEET;
  // ROT13 is judged per segment: a line, or a quoted or bracketed part, or what follows a colon.
  for (const c of '\n\r:"`()[]{}<>|') t[c.charCodeAt(0)]! |= SEGMENT_END;
  // "%" starts percent-encoding, "\" a \xNN escape.
  for (const c of "%\\") t[c.charCodeAt(0)]! |= SPECIAL;
  return t;
})();

/** Leetspeak substitutions (one character for one letter, so views stay aligned). */
const LEET_MAP: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
};

const MAX_CANDIDATES = 64;
const MAX_LEET_TOKEN = 24;

interface Signals {
  runs: Array<[number, number]>;
  percent: number;
  hexEscapes: number;
  /** Segments (sorted) that read as English after ROT13. */
  rot13: Array<[number, number]>;
  leet: Array<[number, number]>;
}

const DIGITS_ONLY = /^[0-9]+=*$/;
const PERCENT = /%[0-9A-Fa-f]{2}/g;
const HEX_ESCAPE = /\\x[0-9A-Fa-f]{2}/i;

/**
 * One pass over the text: runs of the base64 alphabet (RFC 4648 §4 and §5) of at least
 * `minLength`, word codes for the ROT13 test, letter/leet adjacency and "%" or "\". Everything
 * slower runs only when this pass found a reason.
 */
function collectSignals(text: string, minLength: number): Signals {
  const runs: Array<[number, number]> = [];
  const rot13: Array<[number, number]> = [];
  const leet: Array<[number, number]> = [];
  const shortRot: Array<[number, number]> = [];

  let runStart = -1;
  let code = 0;
  let wordLen = 0;
  let tainted = false;
  let segStart = 0;
  let segWords = 0;
  let segHits = 0;
  let segRot = 0;
  let prevLetter = false;
  let prevLeet = false;
  const leetHints: number[] = []; // positions where a letter touches a leetspeak character
  let special = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x0a;
    const cls = c < 128 ? (CLS[c] as number) : 0;
    if (cls & B64) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart >= minLength && runs.length < MAX_CANDIDATES) {
        let end = i;
        while (end < n && end - i < 2 && text.charCodeAt(end) === 0x3d) end++; // "=" padding
        runs.push([runStart, end]);
      }
      runStart = -1;
    }
    const letter = cls & LETTER_BITS;
    if (letter !== 0) {
      // Only words of two to six letters are looked up, and six letters fit a small integer.
      if (wordLen < 6) code = code * 32 + letter;
      // An ASCII run glued to a non-ASCII letter is a piece of a word ("ng" of "dụng"), not a word.
      if (wordLen++ === 0) tainted = i > 0 && text.charCodeAt(i - 1) >= 0x80;
      if (prevLeet && leetHints.length < MAX_CANDIDATES) leetHints.push(i);
      prevLetter = true;
      prevLeet = false;
      // The rest of an ASCII letter run changes nothing but the word code and length (letters are
      // in the base64 alphabet, so a run in progress stays open): a tight loop over it.
      while (i + 1 < n) {
        const d = text.charCodeAt(i + 1);
        if (d >= 128) break;
        const next = (CLS[d] as number) & LETTER_BITS;
        if (next === 0) break;
        if (wordLen < 6) code = code * 32 + next;
        wordLen++;
        i++;
      }
      continue;
    }
    if (cls & LEET) {
      if (prevLetter && leetHints.length < MAX_CANDIDATES) leetHints.push(i);
      prevLeet = true;
    } else prevLeet = false;
    prevLetter = false;
    if (wordLen > 0 && !tainted && c < 0x80) {
      segWords++;
      if (wordLen >= 2 && wordLen <= 6) {
        // Packed word looked up once: bit 1 = function word, bit 2 = its ROT13 is one.
        const flags = wordFlags(code);
        segHits += flags & 1;
        segRot += flags >> 1;
      }
    }
    code = 0;
    wordLen = 0;
    if (cls & SEGMENT_END) {
      // A segment reads as ROT13 when its ROT13 has clearly more function words than it has.
      if (
        segRot >= 3 &&
        segRot >= 2 * segHits + 1 &&
        segRot * 5 >= segWords &&
        rot13.length < MAX_CANDIDATES
      ) {
        rot13.push([segStart, i]);
      } else if (segHits === 0 && segWords >= 2 && segWords <= 16 && shortRot.length < MAX_CANDIDATES) {
        // Short fragments without a single English function word get a closer look below.
        shortRot.push([segStart, i]);
      }
      segStart = i + 1;
      segWords = 0;
      segHits = 0;
      segRot = 0;
    } else if (cls & SPECIAL) special++;
  }

  let percent = 0;
  let hexEscapes = 0;
  if (special > 0) {
    PERCENT.lastIndex = 0;
    while (percent < 2 && PERCENT.test(text)) percent++;
    hexEscapes = HEX_ESCAPE.test(text) ? 4 : 0;
  }
  if (leetHints.length >= 2) leetTokens(text, leetHints, leet);
  for (const seg of shortRot) {
    if (rot13.length >= MAX_CANDIDATES) break;
    if (rot13RevealsWords(text, seg[0], seg[1])) rot13.push(seg);
  }
  rot13.sort((a, b) => a[0] - b[0]);
  return { runs, percent, hexEscapes, rot13, leet };
}

function isTokenUnit(c: number): boolean {
  return c < 128 && (((CLS[c] as number) & (LETTER_BITS | DIGIT)) !== 0 || c === 0x40 || c === 0x24);
}

/**
 * The tokens (letters, digits, "@", "$") around the hint positions that mix letters with
 * leetspeak characters. Work is proportional to the tokens, not the text.
 */
function leetTokens(text: string, hints: number[], out: Array<[number, number]>): void {
  let lastEnd = -1;
  for (const at of hints) {
    if (at < lastEnd) continue;
    let s = at;
    while (s > 0 && isTokenUnit(text.charCodeAt(s - 1)) && at - s < MAX_LEET_TOKEN) s--;
    let e = at;
    while (e < text.length && isTokenUnit(text.charCodeAt(e)) && e - s <= MAX_LEET_TOKEN) e++;
    lastEnd = e;
    if (e - s > MAX_LEET_TOKEN || (s > 0 && isTokenUnit(text.charCodeAt(s - 1)))) continue;
    let letters = 0;
    let leetChars = 0;
    for (let k = s; k < e; k++) {
      const cls = CLS[text.charCodeAt(k)] as number;
      if (cls & LETTER_BITS) letters++;
      if (cls & LEET) leetChars++;
    }
    if (letters > 0 && leetChars > 0) out.push([s, e]);
  }
}

/**
 * A short fragment is ROT13 when at least two words of three or more letters, and half of all its
 * words, become common words.
 */
function rot13RevealsWords(text: string, start: number, end: number): boolean {
  let words = 0;
  let hits = 0;
  let i = start;
  while (i < end) {
    if (!isAsciiLetter(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // One word: its ROT13, lower-cased, packed while it is read (no string for short words).
    let j = i;
    let code = 0;
    while (j < end && isAsciiLetter(text.charCodeAt(j))) {
      if (j - i < 6) code = code * 32 + (rot13Unit(text.charCodeAt(j) | 0x20) - 96);
      j++;
    }
    words++;
    const len = j - i;
    if (len >= 3 && len <= 6) {
      if (isCommonPacked(code)) hits++;
    } else if (len > 6 && len <= LONGEST_COMMON_WORD) {
      let w = "";
      for (let k = i; k < j; k++) w += String.fromCharCode(rot13Unit(text.charCodeAt(k) | 0x20));
      if (isCommonWord(w)) hits++;
    }
    i = j;
  }
  return hits >= 2 && hits * 2 >= words;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isHex(u: number): boolean {
  return u < 128 && ((CLS[u] as number) & HEX) !== 0;
}

/** Readable: no C0/C1 controls other than tab and line breaks, no U+FFFD, at least one letter. */
function isReadable(text: string): boolean {
  if (text.length < 4) return false;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x20 ? u !== 0x09 && u !== 0x0a && u !== 0x0d : (u >= 0x7f && u <= 0x9f) || u === 0xfffd) {
      return false;
    }
    if ((u | 0x20) >= 0x61 && (u | 0x20) <= 0x7a) letters++;
    else if (u >= 0xc0) letters++;
  }
  return letters > 0;
}

function utf8Text(bytes: Buffer): string | undefined {
  // isUtf8 validates natively without throwing: a fatal TextDecoder would throw (and build a stack
  // trace) for every random-looking run, which costs more than the rest of the scan.
  if (bytes.length === 0 || !isUtf8(bytes)) return undefined;
  const s = bytes.toString("utf8");
  return isReadable(s) ? s : undefined;
}

function decodeHexRun(run: string): string | undefined {
  if (run.length % 2 !== 0) return undefined;
  const bytes = Buffer.from(run, "hex");
  return bytes.length * 2 === run.length ? utf8Text(bytes) : undefined;
}

function decodeBase64Run(run: string): string | undefined {
  let body = run.replace(/=+$/, "");
  // A final group of one character carries no whole byte (RFC 4648 §4); drop it.
  if (body.length % 4 === 1) body = body.slice(0, -1);
  // Node decodes both the standard and the URL-safe alphabet.
  return utf8Text(Buffer.from(body, "base64"));
}

function rot13Segments(text: string, segments: Array<[number, number]>): string {
  const units = new Uint16Array(text.length);
  for (let k = 0; k < text.length; k++) units[k] = text.charCodeAt(k);
  for (const [s, e] of segments) for (let k = s; k < e; k++) units[k] = rot13Unit(units[k] as number);
  let out = "";
  for (let k = 0; k < units.length; k += 8192) out += String.fromCharCode(...units.subarray(k, k + 8192));
  return out;
}

/** The decoding of a leet token that is a common word, trying "1" as both "i" and "l". */
function decodeLeetToken(token: string): { text: string; word: boolean } {
  const lower = token.toLowerCase();
  const asI = lower.replace(/[0134579@$]/g, (ch) => LEET_MAP[ch] ?? ch);
  if (isCommonWord(asI)) return { text: asI, word: true };
  if (lower.includes("1")) {
    const asL = asI.replace(/i/g, (_m, at: number) => (lower[at] === "1" ? "l" : "i"));
    if (isCommonWord(asL)) return { text: asL, word: true };
  }
  return { text: asI, word: false };
}

/**
 * Decodes what can be decoded in `text`, within `budget` (which it consumes). Each result is a
 * segment of `text` (base64, hex, url) or an aligned whole-text view (rot13, leet).
 */
export function decodeSegments(text: string, budget: DecodeBudget, minLength: number): Decoded[] {
  const out: Decoded[] = [];
  if (budget.views <= 0 || budget.chars <= 0) return out;
  const signals = collectSignals(text, minLength);

  const keep = (d: Omit<Decoded, "language">): boolean => {
    if (budget.views <= 0 || budget.chars < d.text.length) return false;
    budget.views--;
    budget.chars -= d.text.length;
    out.push({ ...d, language: readsAsLanguage(d.text) });
    return true;
  };

  const tried = new Set<string>();
  for (const [s, e0] of signals.runs) {
    if (budget.views <= 0) break;
    // Digit-only runs are numbers (cards, IDs, timestamps), and a repeated run decodes the same.
    if (DIGITS_ONLY.test(text.slice(s, e0))) continue;
    // Cap the work per segment: decode at most what the budget could keep (4 chars → 3 bytes).
    const e = Math.min(e0, s + Math.ceil(budget.chars / 3) * 4);
    const run = text.slice(s, e);
    if (tried.has(run)) continue;
    tried.add(run);
    let allHex = true;
    for (let k = 0; k < run.length && allHex; k++) allHex = isHex(run.charCodeAt(k));
    const hex = allHex ? decodeHexRun(run) : undefined;
    if (hex !== undefined) {
      keep({ codec: "hex", text: hex, start: s, end: e, aligned: false });
      continue;
    }
    const b64 = decodeBase64Run(run);
    if (b64 !== undefined) keep({ codec: "base64", text: b64, start: s, end: e, aligned: false });
  }

  if (signals.hexEscapes >= 4) {
    for (const [s, e] of escapeRuns(text)) {
      const decoded = utf8Text(
        Buffer.from(
          text
            .slice(s, e)
            .replace(/\\x/gi, "")
            .slice(0, budget.chars * 2),
          "hex",
        ),
      );
      if (decoded !== undefined) keep({ codec: "hex", text: decoded, start: s, end: e, aligned: false });
    }
  }

  if (signals.percent >= 2) {
    for (const [s, e] of percentTokens(text)) {
      if (e - s > budget.chars * 3) continue;
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(text.slice(s, e));
      } catch {
        decoded = undefined;
      }
      if (decoded !== undefined && isReadable(decoded)) {
        keep({ codec: "url", text: decoded, start: s, end: e, aligned: false });
      }
    }
  }

  if (signals.rot13.length > 0) {
    const lo = (signals.rot13[0] as [number, number])[0];
    const hi = (signals.rot13[signals.rot13.length - 1] as [number, number])[1];
    if (hi - lo <= budget.chars) {
      const segments = signals.rot13.map(([s, e]): [number, number] => [s - lo, e - lo]);
      keep({
        codec: "rot13",
        text: rot13Segments(text.slice(lo, hi), segments),
        start: lo,
        end: hi,
        aligned: true,
      });
    }
  }

  if (signals.leet.length >= 2) {
    let words = 0;
    const decoded = signals.leet.map(([s, e]) => {
      const d = decodeLeetToken(text.slice(s, e));
      // Two-letter decodings ("0s" → "os", "m3" → "me", "H1" → "hi") are everyday in code and
      // units; only longer words count as evidence.
      if (d.word && d.text.length >= 3) words++;
      return d.text;
    });
    const lo = (signals.leet[0] as [number, number])[0];
    const hi = (signals.leet[signals.leet.length - 1] as [number, number])[1];
    // Plausible leetspeak: at least two tokens become common words of three or more letters, and
    // at least a quarter of the tokens do.
    if (words >= 2 && words * 4 >= signals.leet.length && hi - lo <= budget.chars) {
      let view = "";
      let at = lo;
      signals.leet.forEach(([s, e], k) => {
        view += text.slice(at, s) + decoded[k];
        at = e;
      });
      keep({ codec: "leet", text: view, start: lo, end: hi, aligned: true });
    }
  }
  return out;
}

/** Runs of at least four `\xNN` escapes. */
function escapeRuns(text: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let i = 0;
  const n = text.length;
  while (i < n && runs.length < MAX_CANDIDATES) {
    if (text.charCodeAt(i) !== 0x5c) {
      i++;
      continue;
    }
    const s = i;
    let count = 0;
    while (
      i + 3 < n &&
      text.charCodeAt(i) === 0x5c &&
      (text.charCodeAt(i + 1) | 0x20) === 0x78 &&
      isHex(text.charCodeAt(i + 2)) &&
      isHex(text.charCodeAt(i + 3))
    ) {
      i += 4;
      count++;
    }
    if (count >= 4) runs.push([s, i]);
    if (i === s) i++;
  }
  return runs;
}

/** Whitespace-delimited tokens with at least two `%XX` escapes (only tokens holding a "%" are read). */
function percentTokens(text: string): Array<[number, number]> {
  const tokens: Array<[number, number]> = [];
  const n = text.length;
  const space = (u: number) => u === 0x20 || u === 0x09 || u === 0x0a || u === 0x0d;
  let from = 0;
  while (tokens.length < MAX_CANDIDATES) {
    const pct = text.indexOf("%", from);
    if (pct < 0) break;
    let s = pct;
    while (s > 0 && !space(text.charCodeAt(s - 1))) s--;
    let e = pct + 1;
    while (e < n && !space(text.charCodeAt(e))) e++;
    let count = 0;
    for (let i = pct; i < e; i++) {
      if (
        text.charCodeAt(i) === 0x25 &&
        i + 2 < n &&
        isHex(text.charCodeAt(i + 1)) &&
        isHex(text.charCodeAt(i + 2))
      )
        count++;
    }
    if (count >= 2) tokens.push([s, e]);
    from = e;
  }
  return tokens;
}
