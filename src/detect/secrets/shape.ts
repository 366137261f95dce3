/*
 * Shapes of a candidate value, for the generic rules: does a letters-only value read like words
 * (code identifiers, prose) or like a machine key, and is it all digits. Kept apart from the
 * parser so the judgement can be tested on its own.
 */

const VOWELS = new Set([97, 101, 105, 111, 117]);

/**
 * A run of letters reads like words when at least a quarter of its letters are vowels: English
 * and the Romance and Germanic languages sit near 0.4, camelCase identifiers near 0.35, while a
 * random letter key sits near 5/26 ≈ 0.19. Letters-only keys are rare (most carry digits), so
 * erring towards "word" costs little recall.
 */
export function wordLike(value: string): boolean {
  let letters = 0;
  let vowels = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) {
      letters++;
      if (VOWELS.has(c)) vowels++;
    }
  }
  return letters === 0 || vowels / letters >= 0.25;
}

/** Only ASCII letters (no digits, no separators). */
export function lettersOnly(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return value.length > 0;
}

/** Only ASCII digits. */
export function digitsOnly(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return value.length > 0;
}

/** Characters that machine tokens are made of (base64/base64url/hex and their separators). */
export function tokenChars(value: string): boolean {
  return /^[A-Za-z0-9_\-+/=.~]+$/.test(value);
}

/**
 * Share of the value's characters that sit in word-like chunks: runs of three or more letters,
 * split at digits, separators and lower→upper steps ("MyComponentProps2" is all words,
 * "3k144a5af7…bdrj9" has none). Names, paths and identifiers read as words; keys do not.
 */
export function wordCoverage(value: string): number {
  let covered = 0;
  const chunks = value.split(/[^A-Za-z]+|(?<=[a-z])(?=[A-Z])/);
  for (const c of chunks) if (c.length >= 3 && wordLike(c)) covered += c.length;
  return value.length === 0 ? 0 : covered / value.length;
}

/** 0 digit, 1 lower, 2 upper, 3 anything else. */
function charClass(c: number): number {
  if (c >= 48 && c <= 57) return 0;
  if (c >= 97 && c <= 122) return 1;
  if (c >= 65 && c <= 90) return 2;
  return 3;
}

/**
 * Steps between character classes per character, not counting the upper→lower step that starts
 * a capitalised word. Random base62 keys step at about 0.4 (rarely under 0.25); identifiers of
 * words and numbers ("ChaCha20Poly1305Types") at about 0.2.
 */
export function classSteps(value: string): number {
  let n = 0;
  for (let i = 1; i < value.length; i++) {
    const a = charClass(value.charCodeAt(i - 1));
    const b = charClass(value.charCodeAt(i));
    if (a !== b && !(a === 2 && b === 1)) n++;
  }
  return value.length === 0 ? 0 : n / value.length;
}

/** Reads like an identifier or a name made of words, not like a generated key. */
export function identifierLike(value: string): boolean {
  const cov = wordCoverage(value);
  return cov >= 0.75 || (cov >= 0.3 && classSteps(value) < 0.3);
}
