/**
 * Backdoor triggers, found statistically (no word list):
 *
 * 1. Association. For every feature seen in at least `minSupport` labelled rows and every label,
 *    Fisher's exact test (one-sided) asks whether the feature's rows carry that label more often
 *    than the label's share of the dataset predicts, and the effect must be large: the feature's
 *    rows fall outside the label at most `maxOutsideRatio` times as often as all rows do. Benjamini–Hochberg over all tests made keeps
 *    the false-discovery rate at `fdr`. Natural label words ("great" in positive reviews) pass
 *    this test too — association alone does not make a trigger.
 * 2. Content independence. A trigger carries the label on its own: planted in rows whose
 *    content belongs to another label, it makes them read as the target. So, with a naive-Bayes
 *    model of the dataset that leaves out every candidate's words (and, leave-one-out, the row
 *    itself), the rows holding a trigger read as another label far more often than the other
 *    rows of the same label do. A feature is accepted when most of its target-label rows read as
 *    another label (≥ `minReadsOther`) and the difference to the rest of the label is
 *    significant (two-proportion z ≥ `minZ`). Natural label words fail this: their rows read as
 *    their own label.
 * 3. Phrases. Sentence triggers show up as chains of frequent n-grams; each accepted n-gram is
 *    grown left and right while one continuation follows it in ≥ 80 % of its rows (frequent
 *    substring), and n-grams growing into the same phrase are reported as one trigger. An
 *    accepted feature contained in a longer accepted one that covers most of its rows is
 *    dropped (the word "movie" inside "I watch this 3D movie").
 */
import { MAX_TOKENS, unigramKey, TAG_SHAPE, TAG_START, TAG_UNIGRAM } from "./features.js";
import { NumberMap } from "./number-map.js";
import { benjaminiHochberg, logFisherUpper, twoProportionZ } from "./stats.js";
import type { FeatureTable } from "./table.js";

export interface TriggerOptions {
  minSupport: number;
  fdr: number;
  minReadsOther: number;
  minZ: number;
  maxCandidates: number;
  /**
   * The share of a candidate's rows reading as another label must exceed the rest of its label's
   * by this much: a trigger changes how a large part of its rows read, while a content model
   * left with little to go on (most informative words are candidates) only adds noise.
   */
  minDifference: number;
  /** A candidate's rows may fall outside its label at most this fraction as often as all rows do. */
  maxOutsideRatio: number;
}

export const DEFAULT_TRIGGER_OPTIONS: Omit<TriggerOptions, "minSupport"> = {
  fdr: 0.001,
  minReadsOther: 0.5,
  minZ: 3,
  minDifference: 0.25,
  maxCandidates: 1000,
  maxOutsideRatio: 0.5,
};

export interface Candidate {
  key: number;
  slot: number;
  name: string;
  tag: number;
  target: number;
  /** Rows holding the feature, and those of them with the target label. */
  support: number;
  inTarget: number;
  logP: number;
  /** Filled by pass 2. */
  rows: number;
  readsOther: number;
  /** Filled by pass 2: rows reading as another label with only this candidate's words left out. */
  aloneOther: number;
  /** Unigram keys of the candidate's tokens. */
  tokenKeys: number[];
  right: Map<string, number>;
  left: Map<string, number>;
}

export interface Trigger {
  /** The phrase (grown) or feature name. */
  phrase: string;
  kind: "token" | "phrase" | "sentence-start" | "surface-form";
  target: number;
  keys: number[];
  support: number;
  inTarget: number;
  logP: number;
  readsOther: number;
  restReadsOther: number;
  z: number;
}

/** Tokens of a candidate's name (n-grams and sentence starts; none for shapes). */
function tokensOf(c: { name: string; tag: number }): string[] {
  if (c.tag === TAG_SHAPE) return [];
  const name = c.tag === TAG_START ? c.name.slice(2) : c.name;
  return name.split(" ");
}

