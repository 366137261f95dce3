import type { Severity } from "../types.js";

/** One documented example a rule must (tp) or must not (fp) report, with why. */
export interface RuleCase {
  text: string;
  note: string;
}

/** Where a match sits in the text, for `extract`-style rules that parse instead of matching. */
export interface Extracted {
  start: number;
  end: number;
  score?: number;
}

/**
 * A detection rule as data (STYLE.md §3). `pattern` finds candidates; `validate` (checksum,
 * entropy, decoding) or `extract` (a small bounded parser anchored on the pattern's match) turns a
 * candidate into a finding. `keywords` are lower-case literals of which at least one must occur
 * in the text (case-insensitively) for the rule to run at all.
 */
export interface SecretRule {
  id: string;
  /** Finding.kind, snake_case: "github_pat", "aws_access_key_id", … */
  kind: string;
  description: string;
  /** Must carry the `g` flag. Linear by construction: bounded quantifiers, literal anchors. */
  pattern: RegExp;
  /** Capture group that holds the secret; the whole match when absent. */
  group?: number;
  keywords: readonly string[];
  severity: Severity;
  /** Score when the rule fires (0–1); `validate` may return a number instead. */
  score?: number;
  /** Minimum Shannon entropy (bits per character) of the secret. */
  entropy?: number;
  /** Return false to reject, true to accept at `score`, or a number to accept at that score. */
  validate?: (secret: string, text: string, index: number) => boolean | number;
  /** Instead of a group: parse around the match and return the secret's span, or null. */
  extract?: (match: RegExpExecArray, text: string) => Extracted | null;
  /** Set false where the secret legitimately contains runs like "-----" (PEM armour). */
  fakeCheck?: boolean;
  /** Generic rules give way to a specific rule that reports an overlapping span. */
  generic?: boolean;
  tp: readonly RuleCase[];
  fp: readonly RuleCase[];
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Values that are visibly not a real credential: repeated characters, masks, template syntax. */
export function obviouslyFake(v: string): boolean {
  if (v.length === 0) return true;
  if (/^(.)\1*$/.test(v)) return true;
  const lower = v.toLowerCase();
  if (/(?:x{5,}|\*{3,}|\.{3}|#{4,}|0{12,}|_{4,}|-{4,})/.test(lower)) return true;
  if (/[<>{}]|\$\{|\$\(|%\(|%s\b|\{\{/.test(v)) return true;
  // A value that is mostly one character ("aaaa…endbbb") is a hand-made filler.
  const counts = new Map<string, number>();
  for (const ch of lower) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const max = Math.max(...counts.values());
  return v.length >= 16 && max / v.length > 0.6;
}

// ---------------------------------------------------------------- deterministic sample tokens for rule cases

export const HEX = "0123456789abcdef";
export const HEX_UP = "0123456789ABCDEF";
export const DIGITS = "0123456789";
export const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const B64 = B62 + "+/";
export const B64URL = B62 + "-_";
export const UPPER_NUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const LOWER_NUM = "abcdefghijklmnopqrstuvwxyz0123456789";
export const ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function seedOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A reproducible random string over `alphabet` (mulberry32 seeded by `seed`): rule cases use
 * made-up values in the documented shape, never a real credential and never another tool's examples.
 */
export function sample(alphabet: string, n: number, seed: string): string {
  let a = seedOf(seed);
  let out = "";
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out += alphabet[Math.floor(r * alphabet.length)];
  }
  return out;
}

export const UUID = (seed: string): string => {
  const h = sample(HEX, 32, seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

export const tc = (text: string, note: string): RuleCase => ({ text, note });
