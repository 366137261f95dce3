/**
 * Logistic regression over sparse hashed features, trained with AdaGrad (per-coordinate step
 * sizes suit n-gram features whose frequencies differ by orders of magnitude) and L2 decay applied
 * lazily to the coordinates an example touches. Deterministic: the shuffle is seeded.
 */
import {
  extractFeatures,
  FEATURE_BITS,
  MIN_CHAR_NORM,
  MIN_WORD_NORM,
  type ClusterTable,
} from "../../src/detect/injection/features.js";
import type { Head } from "../../src/detect/injection/model.js";
import { Rng } from "./rng.js";

export interface Example {
  idx: Int32Array;
  nChar: number;
  nWord: number;
  nShape: number;
}

/** Training texts are cut here (the longest jailbreak templates); inference reads the whole text. */
export const MAX_TRAIN_CHARS = 8000;

let clusters: ClusterTable | undefined;

/** The word-cluster table every later `featurize` call uses (the one that ships with the model). */
export function setFeatureClusters(table: ClusterTable | undefined): void {
  clusters = table;
}

export function featureClusters(): ClusterTable | undefined {
  return clusters;
}

/** Features of a training text; `withClusters` false for the document head, which reads none. */
export function featurize(text: string, withClusters = true): Example {
  const t = text.length > MAX_TRAIN_CHARS ? text.slice(0, MAX_TRAIN_CHARS) : text;
  const f = extractFeatures(t, t.toLowerCase(), 0, t.length, withClusters ? clusters : undefined);
  const n = f.nChar + f.nWord + f.nShape;
  return { idx: f.buffer.slice(0, n), nChar: f.nChar, nWord: f.nWord, nShape: f.nShape };
}

export interface TrainOptions {
  epochs: number;
  lr: number;
  l2: number;
  seed: number;
}

export interface FloatModel {
  w: Float64Array;
  bias: number;
}

export function trainLogistic(
  xs: readonly Example[],
  ys: ArrayLike<number>,
  weights: ArrayLike<number>,
  opts: TrainOptions,
): FloatModel {
  const size = 1 << FEATURE_BITS;
  const w = new Float64Array(size);
  const g2 = new Float64Array(size);
  let bias = 0;
  let gb = 0;
  const order = Array.from({ length: xs.length }, (_, i) => i);
  const rng = new Rng(opts.seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    rng.shuffle(order);
    for (const i of order) {
      const x = xs[i]!;
      const vc = 1 / Math.sqrt(Math.max(MIN_CHAR_NORM, x.nChar));
      const vw = 1 / Math.sqrt(Math.max(MIN_WORD_NORM, x.nWord));
      const endW = x.nChar + x.nWord;
      const endS = endW + x.nShape;
      let z = bias;
      for (let k = 0; k < x.nChar; k++) z += w[x.idx[k]!]! * vc;
      for (let k = x.nChar; k < endW; k++) z += w[x.idx[k]!]! * vw;
      for (let k = endW; k < endS; k++) z += w[x.idx[k]!]!;
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - ys[i]!) * weights[i]!;
      if (g === 0) continue;
      for (let k = 0; k < endS; k++) {
        const b = x.idx[k]!;
        const v = k < x.nChar ? vc : k < endW ? vw : 1;
        const grad = g * v + opts.l2 * w[b]!;
        g2[b] = g2[b]! + grad * grad;
        w[b] = w[b]! - (opts.lr * grad) / (Math.sqrt(g2[b]!) + 1e-8);
      }
      gb += g * g;
      bias -= (opts.lr * g) / (Math.sqrt(gb) + 1e-8);
    }
  }
  return { w, bias };
}

/** Int8 quantisation with the scale at the 99.99th percentile of |w| (outliers are clipped). */
export function quantize(m: FloatModel): { head: Head; int8: Int8Array } {
  const abs: number[] = [];
  for (let i = 0; i < m.w.length; i++) if (m.w[i] !== 0) abs.push(Math.abs(m.w[i]!));
  abs.sort((a, b) => a - b);
  const top = abs.length ? abs[Math.min(abs.length - 1, Math.floor(abs.length * 0.9999))]! : 1;
  const scale = top / 127 || 1;
  const int8 = new Int8Array(m.w.length);
  for (let i = 0; i < m.w.length; i++) {
    const q = Math.round(m.w[i]! / scale);
    int8[i] = q > 127 ? 127 : q < -127 ? -127 : q;
  }
  return { head: { bias: m.bias, scale, weights: int8, a: 1, b: 0 }, int8 };
}

/**
 * Platt scaling: fits sigmoid(a·z + b) to labels with Platt's smoothed targets (so separable data
 * cannot push a to infinity) by Newton's method with step halving on the weighted log-loss.
 */
export function fitPlatt(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  wt: ArrayLike<number>,
): { a: number; b: number } {
  let np = 0;
  let nn = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i]) np += 1;
    else nn += 1;
  }
  const tPos = (np + 1) / (np + 2);
  const tNeg = 1 / (nn + 2);
  const target = (i: number) => (y[i] ? tPos : tNeg);
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < z.length; i++) {
      const s = a * z[i]! + b;
      const t = target(i);
      // log(1 + e^s) - t·s, computed stably
      l += wt[i]! * ((s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - t * s);
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let cur = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-6;
    let hAB = 0;
    let hBB = 1e-6;
    for (let i = 0; i < z.length; i++) {
      const p = 1 / (1 + Math.exp(-(a * z[i]! + b)));
      const d = (p - target(i)) * wt[i]!;
      const h = Math.max(p * (1 - p), 1e-12) * wt[i]!;
      gA += d * z[i]!;
      gB += d;
      hAA += h * z[i]! * z[i]!;
      hAB += h * z[i]!;
      hBB += h;
    }
    const det = hAA * hBB - hAB * hAB;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hBB * gA - hAB * gB) / det;
    const db = (hAA * gB - hAB * gA) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > cur && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > cur) break;
    a -= step * da;
    b -= step * db;
    const done = cur - next < 1e-9 * Math.max(1, Math.abs(cur));
    cur = next;
    if (done) break;
  }
  return { a, b };
}