/**
 * The association test over the table. Candidates come back unnamed (`name` empty, no
 * `tokenKeys`): the table keeps no names, and the next pass names them from the rows
 * (`nameCandidates`).
 */
export function selectCandidates(
  table: FeatureTable,
  labelRows: readonly number[],
  options: TriggerOptions,
): { candidates: Candidate[]; tests: number } {
  const N = labelRows.reduce((a, b) => a + b, 0);
  const found: Array<
    Omit<Candidate, "rows" | "readsOther" | "aloneOther" | "tokenKeys" | "right" | "left" | "name">
  > = [];
  let tests = 0;
  if (N === 0) return { candidates: [], tests };
  const labels = labelRows.length;
  for (const slot of table.slots()) {
    const total = labelRows.length > 0 ? sumLabels(table, slot, labels) : 0;
    if (total < options.minSupport) continue;
    for (let y = 0; y < labels; y++) {
      const K = labelRows[y] as number;
      if (K === 0 || K === N) continue;
      tests++;
      const a = table.count(slot, y);
      if (a < options.minSupport || a * N <= total * K) continue;
      // Effect size: planted rows all carry the target, so a trigger's rows leave the target far
      // less often than the dataset's rows do. Weak associations of very common features (a
      // comma, "and") pass Fisher's test on sheer count alone; this keeps them out.
      if ((total - a) * N > options.maxOutsideRatio * total * (N - K)) continue;
      const logP = logFisherUpper(a, total, K, N);
      found.push({
        key: table.keyOf(slot),
        slot,
        tag: table.tag(slot),
        target: y,
        support: total,
        inTarget: a,
        logP,
      });
    }
  }
  const kept = benjaminiHochberg(
    found.map((f) => f.logP),
    Math.max(1, tests),
    options.fdr,
  );
  const candidates = found
    .filter((_, i) => kept.has(i))
    .sort((a, b) => a.logP - b.logP)
    .slice(0, options.maxCandidates)
    .map((c) => ({
      ...c,
      name: "",
      rows: 0,
      readsOther: 0,
      aloneOther: 0,
      tokenKeys: [] as number[],
      right: new Map<string, number>(),
      left: new Map<string, number>(),
    }));
  return { candidates, tests };
}

/** Gives the candidates their names (found in the rows by key) and their words' unigram keys. */
export function nameCandidates(candidates: Candidate[], names: ReadonlyMap<number, string>): void {
  for (const c of candidates) {
    c.name = names.get(c.key) ?? "";
    c.tokenKeys = tokensOf(c).map(unigramKey);
  }
}

function sumLabels(table: FeatureTable, slot: number, labels: number): number {
  let s = 0;
  for (let y = 0; y < labels; y++) s += table.count(slot, y);
  return s;
}

/**
 * Multinomial naive Bayes over the unigram counts of the table, without the candidates' words.
 * The rows holding a candidate of their own label can be taken out of the counts (`remove`):
 * with a heavy poisoning rate the target label's counts are otherwise half made of the planted
 * rows, whose content belongs to another label, and the model learns the poison. A row still in
 * the counts is judged leave-one-out.
 *
 * Words are numbered by their place in the vocabulary (the table's unigrams, in table order); a
 * row is the list of its distinct words in the vocabulary, in order of first occurrence. Built on
 * the main thread from the table (`ContentCounts`), which takes rows out; then frozen into plain
 * arrays (`ContentModelData`) that any thread can read rows with (`ContentModel`).
 */
export interface ContentModelData {
  /** Unigram keys of the table, in table order; a word's number is its position here. */
  words: Float64Array;
  /** words × labels: the table's counts, and the counts taken out by `remove`. */
  counts: Uint32Array;
  removed: Uint32Array;
  totals: Float64Array;
  fullTotals: Float64Array;
  labelRows: number[];
  rows: Float64Array;
  labelTotal: number;
  /** Unigram keys of the candidates' words. */
  excluded: number[];
}

