/**
 * Metric helpers of `npm run eval`, kept free of I/O so that the tests can pin them.
 *
 * Binary detection reuses the counting of the training pipeline (`scripts/train/evaluate.ts`:
 * precision, recall, false-positive rate and balanced accuracy, the PINT metric), so the two
 * reports cannot disagree on a definition. Span metrics follow Presidio's evaluation: a gold span
 * is found when a prediction of the mapped kind overlaps it, and a prediction is correct when it
 * overlaps a gold span whose label maps to its kind (overlap matching, micro-averaged).
 */
import { metrics as trainMetrics, type Metrics, type Scored } from "../train/evaluate.js";

export type { Metrics };

/** One labelled decision: was the row an attack, and did the system flag it. */
export interface Decision {
  positive: boolean;
  flagged: boolean;
  /**
   * How many rows of the full set this row stands for (stratified sampling of a slow system);
   * 1 when every row was run. Counts (n, pos, tp, fp) stay raw; the rates are weighted.
   */
  weight?: number;
}

/** Precision, recall, FPR and balanced accuracy ((TPR + TNR) / 2) of a set of decisions. */
export function binaryMetrics(rows: Iterable<Decision>): Metrics {
  const list = [...rows];
  if (list.every((r) => (r.weight ?? 1) === 1)) {
    const scored: Scored[] = list.map((r) => ({
      file: "",
      source: "",
      split: "held-out",
      positive: r.positive,
      flagged: r.flagged,
    }));
    return trainMetrics(scored);
  }
  let pos = 0;
  let neg = 0;
  let tp = 0;
  let fp = 0;
  let wPos = 0;
  let wNeg = 0;
  let wTp = 0;
  let wFp = 0;
  for (const r of list) {
    const w = r.weight ?? 1;
    if (r.positive) {
      pos++;
      wPos += w;
      if (r.flagged) {
        tp++;
        wTp += w;
      }
    } else {
      neg++;
      wNeg += w;
      if (r.flagged) {
        fp++;
        wFp += w;
      }
    }
  }
  const recall = pos ? wTp / wPos : null;
  const fpr = neg ? wFp / wNeg : null;
  const precision = tp + fp ? wTp / (wTp + wFp) : null;
  const balancedAccuracy = recall !== null && fpr !== null ? (recall + (1 - fpr)) / 2 : null;
  return { n: list.length, pos, neg, tp, fp, precision, recall, fpr, balancedAccuracy };
}

/**
 * Systematic stratified sample: at most `cap` evenly spaced rows of each stratum. Returns the
 * weight of every row (stratum size / rows taken; 0 for rows left out).
 */
export function stratifiedWeights(strata: readonly string[], cap: number): number[] {
  const members = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const m = members.get(s);
    if (m) m.push(i);
    else members.set(s, [i]);
  });
  const weights = new Array<number>(strata.length).fill(0);
  for (const idx of members.values()) {
    const take = Math.min(idx.length, Math.max(1, cap));
    for (let k = 0; k < take; k++)
      weights[idx[Math.floor((k * idx.length) / take)] as number] = idx.length / take;
  }
  return weights;
}

