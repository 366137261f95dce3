import { FIRST_NAMES } from "./gazetteer/first-names.js";
import {
  AMBIGUOUS_FIRST,
  ORG_CUES,
  ORG_SUFFIX,
  ORG_WORDS,
  PARTICLES,
  PERSON_CUES,
  PLACES,
  STOP,
  STREET_ENDINGS,
  STREET_PREFIX,
  STREET_SUFFIX,
  TITLES,
} from "./gazetteer/lexicon.js";
import { SURNAMES, SURNAME_SUFFIXES } from "./gazetteer/surnames.js";
import type { Hit } from "./hit.js";

/*
 * Person names, street addresses and organisations without a model: gazetteers of given names,
 * family names, street types and company forms (shipped in ./gazetteer), surname morphology,
 * context words ("Mr.", "Dear", "works at", "address:") and capitalisation. One tokenising pass,
 * then rules over the token array; every loop is bounded, so the cost is linear in the text.
 */

const FIRST = new Set(FIRST_NAMES.trim().split(/\s+/));
const SUR = new Set(SURNAMES.trim().split(/\s+/));

/** Endings grouped by their last character, so a lookup is a few `endsWith` calls and no allocation. */
function byLastChar(list: readonly string[], minLen: number): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of list) {
    if (s.length < minLen) continue;
    const k = s[s.length - 1]!;
    const l = m.get(k) ?? [];
    l.push(s);
    m.set(k, l);
  }
  return m;
}
const SURNAME_ENDINGS = byLastChar(SURNAME_SUFFIXES, 3);
const STREET_END = byLastChar(STREET_ENDINGS, 2);

interface Tok {
  s: number;
  e: number;
  /** Lower case, without a trailing full stop or possessive 's. */
  low: string;
  /** Lower case with diacritics removed, for gazetteer lookups (computed on first use). */
  k?: string;
  cap: boolean;
  num: boolean;
  nl: boolean;
  dot: boolean;
}

function fold(s: string): string {
  // Cheap path for ASCII; NFD + strip marks otherwise ("jiří" → "jiri").
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) {
      return s
        .normalize("NFD")
        .replace(/\p{M}/gu, "")
        .replace(/ø/g, "o")
        .replace(/æ/g, "ae")
        .replace(/ß/g, "ss")
        .replace(/ł/g, "l")
        .replace(/đ/g, "d");
    }
  }
  return s;
}
const keyOf = (t: Tok): string => (t.k ??= fold(t.low));

const UPPER_RE = /\p{Lu}/u;

/** Letters of Latin, Greek and Cyrillic scripts (and combining marks); other scripts end a token. */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return (
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) ||
    (c >= 0x300 && c <= 0x52f) ||
    (c >= 0x1e00 && c <= 0x1eff)
  );
}

/** One hand-written pass: words (with inner ' ’ . -), digit runs and newlines. */
function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out.push({ s: i, e: i + 1, low: "\n", cap: false, num: false, nl: true, dot: false });
      i++;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      out.push({ s: i, e: j, low: text.slice(i, j), cap: false, num: true, nl: false, dot: false });
      i = j;
      continue;
    }
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    for (;;) {
      while (j < n && isWordChar(text.charCodeAt(j))) j++;
      const d = text.charCodeAt(j);
      // inner apostrophe, full stop or hyphen joined to more letters
      if (
        (d === 39 || d === 0x2019 || d === 46 || d === 45) &&
        j + 1 < n &&
        isWordChar(text.charCodeAt(j + 1))
      ) {
        j += 2;
        continue;
      }
      break;
    }
    const dot = text.charCodeAt(j) === 46;
    let e = j;
    // possessive 's is not part of the name
    if (
      e - i > 3 &&
      (text.charCodeAt(e - 2) === 39 || text.charCodeAt(e - 2) === 0x2019) &&
      text.charCodeAt(e - 1) === 115
    )
      e -= 2;
    const first = text[i]!;
    out.push({
      s: i,
      e,
      low: text.slice(i, e).toLowerCase(),
      cap: c < 128 ? c >= 65 && c <= 90 : first !== first.toLowerCase(),
      num: false,
      nl: false,
      dot,
    });
    i = dot ? j + 1 : j;
  }
  return out;
}

