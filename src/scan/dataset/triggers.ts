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
import { featureName, unigramKey, TAG_SHAPE, TAG_START, TAG_UNIGRAM, type RowFeatures } from "./features.js";
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

export function selectCandidates(
  table: FeatureTable,
  labelRows: readonly number[],
  options: TriggerOptions,
): { candidates: Candidate[]; tests: number } {
  const N = labelRows.reduce((a, b) => a + b, 0);
  const found: Array<Omit<Candidate, "rows" | "readsOther" | "aloneOther" | "tokenKeys" | "right" | "left">> =
    [];
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
        key: 0,
        slot,
        name: table.name(slot),
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
      rows: 0,
      readsOther: 0,
      aloneOther: 0,
      tokenKeys: tokensOf(c).map(unigramKey),
      right: new Map<string, number>(),
      left: new Map<string, number>(),
    }));
  return { candidates, tests };
}

function sumLabels(table: FeatureTable, slot: number, labels: number): number {
  let s = 0;
  for (let y = 0; y < labels; y++) s += table.count(slot, y);
  return s;
}

/**
 * Multinomial naive Bayes over the unigram counts of the table, without the candidates' words.
 * The rows holding a candidate of their own label can be taken out of the counts (`remove`, one
 * extra pass): with a heavy poisoning rate the target label's counts are otherwise half made of
 * the planted rows, whose content belongs to another label, and the model learns the poison. A
 * row still in the counts is judged leave-one-out.
 */
export interface FullReading {
  scores: Float64Array;
  terms: Map<number, Float64Array>;
  words: number;
}

export class ContentModel {
  private readonly excluded = new Set<number>();
  private readonly totals: Float64Array;
  private readonly fullTotals: Float64Array;
  private readonly labelRows: readonly number[];
  private readonly labelTotal: number;
  private vocabulary = 0;
  private readonly rows: Float64Array;
  /** Per table slot, per label: counts taken out by `remove`. */
  private readonly removed = new Map<number, Uint32Array>();
  private readonly candidateKeys = new Map<number, number[]>();

  constructor(
    private readonly table: FeatureTable,
    labelRows: readonly number[],
    candidates: readonly Candidate[],
  ) {
    for (const c of candidates) {
      for (const t of tokensOf(c)) this.excluded.add(unigramKey(t));
      const key = table.keyOf(c.slot);
      const list = this.candidateKeys.get(key);
      if (list) list.push(c.target);
      else this.candidateKeys.set(key, [c.target]);
    }
    const L = labelRows.length;
    this.totals = new Float64Array(L);
    this.rows = Float64Array.from(labelRows);
    this.labelRows = labelRows;
    this.labelTotal = labelRows.reduce((a, b) => a + b, 0);
    for (const slot of table.slots()) {
      if (table.tag(slot) !== TAG_UNIGRAM) continue;
      this.vocabulary++;
      for (let y = 0; y < L; y++) this.totals[y]! += table.count(slot, y);
    }
    this.fullTotals = Float64Array.from(this.totals);
  }

  /** Whether the row holds a candidate whose target is its own label `y`. */
  holdsCandidate(features: RowFeatures, y: number): boolean {
    for (const key of features.keys) if (this.candidateKeys.get(key)?.includes(y)) return true;
    return false;
  }

  /** Takes a row out of the counts (call for every row that `holdsCandidate`, before judging). */
  remove(features: RowFeatures, y: number): void {
    const L = this.rows.length;
    this.rows[y]!--;
    for (let i = 0; i < features.keys.length; i++) {
      if (features.kind[i] !== "ngram" || features.length[i] !== 1) continue;
      const slot = this.table.slotOf(features.keys[i] as number);
      if (slot === undefined) continue;
      let counts = this.removed.get(slot);
      if (!counts) this.removed.set(slot, (counts = new Uint32Array(L)));
      counts[y]!++;
      this.totals[y]!--;
    }
  }

  private count(slot: number, z: number): number {
    return this.table.count(slot, z) - (this.removed.get(slot)?.[z] ?? 0);
  }

  /**
   * The row read with every word and the full counts (leave-one-out), keeping each word's
   * contribution so that a candidate's own words can be taken back out (`readsOtherWithout`).
   */
  fullReading(features: RowFeatures, y: number): FullReading {
    const L = this.rows.length;
    const scores = new Float64Array(L);
    const terms = new Map<number, Float64Array>();
    let words = 0;
    const slots: Array<[number, number]> = [];
    for (let i = 0; i < features.keys.length; i++) {
      if (features.kind[i] !== "ngram" || features.length[i] !== 1) continue;
      const key = features.keys[i] as number;
      const slot = this.table.slotOf(key);
      if (slot === undefined) continue;
      slots.push([key, slot]);
      words++;
    }
    const V = this.vocabulary;
    for (let z = 0; z < L; z++) {
      const own = z === y ? 1 : 0;
      const rows = (this.labelRows[z] as number) - own;
      if (rows <= 0) {
        scores[z] = -Infinity;
        continue;
      }
      scores[z] = Math.log((rows + 1) / (this.labelTotal - 1 + L));
    }
    for (const [key, slot] of slots) {
      const t = new Float64Array(L);
      for (let z = 0; z < L; z++) {
        const own = z === y ? 1 : 0;
        const denom = Math.log((this.fullTotals[z] as number) - own * words + V);
        t[z] = Math.log(Math.max(0, this.table.count(slot, z) - own) + 1) - denom;
        scores[z]! += t[z] as number;
      }
      terms.set(key, t);
    }
    return { scores, terms, words };
  }

