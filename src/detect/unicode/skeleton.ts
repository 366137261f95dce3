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
  // Greek (capitals, and the lowercase letters closest to Latin ones; ω, η, ν, γ, ε are left out:
  // math notation such as "jω" mixes them with Latin letters all the time)
  "ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXϒYͿJαaοoρpιiυuχxκkϳj" +
  // Armenian
  "ցgհhոnսuօoզqՍUՕOԼL" +
  // Cherokee
  "ᎪAᏴBᏟCᎬEᎻHᎫJᏦKᎷMᎳWᎢTᏚSᏃZᎠDᏢPᏒRᏙVᏞLᏀGᎥi" +
  // Lisu
  "ꓮAꓐBꓚCꓓDꓰEꓝFꓖGꓧHꓲIꓙJꓗKꓡLꓟMꓠNꓳOꓑPꓣRꓢSꓔTꓴUꓦVꓪWꓫXꓬYꓜZ" +
  "";

/**
 * Latin letters that read as a basic Latin letter: small capitals, script and dotless forms,
 * stroked letters. They fold like accented letters (same script, so never "mixed-script": Turkish
 * "ı" and Vietnamese "đ" are ordinary letters).
 */
const LATIN_VARIANTS = "ᴀaʙbᴄcᴅdᴇeɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpʀrꜱsᴛtᴜuᴠvᴡwʏyᴢzɑaɡgɩiıiȷjʋvøoØOđdĐDłlŁLħhĦH";

/** Punctuation look-alikes, folded everywhere (they fake delimiters and quotes). */
const PUNCTUATION =
  "\u2018'\u2019'\u201a,\u201b'\u2032'\u02bc'\u02b9'\u05f3'" +
  '\u201c"\u201d"\u201e"\u201f"' +
  "\u2010-\u2012-\u2013-\u2014-\u2015-\u2212-\u2043-\u02d7-" +
  "\u2039<\u203a>\u27e8<\u27e9>\u3008<\u3009>" +
  "\u2044/\u2215/\u29f8/\u2217*\u01c0|\u2223|\u02d0:\ua789:\u2236:\u0589:" +
  "\u2028\n\u2029\n";

// Per-code-unit table: the ASCII target in the low 7 bits, and what kind of mapping it is.
const TARGET = 0x7f;
const LOOKALIKE = 1 << 7;
const FOLD = 1 << 8;
const PUNCT = 1 << 9;
const SEPARATOR = 1 << 10;

let table: Uint16Array | undefined;

function buildTable(): Uint16Array {
  const t = new Uint16Array(0x10000);
  // Non-ASCII code units that separate words: Latin-1 punctuation and symbols, general
  // punctuation to miscellaneous symbols, CJK punctuation, vertical forms.
  const separators: Array<[number, number]> = [
    [0x80, 0xbf],
    [0xd7, 0xd7],
    [0xf7, 0xf7],
    [0x2000, 0x2bff],
    [0x3000, 0x303f],
    [0xfe30, 0xfe4f],
  ];
  for (const [lo, hi] of separators) for (let u = lo; u <= hi; u++) t[u] = SEPARATOR;
  // Accented Latin letters fold to the first code point of their canonical decomposition.
  for (const [lo, hi] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let u = lo; u <= hi; u++) {
      const base = String.fromCharCode(u).normalize("NFD").charCodeAt(0);
      if (base !== u && isAsciiLetter(base)) t[u] = base | FOLD;
    }
  }
  for (let i = 0; i + 1 < SCRIPT_LETTERS.length; i += 2) {
    t[SCRIPT_LETTERS.charCodeAt(i)] = SCRIPT_LETTERS.charCodeAt(i + 1) | LOOKALIKE;
  }
  for (let i = 0; i + 1 < LATIN_VARIANTS.length; i += 2) {
    t[LATIN_VARIANTS.charCodeAt(i)] = LATIN_VARIANTS.charCodeAt(i + 1) | FOLD;
  }
  for (let i = 0; i + 1 < PUNCTUATION.length; i += 2) {
    t[PUNCTUATION.charCodeAt(i)] = PUNCTUATION.charCodeAt(i + 1) | PUNCT | SEPARATOR;
  }
  return t;
}