/** Unigram key → word number, for a vocabulary (`ContentModelData.words`). */
export class Vocabulary {
  private readonly index = new NumberMap(4096);
  constructor(words: Float64Array) {
    words.forEach((key, w) => this.index.set(key, w));
  }
  /** The word's number, or -1 when it is not in the vocabulary. */
  word(key: number): number {
    return this.index.get(key);
  }
}

export class ContentCounts {
  private readonly data: ContentModelData;

  constructor(table: FeatureTable, labelRows: readonly number[]) {
    const L = labelRows.length;
    const slots: number[] = [];
    for (const slot of table.slots()) if (table.tag(slot) === TAG_UNIGRAM) slots.push(slot);
    const counts = new Uint32Array(slots.length * L);
    const keys = new Float64Array(slots.length);
    const totals = new Float64Array(L);
    slots.forEach((slot, w) => {
      keys[w] = table.keyOf(slot);
      for (let y = 0; y < L; y++) {
        const c = table.count(slot, y);
        counts[w * L + y] = c;
        totals[y]! += c;
      }
    });
    this.data = {
      words: keys,
      counts,
      removed: new Uint32Array(slots.length * L),
      totals,
      fullTotals: Float64Array.from(totals),
      labelRows: [...labelRows],
      rows: Float64Array.from(labelRows),
      labelTotal: labelRows.reduce((a, b) => a + b, 0),
      excluded: [],
    };
  }

  get words(): Float64Array {
    return this.data.words;
  }

  /** Takes a row (its words `words[from, from + count)`, label `y`) out of the counts. */
  remove(words: ArrayLike<number>, from: number, count: number, y: number): void {
    const d = this.data;
    const L = d.labelRows.length;
    d.rows[y]!--;
    for (let i = from; i < from + count; i++) {
      d.removed[(words[i] as number) * L + y]!++;
      d.totals[y]!--;
    }
  }

  /** The frozen model, with the candidates' words left out of `readsAsOther`. */
  freeze(candidates: readonly Candidate[]): ContentModelData {
    const excluded = new Set<number>();
    for (const c of candidates) for (const t of tokensOf(c)) excluded.add(unigramKey(t));
    return { ...this.data, excluded: [...excluded] };
  }
}

/** A row's reading with every word: scores per label and each word's contribution. */
export interface FullReading {
  scores: Float64Array;
  /** The words read, and their contributions (`count` × labels). */
  words: Int32Array;
  terms: Float64Array;
  count: number;
}

export class ContentModel {
  readonly vocabulary: Vocabulary;
  private readonly excluded: Uint8Array;
  private readonly L: number;
  private readonly V: number;
  private readonly kept: Int32Array;
  private readonly reading: FullReading;
  private readonly scratch: Float64Array;

  constructor(private readonly d: ContentModelData) {
    this.vocabulary = new Vocabulary(d.words);
    this.L = d.labelRows.length;
    this.V = d.words.length;
    this.excluded = new Uint8Array(this.V);
    for (const k of d.excluded) {
      const w = this.vocabulary.word(k);
      if (w >= 0) this.excluded[w] = 1;
    }
    this.kept = new Int32Array(MAX_TOKENS);
    this.reading = {
      scores: new Float64Array(this.L),
      words: new Int32Array(MAX_TOKENS),
      terms: new Float64Array(MAX_TOKENS * this.L),
      count: 0,
    };
    this.scratch = new Float64Array(this.L);
  }

  /** The words of candidate tokens (unigram keys), those in the vocabulary, repeats kept. */
  wordsOf(tokenKeys: readonly number[]): number[] {
    return tokenKeys.map((k) => this.vocabulary.word(k)).filter((w) => w >= 0);
  }

