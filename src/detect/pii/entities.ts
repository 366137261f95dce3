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
import { hashString, Lexicon, lowerUnit, type Tok, TokenBuffer } from "./tokens.js";

/**
 * What a scan of part of a text needs to know about the whole text, so that the part is read as
 * it would be inside the whole (pii/index.ts rescans only the surroundings of normalised
 * characters in long texts).
 */
export interface EntityContext {
  /** The whole text has no capitalised word (lower-case rules apply). */
  lowerText?: boolean;
  /** The whole text has a ":" after the end of this part (speaker labels). */
  colonBeyond?: boolean;
  /** Keys of names already seen in full elsewhere (their later mentions count). */
  seenSeed?: ReadonlySet<string>;
  /** Receives the keys of names seen in full in this text. */
  seenOut?: Set<string>;
}

/*
 * Person names, street addresses and organisations without a model: gazetteers of given names,
 * family names, street types and company forms (shipped in ./gazetteer), surname morphology,
 * context words ("Mr.", "Dear", "works at", "address:") and capitalisation. One tokenising pass,
 * then rules over the token array; every loop is bounded, so the cost is linear in the text.
 */

const FIRST = new Set(FIRST_NAMES.trim().split(/\s+/));
const SUR = new Set(SURNAMES.trim().split(/\s+/));

/**
 * Every word list the rules consult is one bit of the word table (tokens.ts): a token carries the
 * bits of its lower-case form (`m`) and of its diacritic-folded key (`km`), so each "is it in list
 * X?" is one AND. Lists are registered at the end of this module, once all are defined.
 */
const LEX = new Lexicon();
const B_TITLE = 1 << 0;
const B_PERSON_CUE = 1 << 1;
const B_STOP = 1 << 2;
const B_AMBIGUOUS_FIRST = 1 << 3;
const B_PARTICLE = 1 << 4;
const B_STREET_SUFFIX = 1 << 5;
const B_STREET_PREFIX = 1 << 6;
const B_ORG_SUFFIX = 1 << 7;
/** `low + "."` is a legal form ("inc" before a full stop, "s.a" of "S.A."). */
const B_ORG_SUFFIX_DOT = 1 << 8;
const B_ORG_WORD = 1 << 9;
const B_ORG_CUE = 1 << 10;
const B_PLACE = 1 << 11;
const B_FIRST = 1 << 12;
const B_SUR = 1 << 13;
const B_LOWER_CUE = 1 << 14;
const B_NAME_LABEL = 1 << 15;
const B_VOCATIVE_NEXT = 1 << 16;
const B_PERSON_VERB = 1 << 17;
const B_NAME_VERB = 1 << 18;
const B_SONS = 1 << 19;
const B_PLACE_VERB = 1 << 20;
const B_LEGAL_WORD = 1 << 21;
const B_DETERMINER = 1 << 22;
const B_ORG_NOUN = 1 << 23;
const B_ORG_AFTER = 1 << 24;
const B_FUNCTION_WORD = 1 << 25;
/** Words a rule compares a token with (`t.id === W_AND`). */
const W_AND = LEX.id("and");
const W_NAME = LEX.id("name");
const W_NAMED = LEX.id("named");
const W_CALL = LEX.id("call");
const W_CALLS = LEX.id("calls");
const W_IS = LEX.id("is");
const W_ME = LEX.id("me");
const W_HIM = LEX.id("him");
const W_HER = LEX.id("her");
const W_BY = LEX.id("by");
const W_EARLY = LEX.id("early");
const W_Y = LEX.id("y");
const W_UND = LEX.id("und");
const W_FROM = LEX.id("from");
const W_WAS = LEX.id("was");
const W_AS = LEX.id("as");
const W_THE = LEX.id("the");
const W_BASED = LEX.id("based");
const W_IN = LEX.id("in");
const W_AT = LEX.id("at");

/** Endings grouped by the code of their last character, so a lookup is a few comparisons. */
function byLastChar(list: readonly string[], minLen: number): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const s of list) {
    if (s.length < minLen) continue;
    const k = s.charCodeAt(s.length - 1);
    const l = m.get(k) ?? [];
    l.push(s);
    m.set(k, l);
  }
  return m;
}
const SURNAME_ENDINGS = byLastChar(SURNAME_SUFFIXES, 3);
const STREET_END = byLastChar(STREET_ENDINGS, 2);

/** Whether the lower-case form of `t` ends with one of the endings (and is longer than it). */
function endsWithAny(t: Tok, table: Map<number, string[]>): boolean {
  if (t.slow) {
    const low = t.low;
    const list = table.get(low.length > 0 ? low.charCodeAt(low.length - 1) : -1);
    if (list === undefined) return false;
    for (const e of list) if (low.length > e.length && low.endsWith(e)) return true;
    return false;
  }
  // Fast-path tokens lower-case one code unit at a time (tokens.ts): compare in the text.
  const text = t.text;
  const list = table.get(lowerUnit(text.charCodeAt(t.e - 1)));
  if (list === undefined) return false;
  outer: for (const e of list) {
    if (t.len <= e.length) continue;
    const from = t.e - e.length;
    for (let k = 0; k < e.length - 1; k++) {
      if (lowerUnit(text.charCodeAt(from + k)) !== e.charCodeAt(k)) continue outer;
    }
    return true;
  }
  return false;
}

