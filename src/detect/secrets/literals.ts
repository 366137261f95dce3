/**
 * The literal text every match of a rule pattern starts with, read from the pattern's source.
 *
 * Most rules begin with a provider prefix or a name (`sk_live_`, `(?:deepseek|mistral|…)`,
 * `-----BEGIN`). In a long text such a pattern can match only where one of those literals occurs,
 * so the detector tries the pattern (sticky) at those positions instead of scanning the text with
 * it: the same matches, in the same order, because positions without the literal cannot start a
 * match. Only what is certainly literal is taken; anything else makes the rule scan as before.
 */

/** Characters with a meaning of their own in a pattern (outside a class). */
const SPECIAL = new Set([..."\\^$.|?*+()[]{}"]);
const QUANTIFIER = new Set([..."?*+{"]);

/** Index just after the group or class opening at `i` (balanced; escapes and classes skipped). */
function closeOf(src: string, i: number): number {
  let depth = 0;
  let inClass = false;
  for (let k = i; k < src.length; k++) {
    const c = src[k];
    if (c === "\\") {
      k++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return k + 1;
  }
  return -1;
}

/** Top-level alternatives of a pattern (or of a group's body). */
function alternatives(src: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let k = 0; k < src.length; k++) {
    const c = src[k];
    if (c === "\\") {
      k++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(src.slice(start, k));
      start = k + 1;
    }
    if (depth < 0) return null;
  }
  out.push(src.slice(start));
  return out;
}

/** Literal prefixes one alternative can start with, or null when it is not certain. */
function leadOf(alt: string): string[] | null {
  let i = 0;
  // Zero-width assertions at the start: lookbehind, lookahead, \b.
  for (;;) {
    if (
      alt.startsWith("(?<!", i) ||
      alt.startsWith("(?<=", i) ||
      alt.startsWith("(?=", i) ||
      alt.startsWith("(?!", i)
    ) {
      const end = closeOf(alt, i);
      if (end < 0) return null;
      i = end;
      continue;
    }
    if (alt.startsWith("\\b", i)) {
      i += 2;
      continue;
    }
    break;
  }
  if (alt[i] === "(") {
    const end = closeOf(alt, i);
    if (end < 0 || QUANTIFIER.has(alt[end] ?? "")) return null;
    // A non-capturing, capturing or named group: its own alternatives.
    let body = alt.slice(i + 1, end - 1);
    if (body.startsWith("?:")) body = body.slice(2);
    else if (body.startsWith("?<") && !body.startsWith("?<=") && !body.startsWith("?<!")) {
      const close = body.indexOf(">");
      if (close < 0) return null;
      body = body.slice(close + 1);
    } else if (body.startsWith("?")) return null;
    return literalPrefixes(body);
  }
  let lit = "";
  while (i < alt.length) {
    let c = alt[i] as string;
    let width = 1;
    if (c === "\\") {
      const e = alt[i + 1];
      // An escaped punctuation character stands for itself; \w, \d, \x41, \u… do not.
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break;
      c = e;
      width = 2;
    } else if (SPECIAL.has(c)) break;
    if (QUANTIFIER.has(alt[i + width] ?? "")) break; // "mongosh?": the "h" may be absent
    lit += c;
    i += width;
  }
  return lit.length > 0 ? [lit] : null;
}

/**
 * Literal prefixes of a pattern source: every match starts with one of them. Null when some
 * alternative has none (or the source uses a construct this reader does not follow).
 */
export function literalPrefixes(source: string): string[] | null {
  const alts = alternatives(source);
  if (alts === null) return null;
  const out: string[] = [];
  for (const alt of alts) {
    const lead = leadOf(alt);
    if (lead === null) return null;
    out.push(...lead);
  }
  return out;
}

/**
 * Literals to look for in a text for `re`: lower-cased for a case-insensitive pattern (found in
 * the lower-cased text), or null when the pattern cannot be driven by literals (too short a
 * literal, Unicode case folding, non-ASCII literal under `i`).
 */
export function anchorsOf(re: RegExp, minLength = 3): string[] | null {
  if (re.unicode || re.flags.includes("v")) return null;
  const prefixes = literalPrefixes(re.source);
  if (prefixes === null || prefixes.some((p) => p.length < minLength || /[^\0-\x7f]/.test(p))) return null;
  if (!re.ignoreCase) return [...new Set(prefixes)];
  // JavaScript's case-insensitive match (without the u flag) pairs ASCII letters only with ASCII
  // letters, so folding ASCII capitals on both sides finds every place a literal can match.
  return [...new Set(prefixes.map((p) => p.toLowerCase()))];
}

/**
 * All the rules' leading literals in one automaton (Aho–Corasick, one table row of 128 ASCII
 * transitions per state): one pass over a text gives, per rule, every position where one of its
 * literals starts. Case-insensitive literals are matched against the text with ASCII capitals
 * folded; the others as written. Literals are ASCII, so any other character restarts the search.
 */