function isAsciiLetter(u: number): boolean {
  return (u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a);
}

function isAsciiWordUnit(u: number): boolean {
  return isAsciiLetter(u) || (u >= 0x30 && u <= 0x39);
}

export interface Skeleton {
  /** Same length as the input; null when nothing changed. */
  text: string | null;
  /** [start, end) in the input of words mixing ASCII letters with other-script look-alikes. */
  mixedWords: Array<[number, number]>;
}

const MAX_MIXED_WORDS = 64;
const NON_ASCII_FROM = /[^\0-\x7f]/g;

/** Builds the skeleton of an (already NFKC-normalised) text. Linear in the text length. */
export function skeleton(text: string): Skeleton {
  const n = text.length;
  const first = text.search(/[^\0-\x7f]/);
  if (first < 0) return { text: null, mixedWords: [] };
  table ??= buildTable();
  const t = table;
  const isWordUnit = (u: number) => (u < 0x80 ? isAsciiWordUnit(u) : ((t[u] as number) & SEPARATOR) === 0);

  const pieces: string[] = [];
  let pending = 0;
  const put = (at: number, unit: number) => {
    if (at > pending) pieces.push(text.slice(pending, at));
    pieces.push(String.fromCharCode(unit));
    pending = at + 1;
  };
  const mixedWords: Array<[number, number]> = [];

  // Start at the word containing the first non-ASCII unit.
  let i = first;
  while (i > 0 && isWordUnit(text.charCodeAt(i - 1))) i--;
  while (i < n) {
    const u = text.charCodeAt(i);
    if (u < 0x80) {
      // ASCII words and punctuation stay as they are: jump to the word (or punctuation) holding
      // the next non-ASCII unit, in one regex step.
      NON_ASCII_FROM.lastIndex = i;
      if (!NON_ASCII_FROM.test(text)) break;
      let k = NON_ASCII_FROM.lastIndex - 1;
      while (k > i && isWordUnit(text.charCodeAt(k)) && isWordUnit(text.charCodeAt(k - 1))) k--;
      if (k > i) {
        i = k;
        continue;
      }
      if (!isAsciiWordUnit(u)) {
        i++;
        continue;
      }
    }
    if (!isWordUnit(u)) {
      const e = t[u] as number;
      if (e & PUNCT) put(i, e & TARGET);
      i++;
      continue;
    }
    // One word: [i, j). Count ASCII letters, look-alikes, and letters with no Latin twin.
    let j = i;
    let ascii = 0;
    let lookalike = 0;
    let other = 0;
    for (; j < n; j++) {
      const w = text.charCodeAt(j);
      if (w < 0x80) {
        if (!isAsciiWordUnit(w)) break;
        if (isAsciiLetter(w)) ascii++;
        continue;
      }
      const e = t[w] as number;
      if (e & SEPARATOR) break;
      if (e & LOOKALIKE) lookalike++;
      else if (!(e & FOLD)) other++;
    }
    // Fold look-alikes in mixed-script words and in words made only of look-alikes; accented
    // Latin letters fold everywhere.
    const foldLookalikes = lookalike > 0 && (ascii > 0 || other === 0);
    let folded = false;
    for (let k = i; k < j; k++) {
      const w = text.charCodeAt(k);
      if (w < 0x80) continue;
      const e = t[w] as number;
      if (e & FOLD || (foldLookalikes && e & LOOKALIKE)) {
        put(k, e & TARGET);
        if (e & LOOKALIKE) folded = true;
      }
    }
    if (folded && ascii > 0 && mixedWords.length < MAX_MIXED_WORDS) mixedWords.push([i, j]);
    i = j;
  }
  if (pieces.length === 0) return { text: null, mixedWords };
  if (pending < n) pieces.push(text.slice(pending));
  return { text: pieces.join(""), mixedWords };
}