function surnameLike(t: Tok): boolean {
  if (t.km & B_SUR) return true;
  return t.len >= 5 && endsWithAny(t, SURNAME_ENDINGS);
}

function streetEnding(t: Tok): boolean {
  return t.len >= 4 && endsWithAny(t, STREET_END);
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

const isInitial = (t: Tok) => t.cap && t.len === 1;
const NOT_NAME_WORD = B_STOP | B_STREET_SUFFIX | B_ORG_SUFFIX | B_ORG_WORD | B_TITLE;
const nameWord = (t: Tok) => t.cap && !t.num && (t.m & NOT_NAME_WORD) === 0 && (t.km & B_PLACE) === 0;

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
    if (nx.m & B_PARTICLE && !nx.cap && k + 2 < T.length && T[k + 2]!.cap && adjacent(text, nx, T[k + 2]!)) {
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

/** Letters only, first upper, rest not all upper ("Smith", not "SMITH" or "iPhone"). */
function nameShaped(_text: string, t: Tok): boolean {
  // Computed by the tokeniser (tokens never hold digits).
  return t.shaped;
}

/** JavaScript's `\s` (ECMA-262 WhiteSpace and LineTerminator). */
function isJsSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `/[.!?]\s*$/` on the three characters before `at`: a sentence ended just before. */
function sentenceEndBefore(text: string, at: number): boolean {
  const from = Math.max(0, at - 3);
  let k = at - 1;
  while (k >= from && isJsSpace(text.charCodeAt(k))) k--;
  if (k < from) return false;
  const c = text.charCodeAt(k);
  return c === 46 || c === 33 || c === 63;
}

const UPPER_RE = /\p{Lu}/u;

/** Index of the first hyphen inside the token, or -1. */
function hyphenAt(text: string, t: Tok): number {
  for (let i = t.s; i < t.e; i++) if (text.charCodeAt(i) === 45) return i;
  return -1;
}

const MONTH_RE = /^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*$/;

/** A month name or abbreviation (and words that start like one). */
function monthLike(t: Tok): boolean {
  // Only a token starting with j, f, m, a, s, o, n or d can match: skip the string for the rest.
  const c = t.text.charCodeAt(t.s) | 0x20;
  if (c !== 106 && c !== 102 && c !== 109 && c !== 97 && c !== 115 && c !== 111 && c !== 110 && c !== 100)
    return false;
  return MONTH_RE.test(t.low);
}

function hasNonAscii(text: string, t: Tok): boolean {
  for (let i = t.s; i < t.e; i++) if (text.charCodeAt(i) > 127) return true;
  return false;
}

/** Title Case heading ("Guilty Pleasures: 5 Musicians Of The 70s"): most words capitalised. */
function titleCaseLine(T: Tok[], i: number): boolean {
  let a = i;
  while (a > 0 && !T[a - 1]!.nl && i - a < 12) a--;
  let b = i;
  while (b + 1 < T.length && !T[b + 1]!.nl && b - i < 12) b++;
  let words = 0;
  let caps = 0;
  for (let k = a; k <= b; k++) {
    const t = T[k]!;
    if (t.num) continue;
    words++;
    if (t.cap) caps++;
  }
  return words >= 5 && caps / words > 0.6;
}

/** Words before a lower-case given name in assistant requests ("meeting with peter"). */
const LOWER_CUES = new Set([
  "with",
  "for",
  "to",
  "from",
  "call",
  "text",
  "email",
  "tell",
  "ask",
  "meet",
  "message",
  "remind",
  "invite",
  "and",
  "named",
  "called",
]);

const NAME_LABELS = new Set([
  "name",
  "names",
  "customer",
  "patient",
  "employee",
  "contact",
  "applicant",
  "recipient",
  "sender",
  "holder",
  "cardholder",
  "signed",
  "signature",
  "from",
  "to",
  "attn",
  "user",
  "author",
  "owner",
  "beneficiary",
  "guardian",
]);
const VOCATIVE_NEXT = new Set([
  "can",
  "could",
  "would",
  "will",
  "please",
  "do",
  "did",
  "are",
  "is",
  "have",
  "i",
  "we",
  "you",
  "thanks",
  "thank",
  "how",
  "what",
  "where",
  "when",
  "why",
]);

/** Verbs whose subject is a person ("Dexter lives on …", "Alvir spent a year …"). */
const PERSON_VERBS = new Set([
  "lives",
  "lived",
  "spent",
  "said",
  "says",
  "told",
  "asked",
  "replied",
  "married",
  "died",
  "wrote",
  "wants",
  "loves",
  "likes",
  "joined",
  "works",
  "worked",
  "went",
  "thinks",
  "believes",
]);
const NAME_VERBS = new Set([
  "is",
  "was",
  "spent",
  "said",
  "says",
  "has",
  "had",
  "went",
  "told",
  "asked",
  "wants",
  "works",
  "lives",
  "called",
  "wrote",
  "replied",
  "joined",
  "left",
  "died",
  "married",
  "loves",
  "likes",
]);

function findPersons(text: string, T: Tok[], out: Hit[], lowerText: boolean, ctx: EntityContext): void {
  // Keys of names seen in full, and their hashes (a token's key hash is known without its string).
  const seen = new Set<string>(ctx.seenSeed);
  const seenHashes = new Set<number>();
  for (const key of seen) seenHashes.add(hashString(key));
  const remember = (t: Tok) => {
    seen.add(t.key);
    seenHashes.add(t.kh);
  };
  const covered = new Set<number>();
  const add = (a: number, b: number, score: number, reason: string) => {
    push(out, "person", T[a]!.s, T[b]!.e, score, "pii.person", reason);
    for (let k = a; k <= b; k++) covered.add(T[k]!.s);
    if (b > a) {
      remember(T[b]!);
      if (T[a]!.len > 1) remember(T[a]!);
    }
  };
  const sentenceStart = (i: number) => {
    if (i === 0) return true;
    const p = T[i - 1]!;
    if (p.nl) return true;
    for (let k = T[i]!.s - 1; k >= p.e; k--) {
      const c = text.charCodeAt(k);
      if (c === 46 || c === 33 || c === 63 || c === 58 || c === 62) return true;
    }
    return false;
  };
  // Comma lists that contain at least two known given names: every capitalised item is a name.
  const listNames = new Set<number>();
  for (let i = 0; i + 2 < T.length; i++) {
    const t = T[i]!;
    if (!(t.cap || lowerText) || t.num || t.nl) continue;
    let k = i;
    let known = 0;
    const items: number[] = [];
    while (k < T.length && (T[k]!.cap || lowerText) && !T[k]!.num && !T[k]!.nl && items.length < 20) {
      items.push(k);
      if (T[k]!.km & B_FIRST) known++;
      const nx = T[k + 1];
      if (nx === undefined) break;
      // The separator is "," or ", ".
      const at = T[k]!.e;
      const gap = nx.s - at;
      if (text.charCodeAt(at) === 44 && (gap === 1 || (gap === 2 && text.charCodeAt(at + 1) === 32))) k++;
      else if (nx.id === W_AND && (T[k + 2]?.cap || lowerText)) k += 2;
      else break;
    }
    if (items.length >= 3 && known >= 2) for (const x of items) listNames.add(x);
    i = Math.max(i, k);
  }
  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl || t.num) continue;
    const prev = i > 0 ? T[i - 1] : undefined;
    if (listNames.size !== 0 && listNames.has(i)) {
      add(i, i, 0.75, "name in a list of given names");
      continue;
    }
    // Form label "Name: …" (also "Full name", "Customer", "Patient"): the rest of the line.
    if (
      t.cap &&
      nameShaped(text, t) &&
      prev !== undefined &&
      !prev.nl &&
      prev.m & B_NAME_LABEL &&
      /^[:?][ \t]*$/.test(text.slice(prev.e, t.s))
    ) {
      const j = extendName(text, T, i);
      add(i, j, 0.85, "value of a name field");
      i = j;
      continue;
    }
    // 1. Title + name: "Mr. Matthews", "Dr. Burke", "Mrs. Diana Usamov".
    if ((t.cap || lowerText || t.dot) && i + 1 < T.length && t.m & B_TITLE) {
      const nx = T[i + 1]!;
      if (!nx.nl && (nx.cap || (lowerText && !nx.num)) && !(nx.m & B_STOP)) {
        const j = lowerText && !nx.cap ? i + 1 : extendName(text, T, i + 1);
        add(i + 1, j, 0.9, "name after a title");
        i = j;
        continue;
      }
    }
    if (t.cap && !(t.m & (B_STOP | B_TITLE)) && nameShaped(text, t)) {
      const km = t.km;
      const isFirst = (km & B_FIRST) !== 0;
      const j = extendName(text, T, i);
      const cue =
        prev !== undefined &&
        !prev.nl &&
        adjacent(text, prev, t) &&
        (prev.m & B_PERSON_CUE ||
          (i > 1 &&
            (T[i - 2]!.id === W_NAME ||
              T[i - 2]!.id === W_NAMED ||
              T[i - 2]!.id === W_CALL ||
              T[i - 2]!.id === W_CALLS) &&
            (prev.id === W_IS || prev.id === W_ME || prev.id === W_HIM || prev.id === W_HER)));
      let hasInitial = false;
      for (let k = i + 1; k < j && !hasInitial; k++) hasInitial = isInitial(T[k]!);
      hasInitial = hasInitial && nameShaped(text, T[j]!);
      if (isFirst && (!(km & B_AMBIGUOUS_FIRST) || cue || (j > i && surnameLike(T[j]!)))) {
        if (j > i) add(i, j, 0.85, "given name followed by a family name");
        else add(i, i, cue ? 0.75 : 0.6, "given name");
        i = j;
        continue;
      }
      if (j > i) {
        const last = T[j]!;
        if (hasInitial) {
          add(i, j, 0.8, "name with a middle initial");
          i = j;
          continue;
        }
        if (surnameLike(last) || cue) {
          add(i, j, 0.7, "capitalised name with a family-name form");
          i = j;
          continue;
        }
        // Two name-shaped capitalised words outside a Title Case heading: "Steffen Mauer".
        if (j === i + 1 && nameShaped(text, last) && !titleCaseLine(T, i)) {
          const common = (last.m & B_STOP) !== 0 || (km & B_AMBIGUOUS_FIRST) !== 0;
          const evidence =
            (last.km & B_SUR) !== 0 || hasNonAscii(text, t) || hasNonAscii(text, last) || surnameLike(t);
          if (!common && evidence) {
            add(i, j, 0.55, "two capitalised name-shaped words");
            i = j;
            continue;
          }
        }
      } else {
        const nx = T[i + 1];
        const nx2 = T[i + 2];
        // "Marrero and Murphy were …": a pair joined by "and" where one is a known family name.
        if (
          nx &&
          nx2 &&
          nx.id === W_AND &&
          nameShaped(text, nx2) &&
          !(nx2.m & B_STOP) &&
          (km & B_SUR || nx2.km & B_SUR)
        ) {
          add(i, i, 0.65, "pair of family names");
          add(i + 2, i + 2, 0.65, "pair of family names");
          i += 2;
          continue;
        }
        // Sentence-initial unknown word followed by a typical verb: "Alvir spent a year …".
        if (
          sentenceStart(i) &&
          nx &&
          nx.m & B_NAME_VERB &&
          (nx.m & B_PERSON_VERB || surnameLike(t) || hasNonAscii(text, t) || isFirst)
        ) {
          add(i, i, 0.55, "capitalised name before a verb");
          continue;
        }
        // Vocative at the start of a sentence: "Danial, can I please speak to your boss?"
        if (
          sentenceStart(i) &&
          text.charCodeAt(t.e) === 44 &&
          nx &&
          nx.s - t.e <= 2 &&
          nx.m & B_VOCATIVE_NEXT &&
          !(t.m & B_STOP)
        ) {
          add(i, i, 0.6, "name addressed at the start of a sentence");
          continue;
        }
        // Speaker label at the start of a line: "Ubul: What a wife."
        if (
          (i === 0 || T[i - 1]!.nl) &&
          text.charCodeAt(t.e) === 58 &&
          !(t.m & B_STOP) &&
          (km & B_SUR || surnameLike(t) || hasNonAscii(text, t)) &&
          (text.indexOf(":", t.e + 1) !== -1 || ctx.colonBeyond === true)
        ) {
          add(i, i, 0.55, "speaker label");
          continue;
        }
        if (
          cue ||
          (km & B_SUR && prev !== undefined && (prev.id === W_BY || prev.id === W_EARLY || prev.id === W_IS))
        ) {
          add(i, i, 0.6, "capitalised word after a cue word");
          continue;
        }
      }
    }
    // 2. All-lower-case text ("leone mazzi", "bertram m. jørgensen"): given name + a name-like word.
    if (
      lowerText &&
      !t.cap &&
      t.e - t.s >= 2 &&
      t.km & B_FIRST &&
      !(t.km & B_AMBIGUOUS_FIRST) &&
      !(t.m & B_STOP)
    ) {
      let j = i;
      if (j + 1 < T.length && T[j + 1]!.len === 1 && !T[j + 1]!.nl && adjacent(text, T[j]!, T[j + 1]!)) j++;
      const nx = T[j + 1];
      if (nx && !nx.nl && !nx.num && adjacent(text, T[j]!, nx) && !(nx.m & B_STOP) && nx.len >= 3) {
        add(i, j + 1, 0.6, "given name and family name in lower-case text");
        i = j + 1;
      } else if (prev !== undefined && prev.m & B_LOWER_CUE) {
        add(i, i, 0.5, "given name in lower-case text");
      }
    }
  }
  // 3. Later mentions of a name already seen in a full name ("… Adam McDowell … McDowell").
  if (ctx.seenOut) for (const key of seen) ctx.seenOut.add(key);
  if (seen.size > 0) {
    for (const t of T) {
      if (
        !(t.cap || lowerText) ||
        t.num ||
        t.nl ||
        t.e - t.s < 3 ||
        t.m & B_STOP ||
        !seenHashes.has(t.kh) ||
        !seen.has(t.key)
      )
        continue;
      if (covered.has(t.s)) continue;
      push(out, "person", t.s, t.e, 0.7, "pii.person", "repeated name");
    }
  }
}