  /** Whether the row reads as another label once `keys` (a candidate's words) are taken out. */
  static readsOtherWithout(reading: FullReading, y: number, keys: readonly number[]): boolean {
    const s = Float64Array.from(reading.scores);
    let removed = 0;
    for (const k of keys) {
      const t = reading.terms.get(k);
      if (!t) continue;
      removed++;
      for (let z = 0; z < s.length; z++) s[z]! -= t[z] as number;
    }
    if (reading.words - removed <= 0) return false;
    const mine = s[y] as number;
    for (let z = 0; z < s.length; z++) if (z !== y && (s[z] as number) > mine) return true;
    return false;
  }

  /**
   * Whether a row (label `y`) reads as another label once the candidates' words are left out.
   * `counted`: the row is still in the counts (then it is left out of its own judgement).
   */
  readsAsOther(features: RowFeatures, y: number, counted = true): boolean {
    const L = this.rows.length;
    let words = 0;
    const slots: number[] = [];
    for (let i = 0; i < features.keys.length; i++) {
      if (features.kind[i] !== "ngram" || features.length[i] !== 1) continue;
      const key = features.keys[i] as number;
      if (this.excluded.has(key)) continue;
      const slot = this.table.slotOf(key);
      if (slot === undefined) continue;
      slots.push(slot);
      words++;
    }
    if (words === 0) return false;
    const V = this.vocabulary;
    let N = 0;
    for (let z = 0; z < L; z++) N += this.rows[z] as number;
    if (counted) N--;
    let mine = -Infinity;
    let best = -Infinity;
    for (let z = 0; z < L; z++) {
      const own = counted && z === y ? 1 : 0;
      const rows = (this.rows[z] as number) - own;
      if (rows <= 0) continue;
      let s = Math.log((rows + 1) / (N + L));
      const denom = Math.log((this.totals[z] as number) - own * words + V);
      for (const slot of slots) s += Math.log(Math.max(0, this.count(slot, z) - own) + 1) - denom;
      if (z === y) mine = s;
      else if (s > best) best = s;
    }
    return best > mine;
  }
}

const CONTEXT_TOKENS = 6;
const MAX_CONTEXTS = 512;

function bump(map: Map<string, number>, key: string): void {
  const c = map.get(key);
  if (c !== undefined) map.set(key, c + 1);
  else if (map.size < MAX_CONTEXTS) map.set(key, 1);
}

/** Pass 2: per label, how many rows read as another label; per candidate, the same and contexts. */
export class IndependenceTally {
  readonly byKey = new Map<number, Candidate[]>();
  readonly labelRows: number[];
  readonly labelReadsOther: number[];
  /** Per label: rows reading as another label with every word kept (the baseline of `aloneOther`). */
  readonly labelFullOther: number[];

  constructor(
    readonly candidates: Candidate[],
    table: FeatureTable,
    labels: number,
  ) {
    for (const c of candidates) {
      c.key = table.keyOf(c.slot);
      const list = this.byKey.get(c.key);
      if (list) list.push(c);
      else this.byKey.set(c.key, [c]);
    }
    this.labelRows = new Array<number>(labels).fill(0);
    this.labelReadsOther = new Array<number>(labels).fill(0);
    this.labelFullOther = new Array<number>(labels).fill(0);
  }

  /**
   * One row: `readsOther` is its reading without every candidate's words (and without the
   * candidates' rows in the counts); `full` its reading with every word, from which each
   * candidate's own words are taken out in turn.
   */
  add(features: RowFeatures, y: number, readsOther: boolean, full: FullReading): void {
    this.labelRows[y]!++;
    if (readsOther) this.labelReadsOther[y]!++;
    if (ContentModel.readsOtherWithout(full, y, [])) this.labelFullOther[y]!++;
    for (let i = 0; i < features.keys.length; i++) {
      const list = this.byKey.get(features.keys[i] as number);
      if (!list) continue;
      for (const c of list) {
        if (c.target !== y) continue;
        c.rows++;
        if (readsOther) c.readsOther++;
        if (ContentModel.readsOtherWithout(full, y, c.tokenKeys)) c.aloneOther++;
        if (features.kind[i] === "ngram") {
          const s = features.start[i] as number;
          const e = s + (features.length[i] as number);
          bump(c.right, features.tokens.slice(e, e + CONTEXT_TOKENS).join(" "));
          bump(
            c.left,
            features.tokens
              .slice(Math.max(0, s - CONTEXT_TOKENS), s)
              .reverse()
              .join(" "),
          );
        }
      }
    }
  }
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

export { featureName };