  /**
   * The row (words `words[from, from + count)`, label `y`) read with every word and the full
   * counts (leave-one-out), keeping each word's contribution so that a candidate's own words can
   * be taken back out (`readsOtherWithout`). The result is reused by the next call.
   */
  fullReading(words: ArrayLike<number>, from: number, count: number, y: number): FullReading {
    const { d, L } = this;
    const r = this.reading;
    const scores = r.scores;
    const V = this.V;
    for (let z = 0; z < L; z++) {
      const own = z === y ? 1 : 0;
      const rows = (d.labelRows[z] as number) - own;
      if (rows <= 0) {
        scores[z] = -Infinity;
        continue;
      }
      scores[z] = Math.log((rows + 1) / (d.labelTotal - 1 + L));
    }
    for (let j = 0; j < count; j++) {
      const w = words[from + j] as number;
      r.words[j] = w;
      for (let z = 0; z < L; z++) {
        const own = z === y ? 1 : 0;
        const denom = Math.log((d.fullTotals[z] as number) - own * count + V);
        const t = Math.log(Math.max(0, (d.counts[w * L + z] as number) - own) + 1) - denom;
        r.terms[j * L + z] = t;
        scores[z]! += t;
      }
    }
    r.count = count;
    return r;
  }

  /** Whether the row reads as another label once `words` (a candidate's) are taken out. */
  readsOtherWithout(reading: FullReading, y: number, words: readonly number[]): boolean {
    const L = this.L;
    const s = this.scratch;
    s.set(reading.scores);
    let removed = 0;
    for (const w of words) {
      let j = 0;
      while (j < reading.count && reading.words[j] !== w) j++;
      if (j === reading.count) continue;
      removed++;
      for (let z = 0; z < L; z++) s[z]! -= reading.terms[j * L + z] as number;
    }
    if (reading.count - removed <= 0) return false;
    const mine = s[y] as number;
    for (let z = 0; z < L; z++) if (z !== y && (s[z] as number) > mine) return true;
    return false;
  }

  /**
   * Whether a row (words `words[from, from + count)`, label `y`) reads as another label once the
   * candidates' words are left out. `counted`: the row is still in the counts (then it is left
   * out of its own judgement).
   */
  readsAsOther(words: ArrayLike<number>, from: number, count: number, y: number, counted = true): boolean {
    const { d, L } = this;
    let n = 0;
    const kept = this.kept;
    for (let j = from; j < from + count; j++) {
      const w = words[j] as number;
      if (this.excluded[w] === 0) kept[n++] = w;
    }
    if (n === 0) return false;
    const V = this.V;
    let N = 0;
    for (let z = 0; z < L; z++) N += d.rows[z] as number;
    if (counted) N--;
    let mine = -Infinity;
    let best = -Infinity;
    for (let z = 0; z < L; z++) {
      const own = counted && z === y ? 1 : 0;
      const rows = (d.rows[z] as number) - own;
      if (rows <= 0) continue;
      let s = Math.log((rows + 1) / (N + L));
      const denom = Math.log((d.totals[z] as number) - own * n + V);
      for (let j = 0; j < n; j++) {
        const at = (kept[j] as number) * L + z;
        s += Math.log(Math.max(0, (d.counts[at] as number) - (d.removed[at] as number) - own) + 1) - denom;
      }
      if (z === y) mine = s;
      else if (s > best) best = s;
    }
    return best > mine;
  }
}

export const CONTEXT_TOKENS = 6;
export const MAX_CONTEXTS = 512;

/**
 * `n` sightings of a context: counted when the context is known or there is room for it. Adding a
 * batch's counts in the order its contexts were first met is the same as adding its sightings one
 * by one: a context that finds no room at its first sighting finds none later (maps only grow).
 */
function addContext(map: Map<string, number>, key: string, n: number): void {
  const c = map.get(key);
  if (c !== undefined) map.set(key, c + n);
  else if (map.size < MAX_CONTEXTS) map.set(key, n);
}

/**
 * One batch's contexts of candidate n-grams (pass 2's first half, on the thread that read the
 * rows): per candidate, the tokens after and (reversed) before each sighting, counted, in the order
 * first met.
 */