// ------------------------------------------------------------------ organisations

const SONS = new Set(["sons", "daughters", "partners", "co", "company", "associates", "brothers", "bros"]);

function allCaps(text: string, t: Tok): boolean {
  for (let i = t.s; i < t.e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

const PLACE_VERBS = new Set([
  "arrive",
  "arrived",
  "arrives",
  "arriving",
  "land",
  "landed",
  "stay",
  "stayed",
  "staying",
  "live",
  "lived",
  "lives",
  "born",
  "located",
  "based",
  "flew",
  "fly",
  "travel",
  "travelled",
  "traveled",
]);
const LEGAL_WORDS = new Set(["inc", "ltd", "llc", "plc", "co", "corp", "gmbh"]);
const DETERMINERS = new Set([
  "the",
  "a",
  "an",
  "this",
  "that",
  "my",
  "our",
  "your",
  "his",
  "her",
  "their",
  "its",
  "i",
  "we",
  "you",
  "he",
  "she",
  "they",
  "it",
  "at",
  "in",
  "on",
  "for",
  "from",
  "to",
  "with",
  "by",
  "of",
  "and",
  "is",
  "was",
]);
const ORG_NOUNS = new Set([
  "company",
  "agency",
  "firm",
  "bank",
  "startup",
  "organization",
  "organisation",
  "corporation",
  "brand",
  "manufacturer",
  "retailer",
  "provider",
  "business",
  "nonprofit",
  "non-profit",
  "charity",
  "publisher",
  "studio",
  "label",
  "consultancy",
  "enterprise",
  "conglomerate",
  "subsidiary",
]);
const ORG_AFTER = new Set([
  "office",
  "offices",
  "headquarters",
  "hq",
  "team",
  "board",
  "staff",
  "employees",
  "ceo",
  "cfo",
  "cto",
  "founder",
  "founders",
  "store",
  "stores",
  "branch",
  "orchestra",
  "foundation",
  "website",
  "app",
  "platform",
]);

function findOrganizations(text: string, T: Tok[], out: Hit[], lowerText: boolean): void {
  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl || t.num) continue;
    const short = t.e - t.s <= 11;
    // Legal forms that are also words ("as", "ag", "co", "sa") count only in capitals or with a dot.
    const legal =
      short &&
      (t.cap || t.dot || lowerText) &&
      (t.m & B_ORG_SUFFIX || (t.dot && t.m & B_ORG_SUFFIX_DOT)) &&
      (t.e - t.s > 3 || t.dot || allCaps(text, t) || t.m & B_LEGAL_WORD);
    const word = t.cap && t.m & B_ORG_WORD;
    if (legal || word) {
      // Walk back over the name: capitalised words, "and"/"&", commas between surnames.
      let a = i;
      while (a > 0 && i - a < 5) {
        const p = T[a - 1]!;
        if (p.nl) break;
        const gap = text.slice(p.e, T[a]!.s);
        if (!/^[ \t,&]{1,4}$/.test(gap)) break;
        if (p.cap && !(p.m & (B_DETERMINER | B_TITLE))) a--;
        else if ((p.id === W_AND || p.id === W_Y || p.id === W_UND) && a - 2 >= 0 && T[a - 2]!.cap) a--;
        else if (legal && lowerText && !(p.m & B_STOP) && p.len > 2)
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
      T[i + 2]!.m & B_SONS &&
      (T[i + 1]!.id === W_AND || (T[i + 1]!.s - t.e <= 3 && text.slice(t.e, T[i + 1]!.s).includes("&")))
    ) {
      push(out, "organization", t.s, T[i + 2]!.e, 0.8, "pii.organization", "X and Sons");
      i += 2;
      continue;
    }
    // "Clark, Romero and Hall"
    if (t.cap && !(t.m & B_STOP) && i + 3 < T.length) {
      const b = T[i + 1]!;
      const c = T[i + 2]!;
      const d = T[i + 3]!;
      if (
        b.cap &&
        d.cap &&
        b.s - t.e === 2 &&
        text.charCodeAt(t.e) === 44 &&
        c.id === W_AND &&
        d.cap &&
        !(b.m & B_STOP) &&
        !(d.m & B_STOP) &&
        (t.km & B_FIRST ? 1 : 0) + (b.km & B_FIRST ? 1 : 0) + (d.km & B_FIRST ? 1 : 0) < 2
      ) {
        push(out, "organization", t.s, d.e, 0.7, "pii.organization", "surname list firm name");
        i += 3;
        continue;
      }
    }
    // "Stefanie F. Schneider from Allianz is …": an affiliation right after a capitalised name.
    if (
      i > 1 &&
      T[i - 1]!.id === W_FROM &&
      nameShaped(text, T[i - 2]!) &&
      nameWord(t) &&
      adjacent(text, T[i - 1]!, t) &&
      !(t.km & B_FIRST)
    ) {
      const j = extendName(text, T, i);
      const nx = T[j + 1];
      if (nx === undefined || nx.id === W_IS || nx.id === W_WAS || nx.id === W_AND || nx.id === W_AS) {
        push(out, "organization", t.s, T[j]!.e, 0.6, "pii.organization", "affiliation after a name");
        i = j;
        continue;
      }
    }
    // "The Avalara office", "the Exversion Orchestra": a capitalised name between "the" and an organisation noun.
    if (i > 0 && T[i - 1]!.id === W_THE && nameWord(t)) {
      const j = extendName(text, T, i);
      const nx = T[j + 1];
      if (nx && nx.m & B_ORG_AFTER && adjacent(text, T[j]!, nx)) {
        push(out, "organization", t.s, T[j]!.e, 0.7, "pii.organization", "name before an organisation noun");
        i = j;
        continue;
      }
    }
    // "Coden is a design agency …": a sentence-initial name described as a company.
    if (nameWord(t) && !(t.km & B_FIRST) && (i === 0 || T[i - 1]!.nl || sentenceEndBefore(text, t.s))) {
      const j = extendName(text, T, i);
      const v = T[j + 1];
      if (v && (v.id === W_IS || v.id === W_WAS)) {
        for (let k = j + 2; k < T.length && k - j < 9; k++) {
          const w = T[k]!;
          if (w.nl || w.id === W_BASED || w.id === W_IN) break;
          if (w.m & B_ORG_NOUN) {
            push(out, "organization", t.s, T[j]!.e, 0.7, "pii.organization", "name described as a company");
            break;
          }
        }
      }
    }
    // "Fritz-Armstrong": two capitalised surnames joined by a hyphen.
    // Cheap character tests first; then one hyphen only, and no given name before it.
    const dash = hyphenAt(text, t);
    if (dash > t.s && UPPER_RE.test(text[t.s]!) && UPPER_RE.test(text[dash + 1] ?? "")) {
      const hy = t.low.indexOf("-");
      if (hy > 0 && hy === t.low.lastIndexOf("-") && !(LEX.maskOf(t.key.slice(0, hy)) & B_FIRST)) {
        push(out, "organization", t.s, t.e, 0.55, "pii.organization", "hyphenated surname pair");
        continue;
      }
    }
    // Cue word + capitalised name that is not a person, place or common word: "works at Xignite".
    if (
      t.cap &&
      i > 0 &&
      !T[i - 1]!.cap &&
      T[i - 1]!.e - T[i - 1]!.s <= 7 &&
      T[i - 1]!.m & B_ORG_CUE &&
      nameWord(t) &&
      !(t.km & (B_FIRST | B_SUR)) &&
      adjacent(text, T[i - 1]!, t)
    ) {
      if (allCaps(text, t) && (t.e - t.s > 6 || t.e - t.s < 2)) continue;
      const j = extendName(text, T, i);
      const after = T[j + 1];
      // "at Tungata 11 …" is an address, not an organisation; "arrived at X this morning" is a place.
      if (after?.num && adjacent(text, T[j]!, after)) continue;
      if (after?.id === W_AND && T[i - 1]!.id === W_AT) continue;
      if (i > 1 && T[i - 2]!.m & B_PLACE_VERB) continue;
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
  /\b(?:address(?:\s+is|\s*:)|lives?\s+on|enter\s+on|drops?\s+you\s+off\s+at|moved\s+to|live\s+at|lives\s+at|living\s+at|located\s+at|reside\s+at|resides\s+at|ship\s+(?:it\s+)?to|send\s+(?:it|them|a\s+new\s+one|the\s+card)\s+to|deliver(?:ed)?\s+to)\s*[:-]?\s*/gi;
/** "the corner of A and B": both street names, up to the end of the clause. */
const CORNER_RE = /\bcorner\s+of\s+[^\n,;.?!]{2,60}?\s+and\s+[^\n,;?!]{2,40}?(?=[,;?!]|\.(?:\s|$)|\n|$)/gi;
const ADDRESS_TRIGGERS =
  /box|lives? on|enter on|drops? you|[afd]po\b|us[sn]|apt|apartment|suite|ste\.|flat|fl\.|floor|address|moved|live|located|reside|ship|send|deliver/i;
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
  "as",
  "version",
  "released",
  "since",
  "until",
  "about",
  "around",
  "over",
  "under",
  "into",
  "then",
  "each",
  "every",
  "all",
  "more",
  "less",
  "only",
  "just",
  "also",
  "not",
  "no",
  "yes",
  "if",
  "so",
  "but",
  "up",
  "down",
  "points",
  "minutes",
  "hours",
  "days",
  "weeks",
  "months",
  "pages",
  "transactions",
]);

function findAddresses(text: string, T: Tok[], out: Hit[], lowerText: boolean): void {
  const hits: Hit[] = [];
  const add = (s: number, e: number, score: number, reason: string) =>
    push(hits, "street_address", s, e, score, "pii.street_address", reason);

  for (let i = 0; i < T.length; i++) {
    const t = T[i]!;
    if (t.nl) continue;
    if (t.num && t.len <= 6) {
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
          if (words >= 1 && words <= 4 && !function_ && !month && (capital || lowerText)) {
            add(t.s, x.e, 0.65, "number, street name, number");
          }
          break;
        }
        words++;
        if (x.m & B_FUNCTION_WORD) function_ = true;
        if (x.cap) capital = true;
        if (monthLike(x)) month = true;
        if (words === 1 && (x.km | x.m) & B_STREET_PREFIX && (x.cap || x.dot || lowerText || x.e - x.s > 2)) {
          // "770 26 rue des Lieutenants Thomazo", "69 Av Sidi Lakhmi": number, street type, name.
          let e = w;
          for (let v = w + 1; v < T.length && v - w <= 6; v++) {
            const y = T[v]!;
            if (y.nl || !adjacent(text, T[v - 1]!, y)) break;
            e = v;
            if (y.num) break;
          }
          if (e > w) add(t.s, T[e]!.e, 0.8, "number, street type and name");
          break;
        }
        if (words >= 1 && w > k && x.km & B_STREET_SUFFIX && (x.cap || !capital) && !function_) {
          const nx = T[w + 1];
          add(
            t.s,
            nx && nx.num && adjacent(text, x, nx) ? nx.e : x.e,
            0.85,
            "number, street name and street type",
          );
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
    if ((t.cap || t.dot || lowerText) && t.e - t.s <= 12 && (t.m | t.km) & B_STREET_PREFIX) {
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
    const nx = T[i + 1];
    if (nx && nx.num && nx.len <= 5 && (t.cap || lowerText) && adjacent(text, t, nx) && streetEnding(t))
      add(t.s, nx.e, 0.75, "compound street name and number");
  }
  // One cheap scan decides whether the three context regexes need to run at all.
  const triggers = ADDRESS_TRIGGERS.test(text);
  PO_RE.lastIndex = triggers ? 0 : text.length;
  for (let m = PO_RE.exec(text); m !== null; m = PO_RE.exec(text))
    add(m.index, m.index + m[0].length, 0.85, "postal box or military address");
  UNIT_RE.lastIndex = triggers ? 0 : text.length;
  for (let m = UNIT_RE.exec(text); m !== null; m = UNIT_RE.exec(text))
    add(m.index, m.index + m[0].length, 0.6, "apartment or suite number");
  CORNER_RE.lastIndex = 0;
  for (let m = CORNER_RE.exec(text); m !== null; m = CORNER_RE.exec(text))
    add(m.index, m.index + m[0].length, 0.75, "street corner");
  ADDRESS_CUE_RE.lastIndex = triggers ? 0 : text.length;
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

/** Overlap queries against a fixed set of spans: sorted starts plus a running maximum of ends. */
class SpanIndex {
  private readonly starts: number[];
  private readonly maxEnd: number[];
  private readonly spans: Hit[];
  constructor(spans: readonly Hit[], keep: (h: Hit) => boolean = () => true) {
    this.spans = spans.filter(keep).sort((a, b) => a.start - b.start);
    this.starts = this.spans.map((h) => h.start);
    this.maxEnd = [];
    let m = -1;
    for (const h of this.spans) this.maxEnd.push((m = Math.max(m, h.end)));
  }
  /** Index of the last span starting before `pos`, or -1. */
  private before(pos: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < pos) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return r;
  }
  overlaps(h: { start: number; end: number }): boolean {
    if (this.starts.length === 0) return false;
    const k = this.before(h.end);
    return k >= 0 && this.maxEnd[k]! > h.start;
  }
  /** Whether some span ends within [from, to]. */
  endsWithin(from: number, to: number): boolean {
    const k = this.before(to);
    for (let i = k; i >= 0 && i > k - 64; i--) {
      const e = this.spans[i]!.end;
      if (e >= from && e <= to) return true;
    }
    return false;
  }
}

/** Line bounds around `pos`. */
function lineAt(text: string, pos: number): [number, number] {
  const a = text.lastIndexOf("\n", pos - 1) + 1;
  let b = text.indexOf("\n", pos);
  if (b === -1) b = text.length;
  return [a, b];
}

const LABEL_LINE = /[:@]|https?|www\.|mobile|phone|fax|desk|office|e-mail|email|tel\b/i;
const LINE_PREFIX = /^[\s>?*•\-|]*/;

/**
 * Address blocks continue on the following short lines (unit, town, region, country and postcode),
 * as in postal formats (UPU S42); the block ends at a labelled line (phone, e-mail) or after one
 * blank line that is not followed by a postcode line.
 */
function extendBlock(text: string, h: Hit): void {
  let end = h.end;
  let lines = 0;
  let blank = 0;
  let pos = text.indexOf("\n", h.end);
  if (pos === -1 || text.slice(h.end, pos).trim().length > 40) return;
  while (pos !== -1 && lines < 5) {
    const [a, b] = lineAt(text, pos + 1);
    if (a >= text.length) break;
    const body = text.slice(a, b).replace(LINE_PREFIX, "").trim();
    if (body.length === 0) {
      if (++blank > 1) break;
      pos = b < text.length ? b : -1;
      continue;
    }
    if (body.length > 48 || LABEL_LINE.test(body) || body.split(/\s+/).length > 6) break;
    end = a + text.slice(a, b).trimEnd().length;
    lines++;
    blank = 0;
    pos = b < text.length ? b : -1;
  }
  h.end = Math.max(h.end, end);
}

/** In a signature or letter head ("Name / Company / Street …"), the short line above the address. */
function signatureOrg(text: string, addr: Hit, persons: SpanIndex, out: Hit[]): void {
  let [a] = lineAt(text, addr.start);
  if (text.slice(a, addr.start).replace(LINE_PREFIX, "").trim().length > 0) return;
  for (let up = 0; up < 4 && a > 0; up++) {
    const [la, lb] = lineAt(text, a - 1);
    const raw = text.slice(la, lb);
    const body = raw.replace(LINE_PREFIX, "").trim();
    a = la;
    if (body.length === 0) continue;
    if (persons.overlaps({ start: la, end: lb })) continue;
    if (body.length > 48 || /\d|:/.test(body) || body.split(/\s+/).length > 5) return;
    const words = body.split(/\s+/);
    const allCap = words.every((w) => /^\p{Lu}/u.test(w) || /^(?:and|&|of|de|the|y|und)$/i.test(w));
    const orgish = words.some((w) => ORG_WORDS.has(w.toLowerCase()) || ORG_SUFFIX.has(w.toLowerCase()));
    const personAbove = persons.endsWithin(la - 200, la);
    if ((allCap && personAbove) || orgish) {
      const s = la + raw.indexOf(body);
      push(out, "organization", s, s + body.length, 0.6, "pii.organization", "company line above an address");
    }
    return;
  }
}

/** The top line of a signature or letter head above an address: two or three name-shaped words. */
function signaturePerson(text: string, addr: Hit, persons: SpanIndex, orgs: SpanIndex, out: Hit[]): void {
  let [a] = lineAt(text, addr.start);
  if (text.slice(a, addr.start).replace(LINE_PREFIX, "").trim().length > 0) return;
  let candidate: [number, number] | undefined;
  for (let up = 0; up < 4 && a > 0; up++) {
    const [la, lb] = lineAt(text, a - 1);
    a = la;
    const raw = text.slice(la, lb);
    const body = raw.replace(LINE_PREFIX, "").trim();
    if (body.length === 0) continue;
    if (body.length > 40 || /[\d:@]/.test(body)) break;
    const words = body.split(/\s+/);
    const s = la + raw.indexOf(body);
    if (
      words.length >= 2 &&
      words.length <= 4 &&
      words.every(
        (w) => /^\p{Lu}[\p{L}'’-]*\.?$/u.test(w) && !STOP.has(w.toLowerCase().replace(/\.$/, "")),
      ) &&
      !words.some((w) => ORG_WORDS.has(w.toLowerCase()) || ORG_SUFFIX.has(w.toLowerCase()))
    )
      candidate = [s, s + body.length];
  }
  if (
    candidate &&
    !persons.overlaps({ start: candidate[0], end: candidate[1] }) &&
    !orgs.overlaps({ start: candidate[0], end: candidate[1] })
  )
    push(
      out,
      "person",
      candidate[0],
      candidate[1],
      0.7,
      "pii.person",
      "name line at the head of an address block",
    );
}

LEX.add(B_TITLE, TITLES);
LEX.add(B_PERSON_CUE, PERSON_CUES);
LEX.add(B_STOP, STOP);
LEX.add(B_AMBIGUOUS_FIRST, AMBIGUOUS_FIRST);
LEX.add(B_PARTICLE, PARTICLES);
LEX.add(B_STREET_SUFFIX, STREET_SUFFIX);
LEX.add(B_STREET_PREFIX, STREET_PREFIX);
LEX.add(B_ORG_SUFFIX, ORG_SUFFIX);
LEX.add(
  B_ORG_SUFFIX_DOT,
  [...ORG_SUFFIX].filter((w) => w.endsWith(".")).map((w) => w.slice(0, -1)),
);
LEX.add(B_ORG_WORD, ORG_WORDS);
LEX.add(B_ORG_CUE, ORG_CUES);
LEX.add(B_PLACE, PLACES);
LEX.add(B_FIRST, FIRST);
LEX.add(B_SUR, SUR);
LEX.add(B_LOWER_CUE, LOWER_CUES);
LEX.add(B_NAME_LABEL, NAME_LABELS);
LEX.add(B_VOCATIVE_NEXT, VOCATIVE_NEXT);
LEX.add(B_PERSON_VERB, PERSON_VERBS);
LEX.add(B_NAME_VERB, NAME_VERBS);
LEX.add(B_SONS, SONS);
LEX.add(B_PLACE_VERB, PLACE_VERBS);
LEX.add(B_LEGAL_WORD, LEGAL_WORDS);
LEX.add(B_DETERMINER, DETERMINERS);
LEX.add(B_ORG_NOUN, ORG_NOUNS);
LEX.add(B_ORG_AFTER, ORG_AFTER);
LEX.add(B_FUNCTION_WORD, FUNCTION_WORDS);

const ASCII_DIGIT = /[0-9]/;

/** Token objects reused from one text to the next (the detector is synchronous). */
const TOKENS = new TokenBuffer();

/** Person names, street addresses and organisations. */
export function findEntities(
  text: string,
  out: Hit[],
  kinds: ReadonlySet<string>,
  ctx: EntityContext = {},
): void {
  if (text.length === 0) return;
  const addresses: Hit[] = [];
  const orgs: Hit[] = [];
  const persons: Hit[] = [];
  if (!kinds.has("person") && !kinds.has("organization") && !ASCII_DIGIT.test(text)) {
    // Addresses alone, and no digit: every token rule of findAddresses needs a number token (a run
    // of ASCII digits), so only its patterns can match; the text need not be tokenised (most rows
    // of a dataset scanned for PII of medium severity and up).
    findAddresses(text, [], addresses, false);
  } else {
    try {
      const T = TOKENS.tokenize(text, LEX);
      if (T.length === 0) return;
      const lowerText = ctx.lowerText ?? !T.some((t) => t.cap);
      findAddresses(text, T, addresses, lowerText);
      if (kinds.has("organization")) findOrganizations(text, T, orgs, lowerText);
      if (kinds.has("person")) findPersons(text, T, persons, lowerText, ctx);
    } finally {
      TOKENS.release();
    }
  }
  for (const h of addresses) extendBlock(text, h);
  // A name inside an address is a street or town name ("Via Franscini 71", "Victor Hugo 12").
  const addrIndex = new SpanIndex(addresses);
  const inAddress = (h: Hit) => addrIndex.overlaps(h);
  // A name inside an organisation name is part of the firm ("Clark, Romero and Hall").
  const orgIndex = new SpanIndex(orgs, (o) => o.score >= 0.7);
  const inOrg = (h: Hit) => orgIndex.overlaps(h);
  const keptPersons = persons.filter((p) => !inAddress(p) && !inOrg(p));
  if (addresses.length > 0) {
    // Signature blocks and letter heads: the lines above an address.
    const personIndex = new SpanIndex(keptPersons);
    if (kinds.has("organization")) for (const a of addresses) signatureOrg(text, a, personIndex, orgs);
    if (kinds.has("person")) {
      const orgIndex2 = new SpanIndex(orgs);
      for (const a of addresses) signaturePerson(text, a, personIndex, orgIndex2, keptPersons);
    }
  }
  // Loops rather than spread arguments: a long document can have more hits than a call takes.
  if (kinds.has("street_address")) for (const h of addresses) out.push(h);
  for (const o of orgs) if (!inAddress(o)) out.push(o);
  for (const p of keptPersons) out.push(p);
}
