/**
 * The dominant writing system of a text (Unicode script of its letters), a cheap language proxy
 * for "an answer in another language than the rest". Only the first 2,000 characters are read.
 */

const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
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

export function dominantScript(text: string): string | undefined {
  const head = text.length > 2000 ? text.slice(0, 2000) : text;
  if (ASCII_ONLY.test(head)) return /[A-Za-z]/.test(head) ? "Latin" : undefined;
  const counts = new Map<string, number>();
  for (const ch of head) {
    if (ch.charCodeAt(0) < 0x80) {
      if (/[A-Za-z]/.test(ch)) counts.set("Latin", (counts.get("Latin") ?? 0) + 1);
      continue;
    }
    for (const [name, re] of SCRIPTS) {
      if (re.test(ch)) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        break;
      }
    }
  }
  let best: string | undefined;
  let n = 0;
  for (const [name, c] of counts) if (c > n) [best, n] = [name, c];
  return best;
}

export function isAscii(text: string): boolean {
  return ASCII_ONLY.test(text);
}
