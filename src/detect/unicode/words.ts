/**
 * The "does this read as English?" test used to decide whether a ROT13, leetspeak or decoded view
 * is worth producing. The criterion is general and cheap: the share of very common English words
 * (function words and the most frequent verbs). Ordinary prose has 30–50 % of its tokens in this
 * list; ROT13 of prose has almost none, and ROT13 of ROT13 text restores the share.
 *
 * Words of up to six letters are packed into an integer (5 bits per letter), so the scanner can
 * test a word and its ROT13 without building a string.
 */

const FUNCTION_WORDS = (
  "the be to of and in that have it for not on with he as you do at this but his by from they we say her she " +
  "or an will my one all would there their what so up out if about who get which go me when make can like " +
  "time no just him know take into your some could them see other than then now look only come its over " +
  "think also back after use two how our work first well way even new want any these give day most us is " +
  "are was were been has had did does should must tell please may might here where why yes very more much " +
  "such each every own same too off again once under never always below above again both few those am"
).split(" ");

/** Common content words for leetspeak: a leet token is decoded only when it becomes a word. */
const COMMON_WORDS = (
  "ignore forget disregard previous prior above instructions instruction rules rule system prompt " +
  "password secret secrets key token admin access reveal show print write repeat output answer respond " +
  "hack hacker attack exploit bypass jailbreak mode developer unlock free restrictions filter filters " +
  "hello world people thing things good great best love life help need really right still thank thanks " +
  "nothing something everything anything world leet elite code data user users message new now"
).split(" ");

/** Packs up to six lowercase ASCII letters (a=1 … z=26) into one integer; -1 when longer. */
export function packWord(word: string): number {
  if (word.length > 6) return -1;
  let code = 0;
  for (let i = 0; i < word.length; i++) code = code * 32 + ((word.charCodeAt(i) | 0x20) - 96);
  return code;
}

/**
 * Packed word → flags (bit 1: a function word, bit 2: the ROT13 of a function word of three or
 * more letters), as an
 * open-addressing table: one multiply and a probe or two per word, no strings built.
 */
const TABLE_BITS = 11;
const tableKeys = new Int32Array(1 << TABLE_BITS).fill(-1);
const tableFlags = new Uint8Array(1 << TABLE_BITS);

function slot(code: number): number {
  let k = Math.imul(code, 0x9e3779b1) >>> (32 - TABLE_BITS);
  while (tableKeys[k] !== -1 && tableKeys[k] !== code) k = (k + 1) & ((1 << TABLE_BITS) - 1);
  return k;
}

function rot13Word(word: string): string {
  let out = "";
  for (let i = 0; i < word.length; i++) out += String.fromCharCode(rot13Unit(word.charCodeAt(i)));
  return out;
}

for (const w of FUNCTION_WORDS) {
  if (w.length < 2) continue;
  // Only ROT13 of words of three or more letters counts: two-letter ROT13 pairs collide with
  // abbreviations ("AB" → "NO", "HF" → "US").
  const entries: Array<[number, number]> = [[packWord(w), 1]];
  if (w.length >= 3) entries.push([packWord(rot13Word(w)), 2]);
  for (const [code, flag] of entries) {
    const k = slot(code);
    tableKeys[k] = code;
    tableFlags[k] = (tableFlags[k] as number) | flag;
  }
}

/** Flags of a packed word (see packWord): 1 function word, 2 ROT13 of one, 3 both ("be"/"or"). */
export function wordFlags(code: number): number {
  const k = slot(code);
  return tableKeys[k] === code ? (tableFlags[k] as number) : 0;
}

const DICTIONARY: ReadonlySet<string> = new Set([...FUNCTION_WORDS, ...COMMON_WORDS]);

export function isCommonWord(lower: string): boolean {
  return DICTIONARY.has(lower);
}

/** The dictionary's words of up to six letters, packed (see packWord), and its longest word. */
const DICTIONARY_PACKED: ReadonlySet<number> = new Set(
  [...DICTIONARY].filter((w) => w.length <= 6 && /^[a-z]+$/.test(w)).map(packWord),
);
export const LONGEST_COMMON_WORD = Math.max(...[...DICTIONARY].map((w) => w.length));

/** isCommonWord for a word of up to six lower-case letters given packed (see packWord). */
export function isCommonPacked(code: number): boolean {
  return DICTIONARY_PACKED.has(code);
}

/** ROT13 of one ASCII letter code (RFC-less folklore cipher: rotate the Latin alphabet by 13). */
export function rot13Unit(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return ((c - 0x61 + 13) % 26) + 0x61;
  if (c >= 0x41 && c <= 0x5a) return ((c - 0x41 + 13) % 26) + 0x41;
  return c;
}

/** Counts words (ASCII letter runs) and how many are common function words. */
export function languageSignal(text: string): { words: number; hits: number } {
  let words = 0;
  let hits = 0;
  let code = 0;
  let len = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) | 0x20 : 0;
    if (c >= 0x61 && c <= 0x7a) {
      if (len < 6) code = code * 32 + (c - 96); // only words of two to six letters are looked up
      len++;
    } else if (len > 0) {
      words++;
      if (len >= 2 && len <= 6) hits += wordFlags(code) & 1;
      code = 0;
      len = 0;
    }
  }
  return { words, hits };
}

/** Whether decoded text reads as English prose (at least two function words, ≥ 20 % of words). */
export function readsAsLanguage(text: string): boolean {
  const { words, hits } = languageSignal(text);
  return hits >= 2 && hits * 5 >= words;
}