function endsWithAny(low: string, table: Map<string, string[]>): boolean {
  const list = table.get(low[low.length - 1] ?? "");
  if (list === undefined) return false;
  for (const e of list) if (low.length > e.length && low.endsWith(e)) return true;
  return false;
}

function surnameLike(t: Tok): boolean {
  if (SUR.has(keyOf(t))) return true;
  return t.low.length >= 5 && endsWithAny(t.low, SURNAME_ENDINGS);
}

function streetEnding(t: Tok): boolean {
  return t.low.length >= 4 && endsWithAny(t.low, STREET_END);
}

/** Only spaces or tabs (at most 3) between two tokens. */
function adjacent(text: string, a: Tok, b: Tok): boolean {
  const gap = b.s - a.e;
  if (gap < 1 || gap > 3) return gap === 0 ? false : false;
  for (let i = a.e; i < b.s; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && !(c === 46 && i === a.e && a.dot)) return false;
  }
  return true;
}

const isInitial = (t: Tok) => t.cap && t.low.length === 1;
const nameWord = (t: Tok) =>
  t.cap &&
  !t.num &&
  !STOP.has(t.low) &&
  !STREET_SUFFIX.has(t.low) &&
  !ORG_SUFFIX.has(t.low) &&
  !ORG_WORDS.has(t.low) &&
  !PLACES.has(keyOf(t)) &&
  !TITLES.has(t.low);

/** Extends a name from token i over following name words, initials and particles (≤ 4 tokens). */
function extendName(text: string, T: Tok[], i: number): number {
  let k = i;
  while (k + 1 < T.length && k - i < 3) {
    const nx = T[k + 1]!;
    if (nx.nl || !adjacent(text, T[k]!, nx)) break;
    if (isInitial(nx) || nameWord(nx)) {
      k++;
      continue;
    }
    if (
      PARTICLES.has(nx.low) &&
      !nx.cap &&
      k + 2 < T.length &&
      T[k + 2]!.cap &&
      adjacent(text, nx, T[k + 2]!)
    ) {
      k += 2;
      continue;
    }
    break;
  }
  // A trailing initial alone ("Silvia J") is fine; a trailing particle is not taken.
  return k;
}

function push(
  out: Hit[],
  kind: string,
  start: number,
  end: number,
  score: number,
  rule: string,
  reason: string,
) {
  if (end > start) out.push({ kind, start, end, score, rule, reason });
}

// ------------------------------------------------------------------ persons

