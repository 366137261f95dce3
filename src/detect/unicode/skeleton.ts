/**
 * A confusables skeleton (after UTS #39 §4 "Confusable Detection"), specialised for detectors
 * that match English: it folds non-Latin look-alikes (Cyrillic, Greek, Armenian, Cherokee, Lisu,
 * Latin small capitals) and accented Latin letters to the ASCII letter a reader sees, so "ѕуѕtеm"
 * and "ïgnörë" match rules written for "system" and "ignore".
 *
 * Differences from the UTS #39 skeleton, on purpose:
 * - ASCII is never changed (UTS #39 maps "l" and "1" to one prototype; our rules need ASCII intact);
 * - every mapping is one UTF-16 unit to one UTF-16 unit, so the skeleton view shares the offset map
 *   of the normalised view;
 * - letters are folded per word, and only in a word that already has ASCII letters (mixed script,
 *   UTS #39 §5.1) or whose letters are all look-alikes (whole-script confusable): a Russian or Greek
 *   word with any letter that has no Latin twin is left alone.
 * Mathematical alphanumerics, fullwidth, circled and superscript forms are handled earlier by NFKC.
 *
 * The pairs below were chosen by hand with the Unicode confusables data (confusables.txt, UTS #39)
 * as reference. Unicode data is © Unicode, Inc., used under the Unicode License v3, which permits
 * redistribution with this notice.
 */

/** Letter look-alikes from other scripts: source, ASCII target, … */
const SCRIPT_LETTERS =
  // Cyrillic
  "аaеeёeоoрpсcуyхxѕsіiїiјjһhԁdԛqԝwӏlүyкkмmтt" +
  "АAВBЕEЁEІIЇIЈJКKМMНHОOРPСCТTУYХXЅSԚQԜWҮYҺHӀIԀD" +
  // Greek
  "ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXϒYͿJαaοoρpιiνvυuχxγyκkϳjεeωwηnμu" +
  // Armenian
  "ցgհhոnսuօoզqՍUՕOԼL" +
  // Cherokee
  "ᎪAᏴBᏟCᎬEᎻHᎫJᏦKᎷMᎳWᎢTᏚSᏃZᎠDᏢPᏒRᏙVᏞLᏀGᎥi" +
  // Lisu
  "ꓮAꓐBꓚCꓓDꓰEꓝFꓖGꓧHꓲIꓙJꓗKꓡLꓟMꓠNꓳOꓑPꓣRꓢSꓔTꓴUꓦVꓪWꓫXꓬYꓜZ" +
  // Latin small capitals and letter variants
  "ᴀaʙbᴄcᴅdᴇeɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpʀrꜱsᴛtᴜuᴠvᴡwʏyᴢzɑaɡgɩiıiȷjʋvøoØOđdĐDłlŁLħhĦH";

/** Punctuation look-alikes, folded everywhere (they fake delimiters and quotes). */
const PUNCTUATION =
  "\u2018'\u2019'\u201a,\u201b'\u2032'\u02bc'\u02b9'\u05f3'" +
  '\u201c"\u201d"\u201e"\u201f"' +
  "\u2010-\u2012-\u2013-\u2014-\u2015-\u2212-\u2043-\u02d7-" +
  "\u2039<\u203a>\u27e8<\u27e9>\u3008<\u3009>" +
  "\u2044/\u2215/\u29f8/\u2217*\u01c0|\u2223|\u02d0:\ua789:\u2236:\u0589:" +
  "\u2028\n\u2029\n";

function pairs(table: string): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i + 1 < table.length; i += 2) map.set(table.charCodeAt(i), table.charCodeAt(i + 1));
  return map;
}

const LETTER_MAP = pairs(SCRIPT_LETTERS);
const PUNCT_MAP = pairs(PUNCTUATION);

/**
 * Accented Latin letters (Latin-1 Supplement, Extended-A/B, Extended Additional) fold to their
 * base letter: the first code point of their canonical decomposition (UAX #15), when ASCII.
 */
const FOLD_MAP = (() => {
  const map = new Map<number, number>();
  const ranges: Array<[number, number]> = [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ];
  for (const [lo, hi] of ranges) {
    for (let cp = lo; cp <= hi; cp++) {
      const base = String.fromCharCode(cp).normalize("NFD").charCodeAt(0);
      if (base !== cp && ((base >= 0x41 && base <= 0x5a) || (base >= 0x61 && base <= 0x7a)))
        map.set(cp, base);
    }
  }
  return map;
})();

