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