function findPersons(text: string, T: Tok[], out: Hit[], lowerText: boolean): void {
  const surnamesSeen = new Set<string>();
  const covered: [number, number][] = [];
  const add = (a: number, b: number, score: number, reason: string) => {
    push(out, "person", T[a]!.s, T[b]!.e, score, "pii.person", reason);
    covered.push([T[a]!.s, T[b]!.e]);
    if (b > a) surnamesSeen.add(keyOf(T[b]!));
  };
  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl || t.num) continue;
    const prev = i > 0 ? T[i - 1] : undefined;
    // 1. Title + name: "Mr. Matthews", "Dr. Burke", "Mrs. Diana Usamov".
    if (TITLES.has(t.low) && (t.cap || lowerText) && i + 1 < T.length) {
      const nx = T[i + 1]!;
      if (!nx.nl && (nx.cap || (lowerText && !STOP.has(nx.low) && !nx.num)) && !STOP.has(nx.low)) {
        const j = lowerText && !nx.cap ? i + 1 : extendName(text, T, i + 1);
        add(i + 1, j, 0.9, "name after a title");
        i = j;
        continue;
      }
    }
    if (t.cap && !STOP.has(t.low) && !TITLES.has(t.low)) {
      const isFirst = FIRST.has(keyOf(t));
      const j = extendName(text, T, i);
      const cue = prev !== undefined && !prev.nl && PERSON_CUES.has(prev.low);
      if (isFirst && !AMBIGUOUS_FIRST.has(keyOf(t))) {
        if (j > i) add(i, j, 0.85, "given name followed by a family name");
        else add(i, i, cue ? 0.75 : 0.6, "given name");
        i = j;
        continue;
      }
      if (j > i) {
        const last = T[j]!;
        if (surnameLike(last) || FIRST.has(keyOf(T[i]!)) || (isFirst && surnameLike(last))) {
          add(i, j, 0.7, "capitalised name with a family-name form");
          i = j;
          continue;
        }
        if (cue) {
          add(i, j, 0.7, "capitalised name after a cue word");
          i = j;
          continue;
        }
      } else if (
        cue ||
        (SUR.has(keyOf(t)) && prev !== undefined && (prev.low === "by" || prev.low === "early"))
      ) {
        add(i, i, 0.6, "capitalised word after a cue word");
        continue;
      }
    }
    // 2. All-lower-case text ("leone mazzi", "bertram m. jørgensen"): given name + a name-like word.
    if (lowerText && !t.cap && FIRST.has(keyOf(t)) && !AMBIGUOUS_FIRST.has(keyOf(t)) && !STOP.has(t.low)) {
      let j = i;
      if (j + 1 < T.length && T[j + 1]!.low.length === 1 && !T[j + 1]!.nl && adjacent(text, T[j]!, T[j + 1]!))
        j++;
      const nx = T[j + 1];
      if (
        nx &&
        !nx.nl &&
        !nx.num &&
        adjacent(text, T[j]!, nx) &&
        !STOP.has(nx.low) &&
        (surnameLike(nx) || FIRST.has(keyOf(nx)) || SUR.has(keyOf(nx)) || nx.low.length >= 4)
      ) {
        const lineEnd = j + 2 >= T.length || T[j + 2]!.nl;
        if (surnameLike(nx) || SUR.has(keyOf(nx)) || lineEnd) {
          add(i, j + 1, 0.6, "given name and family name in lower-case text");
          i = j + 1;
        }
      }
    }
  }
  // 3. Later mentions of a family name already seen in a full name ("… Adam McDowell … McDowell").
  if (surnamesSeen.size > 0) {
    for (const t of T) {
      if (!t.cap || !surnamesSeen.has(keyOf(t))) continue;
      if (covered.some(([a, b]) => t.s < b && a < t.e)) continue;
      push(out, "person", t.s, t.e, 0.7, "pii.person", "repeated family name");
    }
  }
}

// ------------------------------------------------------------------ organisations

const SONS = new Set(["sons", "daughters", "partners", "co", "company", "associates", "brothers", "bros"]);

function findOrganizations(text: string, T: Tok[], out: Hit[]): void {
  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl || t.num) continue;
    const legal = ORG_SUFFIX.has(t.low) || (t.dot && ORG_SUFFIX.has(t.low + "."));
    const word = t.cap && ORG_WORDS.has(t.low);
    if (legal || word) {
      // Walk back over the name: capitalised words, "and"/"&", commas between surnames.
      let a = i;
      while (a > 0 && i - a < 5) {
        const p = T[a - 1]!;
        if (p.nl) break;
        const gap = text.slice(p.e, T[a]!.s);
        if (!/^[ \t,&]{1,4}$/.test(gap)) break;
        if (p.cap && !STOP.has(p.low) && !TITLES.has(p.low)) a--;
        else if ((p.low === "and" || p.low === "y" || p.low === "und") && a - 2 >= 0 && T[a - 2]!.cap) a--;
        else if (legal && !p.cap && !STOP.has(p.low) && p.low.length > 2)
          a--; // "stillwater supercomputing inc."
        else break;
      }
      if (a < i) {
        push(
          out,
          "organization",
          T[a]!.s,
          t.dot && legal ? t.e + 1 : t.e,
          legal ? 0.85 : 0.7,
          "pii.organization",
          legal ? "name with a company legal form" : "name ending in an organisation word",
        );
        continue;
      }
    }
    if (!t.cap) continue;
    // "X and Sons", "X & Co"
    if (
      i + 2 < T.length &&
      (T[i + 1]!.low === "and" || (T[i + 1]!.s - t.e <= 3 && text.slice(t.e, T[i + 1]!.s).includes("&"))) &&
      SONS.has(T[i + 2]!.low)
    ) {
      push(out, "organization", t.s, T[i + 2]!.e, 0.8, "pii.organization", "X and Sons");
      i += 2;
      continue;
    }
    // "Clark, Romero and Hall"
    if (t.cap && !STOP.has(t.low) && i + 3 < T.length) {
      const b = T[i + 1]!;
      const c = T[i + 2]!;
      const d = T[i + 3]!;
      if (
        text.slice(t.e, b.s) === ", " &&
        b.cap &&
        c.low === "and" &&
        d.cap &&
        !STOP.has(b.low) &&
        !STOP.has(d.low) &&
        surnameLike(t) !== false
      ) {
        push(out, "organization", t.s, d.e, 0.7, "pii.organization", "surname list firm name");
        i += 3;
        continue;
      }
    }
    // "Fritz-Armstrong": two capitalised surnames joined by a hyphen.
    const hy = t.low.indexOf("-");
    if (hy > 0 && hy === t.low.lastIndexOf("-") && !FIRST.has(keyOf(t).slice(0, hy))) {
      const [x = "", y = ""] = text.slice(t.s, t.e).split("-");
      if (UPPER_RE.test(x[0] ?? "") && UPPER_RE.test(y[0] ?? "")) {
        push(out, "organization", t.s, t.e, 0.55, "pii.organization", "hyphenated surname pair");
        continue;
      }
    }
    // Cue word + capitalised name that is not a person, place or common word: "works at Xignite".
    if (
      t.cap &&
      i > 0 &&
      ORG_CUES.has(T[i - 1]!.low) &&
      nameWord(t) &&
      !FIRST.has(keyOf(t)) &&
      !SUR.has(keyOf(t)) &&
      adjacent(text, T[i - 1]!, t)
    ) {
      const j = extendName(text, T, i);
      const nextLow = T[j + 1]?.low;
      // "from Rohod for a business trip" / "in X": skip when a preposition of place follows.
      if (nextLow !== undefined && /^(?:in|to)$/.test(nextLow) && T[i - 1]!.low === "from") continue;
      push(
        out,
        "organization",
        t.s,
        T[j]!.e,
        0.55,
        "pii.organization",
        `capitalised name after '${T[i - 1]!.low}'`,
      );
      i = j;
    }
  }
}

