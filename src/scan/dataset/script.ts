/**
 * The dominant writing system of a text (Unicode script of its letters), a cheap language proxy
 * for "an answer in another language than the rest". Only the first 2,000 characters are read.
 */

export const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
  ["CJK", /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u],
  ["Devanagari", /\p{Script=Devanagari}/u],
  ["Thai", /\p{Script=Thai}/u],
];

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Index into SCRIPTS of a code point's script, or -1; remembered (texts reuse few code points). */
const scriptOfCodePoint = new Map<number, number>();
const LATIN = 0;

function scriptIndex(cp: number): number {
  if (cp < 0x80) return (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) ? LATIN : -1;
  let known = scriptOfCodePoint.get(cp);
  if (known === undefined) {
    const ch = String.fromCodePoint(cp);
    known = SCRIPTS.findIndex(([, re]) => re.test(ch));
    // A text of rare code points cannot grow the memo without bound.
    if (scriptOfCodePoint.size >= 65_536) scriptOfCodePoint.clear();
    scriptOfCodePoint.set(cp, known);
  }
  return known;
}

export function dominantScript(text: string): string | undefined {
  const head = text.length > 2000 ? text.slice(0, 2000) : text;
  if (ASCII_ONLY.test(head)) return /[A-Za-z]/.test(head) ? "Latin" : undefined;
  // Counted in order of each script's first letter, so that ties go to the script seen first.
  const counts = new Map<number, number>();
  for (let i = 0; i < head.length; i++) {
    const cp = head.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    const script = scriptIndex(cp);
    if (script >= 0) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  let best: string | undefined;
  let n = 0;
  for (const [script, c] of counts)
    if (c > n) [best, n] = [(SCRIPTS[script] as readonly [string, RegExp])[0], c];
  return best;
}

export function isAscii(text: string): boolean {
  return ASCII_ONLY.test(text);
}