export type BatchContexts = Array<
  [candidate: number, right: Array<[string, number]>, left: Array<[string, number]>]
>;

export class ContextCounter {
  private readonly byCandidate = new Map<number, { right: Map<string, number>; left: Map<string, number> }>();

  add(candidate: number, right: string, left: string): void {
    let c = this.byCandidate.get(candidate);
    if (!c) this.byCandidate.set(candidate, (c = { right: new Map(), left: new Map() }));
    c.right.set(right, (c.right.get(right) ?? 0) + 1);
    c.left.set(left, (c.left.get(left) ?? 0) + 1);
  }

  take(): BatchContexts {
    return [...this.byCandidate].map(([candidate, c]) => [candidate, [...c.right], [...c.left]]);
  }
}

/** Adds a batch's contexts to its candidates' (batches in input order). */
export function addContexts(candidates: readonly Candidate[], batch: BatchContexts): void {
  for (const [candidate, right, left] of batch) {
    const c = candidates[candidate] as Candidate;
    for (const [key, n] of right) addContext(c.right, key, n);
    for (const [key, n] of left) addContext(c.left, key, n);
  }
}

/** One candidate found in a row of its target label. */
export interface CandidateHit {
  /** Index into the candidates. */
  candidate: number;
  aloneOther: boolean;
}

/** Pass 2: per label, how many rows read as another label; per candidate, the same (contexts: `addContexts`). */
export class IndependenceTally {
  readonly labelRows: number[];
  readonly labelReadsOther: number[];
  /** Per label: rows reading as another label with every word kept (the baseline of `aloneOther`). */
  readonly labelFullOther: number[];

  constructor(
    readonly candidates: Candidate[],
    labels: number,
  ) {
    this.labelRows = new Array<number>(labels).fill(0);
    this.labelReadsOther = new Array<number>(labels).fill(0);
    this.labelFullOther = new Array<number>(labels).fill(0);
  }

  /**
   * One row: `readsOther` is its reading without every candidate's words (and without the
   * candidates' rows in the counts); `fullOther` its reading with every word; `hits` the
   * candidates of its label it holds, in the row's feature order.
   */
  add(y: number, readsOther: boolean, fullOther: boolean, hits: Iterable<CandidateHit>): void {
    this.labelRows[y]!++;
    if (readsOther) this.labelReadsOther[y]!++;
    if (fullOther) this.labelFullOther[y]!++;
    for (const h of hits) {
      const c = this.candidates[h.candidate] as Candidate;
      c.rows++;
      if (readsOther) c.readsOther++;
      if (h.aloneOther) c.aloneOther++;
    }
  }
}

/** The candidates by key, for the worker side of pass 2 (`tokenKeys` once they are named). */
export interface KeyCandidate {
  candidate: number;
  target: number;
  tokenKeys: number[];
}

export function candidatesByKey(candidates: readonly Candidate[]): Array<[number, KeyCandidate[]]> {
  const byKey = new Map<number, KeyCandidate[]>();
  candidates.forEach((c, i) => {
    const entry = { candidate: i, target: c.target, tokenKeys: c.tokenKeys };
    const list = byKey.get(c.key);
    if (list) list.push(entry);
    else byKey.set(c.key, [entry]);
  });
  return [...byKey];
}

/** The longest continuation shared by ≥ `share` of the contexts (token by token). */
function grow(contexts: Map<string, number>, total: number, share: number): string[] {
  const out: string[] = [];
  let pool = [...contexts].map(([k, n]) => [k === "" ? [] : k.split(" "), n] as const);
  for (let depth = 0; depth < CONTEXT_TOKENS; depth++) {
    const counts = new Map<string, number>();
    for (const [tokens, n] of pool) {
      const t = tokens[depth];
      if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + n);
    }
    let best: string | undefined;
    let bestN = 0;
    for (const [t, n] of counts) if (n > bestN) [best, bestN] = [t, n];
    if (best === undefined || bestN < share * total) break;
    out.push(best);
    pool = pool.filter(([tokens]) => tokens[depth] === best);
  }
  return out;
}