// ------------------------------------------------------------------ street addresses

const PO_RE =
  /\b(?:(?:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]+Box[ \t]+\d{3,5}(?:[ \t,]*\n?[ \t>]*[AFD]PO[ \t]+A[AEP][ \t]+\d{5})?|(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?(?:[ \t,]*\n?[ \t>]*FPO[ \t]+A[AEP][ \t]+\d{5})?|P\.?[ \t]?O\.?[ \t]?Box[ \t]+\d{1,6}|[AFD]PO[ \t]+A[AEP][ \t]+\d{5})/gi;
const UNIT_RE = /\b(?:Apt\.?|Apartment|Suite|Ste\.|Flat|Fl\.|Floor)[ \t]+#?\d{1,5}[A-Za-z]?\b/gi;
const ADDRESS_CUE_RE =
  /\b(?:address(?:\s+is)?|moved\s+to|live\s+at|lives\s+at|living\s+at|located\s+at|reside\s+at|resides\s+at|ship\s+(?:it\s+)?to|send\s+(?:it|them|a\s+new\s+one|the\s+card)\s+to|deliver(?:ed)?\s+to)\s*[:-]?\s*/gi;
const FUNCTION_WORDS = new Set([
  "of",
  "and",
  "the",
  "to",
  "in",
  "for",
  "on",
  "at",
  "with",
  "is",
  "are",
  "was",
  "were",
  "by",
  "from",
  "or",
  "per",
  "out",
  "than",
  "x",
  "a",
  "an",
  "my",
  "your",
  "our",
  "their",
  "his",
  "her",
  "its",
  "it",
  "this",
  "that",
  "be",
  "been",
  "has",
  "have",
  "had",
  "i",
  "we",
  "you",
  "they",
  "he",
  "she",
  "year",
  "years",
  "old",
  "times",
  "items",
  "people",
  "percent",
  "points",
  "minutes",
  "hours",
  "days",
  "weeks",
  "months",
  "pages",
  "transactions",
]);

function findAddresses(text: string, T: Tok[], out: Hit[]): void {
  const hits: Hit[] = [];
  const add = (s: number, e: number, score: number, reason: string) =>
    push(hits, "street_address", s, e, score, "pii.street_address", reason);

  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl) continue;
    if (t.num && t.low.length <= 6) {
      // number [number] words… street-suffix | number words… number
      let k = i + 1;
      if (k < T.length && T[k]!.num && adjacent(text, t, T[k]!)) k++;
      let words = 0;
      let function_ = false;
      let capital = false;
      let month = false;
      for (let w = k; w < T.length && w - k < 6; w++) {
        const x = T[w]!;
        if (x.nl || !adjacent(text, T[w - 1]!, x)) break;
        if (x.num) {
          if (words >= 1 && words <= 4 && !function_ && !month && (capital || x.low.length <= 4)) {
            add(t.s, x.e, 0.65, "number, street name, number");
          }
          break;
        }
        words++;
        if (FUNCTION_WORDS.has(x.low)) function_ = true;
        if (x.cap) capital = true;
        if (/^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*$/.test(x.low)) month = true;
        if (words >= 1 && w > k && STREET_SUFFIX.has(x.low) && (x.cap || !capital) && !function_) {
          add(t.s, x.e, 0.85, "number, street name and street type");
          break;
        }
        if (streetEnding(x) && !function_) {
          // "79367 Nybyvägen 65": compound street word; take a following house number too.
          const nx = T[w + 1];
          add(
            t.s,
            nx && nx.num && adjacent(text, x, nx) ? nx.e : x.e,
            0.8,
            "number and compound street name",
          );
          break;
        }
        if (function_ || month) break;
      }
      continue;
    }
    // Street type first: "Via Franscini 71", "ul. Słowicza 10", "Rue de Tanger 29".
    if (STREET_PREFIX.has(t.low) && (t.cap || t.dot || t.low.length > 2)) {
      for (let w = i + 1; w < T.length && w - i <= 5; w++) {
        const x = T[w]!;
        if (x.nl || !adjacent(text, T[w - 1]!, x)) break;
        if (x.num && w > i + 1) {
          add(t.s, x.e, 0.8, "street type, name and number");
          break;
        }
      }
      continue;
    }
    // Compound street word + number: "Wingertweg 126", "Fagradalsbraut 71".
    if (t.cap && streetEnding(t)) {
      const nx = T[i + 1];
      if (nx && nx.num && nx.low.length <= 5 && adjacent(text, t, nx))
        add(t.s, nx.e, 0.75, "compound street name and number");
    }
  }
  PO_RE.lastIndex = 0;
  for (let m = PO_RE.exec(text); m !== null; m = PO_RE.exec(text))
    add(m.index, m.index + m[0].length, 0.85, "postal box or military address");
  UNIT_RE.lastIndex = 0;
  for (let m = UNIT_RE.exec(text); m !== null; m = UNIT_RE.exec(text))
    add(m.index, m.index + m[0].length, 0.6, "apartment or suite number");
  ADDRESS_CUE_RE.lastIndex = 0;
  for (let m = ADDRESS_CUE_RE.exec(text); m !== null; m = ADDRESS_CUE_RE.exec(text)) {
    const s = m.index + m[0].length;
    let e = text.indexOf("\n", s);
    if (e === -1 || e - s > 120) e = Math.min(text.length, s + 120);
    const line = text.slice(s, e);
    const stop = line.search(/[?!]|\.\s|\.$/);
    const end = stop >= 0 ? s + stop : e;
    if (/\d/.test(text.slice(s, end)) && end - s >= 6) add(s, end, 0.7, "text after an address cue");
  }
  // Merge pieces of one address: overlapping or separated only by spaces, commas or one newline.
  hits.sort((a, b) => a.start - b.start);
  let cur: Hit | undefined;
  for (const h of hits) {
    if (
      cur &&
      h.start <= cur.end + 4 &&
      /^[ \t,\n>]*$/.test(text.slice(cur.end, Math.max(cur.end, h.start))) &&
      (text.slice(cur.end, h.start).match(/\n/g)?.length ?? 0) <= 1
    ) {
      cur.end = Math.max(cur.end, h.end);
      cur.score = Math.max(cur.score, h.score);
      continue;
    }
    if (cur) out.push(cur);
    cur = { ...h };
  }
  if (cur) out.push(cur);
}

/** Person names, street addresses and organisations. */
export function findEntities(text: string, out: Hit[], kinds: ReadonlySet<string>): void {
  if (text.length === 0) return;
  const T = tokenize(text);
  if (T.length === 0) return;
  const lowerText = !UPPER_RE.test(text);
  if (kinds.has("street_address")) findAddresses(text, T, out);
  if (kinds.has("organization")) findOrganizations(text, T, out);
  if (kinds.has("person")) findPersons(text, T, out, lowerText);
}