export class LiteralIndex {
  private readonly automata: Array<{
    delta: Int32Array;
    out: Array<number[] | undefined>;
    ends: Uint8Array;
  }> = [];
  private readonly lengths: number[] = [];
  private readonly owners: number[][] = [];

  /** `entries[k]` lists the literals of owner k (a rule index) and whether they ignore case. */
  constructor(entries: ReadonlyArray<{ owner: number; literals: readonly string[]; caseless: boolean }>) {
    for (const caseless of [true, false]) {
      const lits: Array<{ lit: string; id: number }> = [];
      const ids = new Map<string, number>();
      for (const e of entries) {
        if (e.caseless !== caseless) continue;
        for (const lit of e.literals) {
          const key = `${caseless ? "i" : "s"}:${lit}`;
          let id = ids.get(key);
          if (id === undefined) {
            id = this.lengths.length;
            ids.set(key, id);
            this.lengths.push(lit.length);
            this.owners.push([]);
            lits.push({ lit, id });
          }
          const owners = this.owners[id] as number[];
          if (!owners.includes(e.owner)) owners.push(e.owner);
        }
      }
      if (lits.length > 0) this.automata.push(build(lits, caseless));
    }
  }

  /**
   * Per owner, the sorted start positions of its literals in `text` (owners whose literals do not
   * occur are absent); owners whose literals occur more than `limit` times are in `over` instead
   * (scanning with their pattern is cheaper).
   */
  positions(text: string, limit: number): { found: Map<number, number[]>; over: Set<number> } {
    const found = new Map<number, number[]>();
    const over = new Set<number>();
    const note = (ids: number[], i: number) => {
      for (const id of ids) {
        const start = i - (this.lengths[id] as number) + 1;
        for (const owner of this.owners[id] as number[]) {
          if (over.has(owner)) continue;
          let list = found.get(owner);
          if (list === undefined) found.set(owner, (list = []));
          list.push(start);
          if (list.length > limit) {
            over.add(owner);
            found.delete(owner);
          }
        }
      }
    };
    // Both automata (case-insensitive and case-sensitive literals) in one pass.
    const a = this.automata[0] ?? EMPTY;
    const b = this.automata[1] ?? EMPTY;
    const da = a.delta;
    const db = b.delta;
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        sa = 0;
        sb = 0;
        continue;
      }
      sa = da[sa * 128 + c] as number;
      sb = db[sb * 128 + c] as number;
      if (a.ends[sa] === 1) note(a.out[sa] as number[], i);
      if (b.ends[sb] === 1) note(b.out[sb] as number[], i);
    }
    for (const list of found.values()) list.sort((x, y) => x - y);
    return { found, over };
  }
}

/** An automaton without literals (stays in its one state). */
const EMPTY = { delta: new Int32Array(128), out: [undefined], ends: new Uint8Array(1) };

/** Trie, failure links and the full transition table of an Aho–Corasick automaton. */
function build(
  lits: ReadonlyArray<{ lit: string; id: number }>,
  caseless: boolean,
): { delta: Int32Array; out: Array<number[] | undefined>; ends: Uint8Array } {
  const next: number[][] = [[]];
  const own: number[][] = [[]];
  for (const { lit, id } of lits) {
    let s = 0;
    for (let k = 0; k < lit.length; k++) {
      const c = lit.charCodeAt(k);
      let t = (next[s] as number[])[c];
      if (t === undefined) {
        t = next.length;
        (next[s] as number[])[c] = t;
        next.push([]);
        own.push([]);
      }
      s = t;
    }
    (own[s] as number[]).push(id);
  }
  const states = next.length;
  const delta = new Int32Array(states * 128);
  const fail = new Int32Array(states);
  const out = new Array<number[] | undefined>(states).fill(undefined);
  const queue: number[] = [];
  for (let c = 0; c < 128; c++) {
    const t = (next[0] as number[])[c];
    if (t !== undefined) {
      delta[c] = t;
      queue.push(t);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q] as number;
    const ends = [...(own[s] as number[]), ...(out[fail[s] as number] ?? [])];
    if (ends.length > 0) out[s] = ends;
    for (let c = 0; c < 128; c++) {
      const t = (next[s] as number[])[c];
      if (t === undefined) {
        delta[s * 128 + c] = delta[(fail[s] as number) * 128 + c] as number;
      } else {
        fail[t] = delta[(fail[s] as number) * 128 + c] as number;
        delta[s * 128 + c] = t;
        queue.push(t);
      }
    }
  }
  const ends = new Uint8Array(states);
  for (let s = 0; s < states; s++) {
    if (out[s] !== undefined) ends[s] = 1;
    // Case-insensitive literals are stored in lower case: a capital goes where its small letter goes.
    if (caseless) for (let c = 65; c <= 90; c++) delta[s * 128 + c] = delta[s * 128 + c + 32] as number;
  }
  return { delta, out, ends };
}