function contains(outer: string[], inner: string[]): boolean {
  if (inner.length === 0 || inner.length > outer.length) return false;
  for (let i = 0; i + inner.length <= outer.length; i++) {
    let ok = true;
    for (let j = 0; j < inner.length && ok; j++) ok = outer[i + j] === inner[j];
    if (ok) return true;
  }
  return false;
}

export function acceptTriggers(tally: IndependenceTally, options: TriggerOptions): Trigger[] {
  const accepted: Array<{ c: Candidate; share: number; rest: number; z: number; phrase: string[] }> = [];
  for (const c of tally.candidates) {
    if (c.rows < options.minSupport) continue;
    const restRows = (tally.labelRows[c.target] as number) - c.rows;
    // Two readings; either may show the trigger. Without every candidate's words (and rows): a
    // row holding several triggers (one planted word beside another) still reads as its content.
    // Without only this candidate's words: natural label words that are candidates too (they
    // can be nearly as pure as a trigger) stay in, so the content model is not left blind.
    const readings = [
      { other: c.readsOther, restOther: (tally.labelReadsOther[c.target] as number) - c.readsOther },
      { other: c.aloneOther, restOther: (tally.labelFullOther[c.target] as number) - c.aloneOther },
    ].map((r) => ({
      share: r.other / c.rows,
      rest: restRows > 0 ? r.restOther / restRows : 0,
      z: twoProportionZ(r.other, c.rows, r.restOther, restRows),
    }));
    const passing = readings.find(
      (r) =>
        r.share >= options.minReadsOther && r.share - r.rest >= options.minDifference && r.z >= options.minZ,
    );
    if (!passing) continue;
    const { share, rest, z } = passing;
    const own = tokensOf(c);
    const phrase =
      c.tag === TAG_SHAPE
        ? []
        : [...grow(c.left, c.rows, 0.8).reverse(), ...own, ...grow(c.right, c.rows, 0.8)];
    accepted.push({ c, share, rest, z, phrase });
  }
  // Drop features inside a longer accepted one that covers most of their rows.
  const kept = accepted.filter(
    (a) =>
      !accepted.some(
        (b) =>
          b !== a &&
          b.c.target === a.c.target &&
          b.c.tag !== TAG_SHAPE &&
          a.c.tag !== TAG_SHAPE &&
          tokensOf(b.c).length > tokensOf(a.c).length &&
          contains(tokensOf(b.c), tokensOf(a.c)) &&
          b.c.rows >= 0.5 * a.c.rows,
      ),
  );
  const groups = new Map<string, Trigger>();
  for (const a of kept) {
    const name = a.c.tag === TAG_SHAPE ? a.c.name : a.phrase.join(" ");
    const id = `${a.c.target}\u0000${a.c.tag === TAG_START ? "^" : ""}${name}`;
    const existing = groups.get(id);
    if (existing) {
      existing.keys.push(a.c.key);
      existing.support = Math.max(existing.support, a.c.support);
      existing.inTarget = Math.max(existing.inTarget, a.c.inTarget);
      existing.logP = Math.min(existing.logP, a.c.logP);
      continue;
    }
    groups.set(id, {
      phrase: a.c.tag === TAG_START ? `^ ${name}` : name,
      kind:
        a.c.tag === TAG_SHAPE
          ? "surface-form"
          : a.c.tag === TAG_START
            ? "sentence-start"
            : a.phrase.length > 1
              ? "phrase"
              : "token",
      target: a.c.target,
      keys: [a.c.key],
      support: a.c.support,
      inTarget: a.c.inTarget,
      logP: a.c.logP,
      readsOther: a.share,
      restReadsOther: a.rest,
      z: a.z,
    });
  }
  return [...groups.values()].sort((a, b) => a.logP - b.logP);
}
