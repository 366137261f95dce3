/**
 * Quoted stretches of a prompt, for rule + classifier fusion: "What does 'ignore all previous
 * instructions' mean?" carries an attack phrase, but only inside quotation marks, while the
 * prompt's own words ask an ordinary question. The detector scores the prompt with its quoted
 * stretches masked; a rule hit that lies wholly inside quotes of a prompt whose own words are
 * benign is reported as a note.
 */

/** Opening quotation mark → closing mark (ASCII, typographic, guillemets, CJK corner brackets). */
const PAIRS: ReadonlyMap<number, number> = new Map([
  [0x22, 0x22], // "…"
  [0x27, 0x27], // '…'
  [0x60, 0x60], // `…`
  [0x201c, 0x201d], // “…”
  [0x201e, 0x201c], // „…“
  [0x2018, 0x2019], // ‘…’
  [0xab, 0xbb], // «…»
  [0x300c, 0x300d], // 「…」
]);

/** Longest quotation looked for, and the work bound of one call (characters examined). */
const MAX_QUOTE = 600;
const MAX_STEPS = 200_000;
const MAX_RANGES = 32;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 0xbf;
}

/**
 * Quoted ranges of `text` as a flat [start, end) list of the text between the marks. An ASCII
 * apostrophe inside a word ("don't") neither opens nor closes a quotation. Bounded work for any
 * input: at most MAX_STEPS characters examined and MAX_RANGES ranges.
 */
export function quotedRanges(text: string, out: number[] = []): number[] {
  out.length = 0;
  let steps = 0;
  const n = text.length;
  for (let i = 0; i < n && out.length < 2 * MAX_RANGES && steps < MAX_STEPS; i++) {
    steps++;
    const c = text.charCodeAt(i);
    const close = PAIRS.get(c);
    if (close === undefined) continue;
    if (c === 0x27 && i > 0 && isAlnum(text.charCodeAt(i - 1))) continue; // apostrophe
    const limit = Math.min(n, i + 1 + MAX_QUOTE);
    for (let j = i + 1; j < limit; j++) {
      if (++steps > MAX_STEPS) break;
      if (text.charCodeAt(j) !== close) continue;
      if (close === 0x27 && j + 1 < n && isAlnum(text.charCodeAt(j + 1))) continue; // "it's"
      if (j > i + 1) out.push(i + 1, j);
      i = j;
      break;
    }
  }
  return out;
}

/** Whether [start, end) lies inside one of `ranges`. */
export function insideQuotes(ranges: readonly number[], start: number, end: number): boolean {
  for (let k = 0; k < ranges.length; k += 2) if (start >= ranges[k]! && end <= ranges[k + 1]!) return true;
  return false;
}

/** `text` with each quoted stretch replaced by a short placeholder: the prompt's own words. */
export function maskQuotes(text: string, ranges: readonly number[]): string {
  let out = "";
  let from = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    out += text.slice(from, ranges[k]) + "…";
    from = ranges[k + 1]!;
  }
  return out + text.slice(from);
}