/** The largest per-stratum cap whose sample has at most `budget` rows (at least 1). */
export function capForBudget(strata: readonly string[], budget: number): number {
  const sizes = new Map<string, number>();
  for (const s of strata) sizes.set(s, (sizes.get(s) ?? 0) + 1);
  const total = (cap: number) => [...sizes.values()].reduce((a, n) => a + Math.min(n, cap), 0);
  let lo = 1;
  let hi = Math.max(1, ...sizes.values());
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (total(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** F-beta; F2 weighs recall four times as much as precision (Presidio's choice for PII). */
export function fBeta(precision: number | null, recall: number | null, beta = 2): number | null {
  if (precision === null || recall === null) return null;
  const b2 = beta * beta;
  const den = b2 * precision + recall;
  return den === 0 ? 0 : ((1 + b2) * precision * recall) / den;
}

export const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export interface GoldSpan {
  label: string;
  start: number;
  end: number;
}

export interface PredSpan {
  kind: string;
  start: number;
  end: number;
}

/** Counts of one label: gold spans found / missed, predictions confirmed / unconfirmed. */
export interface SpanCounts {
  gold: number;
  found: number;
  predicted: number;
  confirmed: number;
}

export const emptySpanCounts = (): SpanCounts => ({ gold: 0, found: 0, predicted: 0, confirmed: 0 });

export function addSpanCounts(into: SpanCounts, from: SpanCounts): SpanCounts {
  into.gold += from.gold;
  into.found += from.found;
  into.predicted += from.predicted;
  into.confirmed += from.confirmed;
  return into;
}

export interface SpanScore {
  precision: number | null;
  recall: number | null;
  f2: number | null;
}

export function spanScore(c: SpanCounts): SpanScore {
  const precision = ratio(c.confirmed, c.predicted);
  const recall = ratio(c.found, c.gold);
  return { precision, recall, f2: fBeta(precision, recall) };
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start < b.end && b.start < a.end;

export interface SpanMatch {
  /** Per dataset label that maps to one of our kinds. */
  byLabel: Map<string, SpanCounts>;
  /** Gold spans whose label has no mapping (reported as unsupported). */
  unsupported: Map<string, number>;
  /** Predictions of kinds no dataset label maps to (cannot be judged on this data). */
  unjudged: Map<string, number>;
  /** Missed gold spans and unconfirmed predictions, for error listings. */
  misses: GoldSpan[];
  falseAlarms: PredSpan[];
}

/**
 * Overlap matching of one text's predictions against its gold spans. `labelToKind` maps a
 * dataset label to our kind; several labels may map to one kind. Results are added into `acc`.
 */
export function matchSpans(
  gold: readonly GoldSpan[],
  preds: readonly PredSpan[],
  labelToKind: ReadonlyMap<string, string>,
  acc: SpanMatch = newSpanMatch(),
): SpanMatch {
  const kindToLabels = new Map<string, string[]>();
  for (const [label, kind] of labelToKind) {
    const l = kindToLabels.get(kind);
    if (l) l.push(label);
    else kindToLabels.set(kind, [label]);
  }
  const counts = (label: string): SpanCounts => {
    let c = acc.byLabel.get(label);
    if (!c) acc.byLabel.set(label, (c = emptySpanCounts()));
    return c;
  };
  for (const g of gold) {
    const kind = labelToKind.get(g.label);
    if (kind === undefined) {
      acc.unsupported.set(g.label, (acc.unsupported.get(g.label) ?? 0) + 1);
      continue;
    }
    const c = counts(g.label);
    c.gold++;
    if (preds.some((p) => p.kind === kind && overlaps(p, g))) c.found++;
    else acc.misses.push(g);
  }
  for (const p of preds) {
    const labels = kindToLabels.get(p.kind);
    if (!labels) {
      acc.unjudged.set(p.kind, (acc.unjudged.get(p.kind) ?? 0) + 1);
      continue;
    }
    // A prediction is charged to the gold label it confirms, else to the first label of its kind.
    const hit = gold.find((g) => labels.includes(g.label) && overlaps(p, g));
    const c = counts(hit ? hit.label : (labels[0] as string));
    c.predicted++;
    if (hit) c.confirmed++;
    else acc.falseAlarms.push(p);
  }
  return acc;
}

export function newSpanMatch(): SpanMatch {
  return { byLabel: new Map(), unsupported: new Map(), unjudged: new Map(), misses: [], falseAlarms: [] };
}

/**
 * Code point offsets (Python, as the dataset has them) to UTF-16 offsets (JavaScript strings).
 * Identity for texts without astral-plane characters.
 */
export function codePointToUtf16(text: string): (cp: number) => number {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return (cp) => map[cp] ?? u;
}

/**
 * Nearest-rank percentile of an ascending array (the smallest sample with at least p% of the
 * samples at or below it): every figure reported is a time that happened.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface LatencySummary {
  n: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summariseLatency(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

/**
 * Locates matched substrings reported without offsets (peers that return only the matched value)
 * by searching for each one after the previous, in order. Values not found are dropped.
 */
export function locateValues(text: string, values: readonly { kind: string; value: string }[]): PredSpan[] {
  const out: PredSpan[] = [];
  const from = new Map<string, number>();
  for (const { kind, value } of values) {
    if (value.length === 0) continue;
    const at = text.indexOf(value, from.get(value) ?? 0);
    if (at < 0) continue;
    from.set(value, at + value.length);
    out.push({ kind, start: at, end: at + value.length });
  }
  return out;
}

/**
 * Spans of a redaction: `redacted` is `text` with each detected value replaced by `marker`.
 * The literal pieces between markers are found in order in the original; the gaps are the spans.
 * Returns undefined when the redacted text does not line up with the original.
 */
export function spansFromRedaction(
  text: string,
  redacted: string,
  marker: string,
): [number, number][] | undefined {
  if (!redacted.includes(marker)) return redacted === text ? [] : undefined;
  const pieces = redacted.split(marker);
  const spans: [number, number][] = [];
  const first = pieces[0] as string;
  if (!text.startsWith(first)) return undefined;
  let pos = first.length;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i] as string;
    const last = i === pieces.length - 1;
    // The value is at least one character; the next literal piece starts after it.
    const at = last
      ? piece.length <= text.length - pos - 1 && text.endsWith(piece)
        ? text.length - piece.length
        : -1
      : piece.length === 0
        ? pos + 1
        : text.indexOf(piece, pos + 1);
    if (at < 0 || at <= pos) return undefined;
    spans.push([pos, at]);
    pos = at + piece.length;
  }
  return spans;
}