function isAsciiLetter(u: number): boolean {
  return (u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a);
}

/** Non-ASCII units that separate words (symbols and punctuation blocks). */
function isNonAsciiSeparator(u: number): boolean {
  return (
    u <= 0xbf ||
    u === 0xd7 ||
    u === 0xf7 ||
    (u >= 0x2000 && u <= 0x2bff) ||
    (u >= 0x3000 && u <= 0x303f) ||
    (u >= 0xfe30 && u <= 0xfe4f) ||
    PUNCT_MAP.has(u)
  );
}

function isWordUnit(u: number): boolean {
  if (u < 0x80) return isAsciiLetter(u) || (u >= 0x30 && u <= 0x39);
  return !isNonAsciiSeparator(u);
}

export interface Skeleton {
  /** Same length as the input; null when nothing changed. */
  text: string | null;
  /** [start, end) in the input of words mixing ASCII letters with other-script look-alikes. */
  mixedWords: Array<[number, number]>;
}

const MAX_MIXED_WORDS = 64;

/** Builds the skeleton of an (already NFKC-normalised) text. Linear in the text length. */
export function skeleton(text: string): Skeleton {
  const n = text.length;
  const first = text.search(/[^\0-\x7f]/);
  if (first < 0) return { text: null, mixedWords: [] };

  let out: Uint16Array | null = null;
  const mixedWords: Array<[number, number]> = [];
  const set = (at: number, unit: number) => {
    if (!out) {
      out = new Uint16Array(n);
      for (let k = 0; k < n; k++) out[k] = text.charCodeAt(k);
    }
    out[at] = unit;
  };

  // Start at the word containing the first non-ASCII unit.
  let i = first;
  while (i > 0 && isWordUnit(text.charCodeAt(i - 1))) i--;
  while (i < n) {
    const u = text.charCodeAt(i);
    if (u < 0x80 && !isWordUnit(u)) {
      i++;
      continue;
    }
    if (!isWordUnit(u)) {
      const p = PUNCT_MAP.get(u);
      if (p !== undefined) set(i, p);
      i++;
      continue;
    }
    // One word: [i, j).
    let j = i;
    let ascii = 0;
    let lookalike = 0;
    let other = 0;
    while (j < n) {
      const w = text.charCodeAt(j);
      if (!isWordUnit(w)) break;
      if (w < 0x80) {
        if (isAsciiLetter(w)) ascii++;
      } else if (LETTER_MAP.has(w)) lookalike++;
      else if (!FOLD_MAP.has(w)) other++;
      j++;
    }
    if (ascii + lookalike > 0 && (ascii > 0 || other === 0) && j - i > 0) {
      let folded = false;
      for (let k = i; k < j; k++) {
        const w = text.charCodeAt(k);
        if (w < 0x80) continue;
        const t = LETTER_MAP.get(w) ?? FOLD_MAP.get(w);
        if (t !== undefined) {
          set(k, t);
          folded = true;
        }
      }
      if (folded && ascii > 0 && lookalike > 0 && mixedWords.length < MAX_MIXED_WORDS)
        mixedWords.push([i, j]);
    } else if (ascii === 0 && lookalike === 0 && other === 0) {
      // Only accented Latin letters: fold them.
      for (let k = i; k < j; k++) {
        const t = FOLD_MAP.get(text.charCodeAt(k));
        if (t !== undefined) set(k, t);
      }
    } else if (ascii === 0 && other > 0) {
      // Another script's word: left alone, but accented Latin letters inside still fold.
      for (let k = i; k < j; k++) {
        const t = FOLD_MAP.get(text.charCodeAt(k));
        if (t !== undefined) set(k, t);
      }
    }
    i = j;
  }
  const result = out as Uint16Array | null;
  if (!result) return { text: null, mixedWords };
  return { text: unitsToString(result), mixedWords };
}

function unitsToString(units: Uint16Array): string {
  const CHUNK = 8192;
  let s = "";
  for (let k = 0; k < units.length; k += CHUNK) {
    s += String.fromCharCode(...units.subarray(k, k + CHUNK));
  }
  return s;
}
