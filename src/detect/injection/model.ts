/**
 * The shipped classifier: logistic-regression heads over hashed n-gram features (`features.ts`),
 * int8-quantised, read once at start-up from `models/injection-classifier.json`.
 *
 * Heads: `prompt_injection` and `jailbreak` score a whole user prompt (with word-cluster features
 * when the model carries a cluster table); `document` scores each sentence/line of retrieved
 * content (without clusters) (an injected instruction is a short span in a long text, so a
 * whole-text score would dilute it). Each head has a Platt calibration (probability = sigmoid(a·z+b))
 * fitted on out-of-fold scores, and the thresholds were set on broad benign data at ≤ 1% FPR.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  extractFeatures,
  FEATURE_BITS,
  MIN_CHAR_NORM,
  MIN_WORD_NORM,
  WordClusterTable,
  type ClusterTable,
  type Features,
} from "./features.js";

export type HeadName = "prompt_injection" | "jailbreak" | "document";

export interface HeadJson {
  bias: number;
  /** Dequantisation factor: weight = int8 × scale. */
  scale: number;
  /** Base64 of an Int8Array of length 2^featureBits. */
  weights: string;
  calibration: { a: number; b: number };
}

export interface ModelJson {
  /** v2: character n-grams hashed by rotation of per-character mixes (features.ts, pass 2). */
  format: "portcullis-injection-v2";
  featureBits: number;
  heads: Record<HeadName, HeadJson>;
  /** Probability thresholds per context and category, chosen at ≤ 1% FPR on benign calibration data. */
  thresholds: {
    prompt: { prompt_injection: number; jailbreak: number };
    document: { prompt_injection: number; jailbreak: number };
  };
  /**
   * Word clusters of pretrained vectors (`scripts/train/embeddings.ts`): `keys` is base64 of an
   * Int32Array of word hashes (`wordKey`), `ids` of a Uint16Array of cluster ids, same order.
   */
  clusters?: { count: number; keys: string; ids: string };
  /** Free-form provenance; the full record is models/README.md. */
  meta?: Record<string, unknown>;
}

export interface Head {
  bias: number;
  scale: number;
  weights: Int8Array;
  a: number;
  b: number;
}

export interface LoadedModel {
  heads: Record<HeadName, Head>;
  /**
   * The two prompt heads' weights interleaved (`[inj0, jb0, inj1, jb1, …]`): a prompt needs both,
   * and one cache line then serves both lookups of a feature.
   */
  promptPair: Int8Array;
  thresholds: ModelJson["thresholds"];
  clusters?: ClusterTable;
}

/** Decodes the word-cluster table of a model file. */
export function parseClusters(c: NonNullable<ModelJson["clusters"]>): ClusterTable {
  const kb = Buffer.from(c.keys, "base64");
  const ib = Buffer.from(c.ids, "base64");
  if (kb.length % 4 !== 0 || ib.length * 2 !== kb.length)
    throw new Error("injection model cluster table is malformed");
  // Copies, so the typed arrays are aligned whatever offset Buffer.from chose.
  const keys = new Int32Array(new Uint8Array(kb).buffer);
  const ids = new Uint16Array(new Uint8Array(ib).buffer);
  const entries: Array<[number, number]> = [];
  for (let i = 0; i < keys.length; i++) {
    if (ids[i]! >= c.count) throw new Error("injection model cluster id out of range");
    entries.push([keys[i]!, ids[i]!]);
  }
  return new WordClusterTable(entries);
}

/** `models/` at the package root, from `src/detect/injection/` (vitest) or `dist/src/detect/injection/`. */
export function defaultModelPath(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const distMarker = `${"/"}dist${"/"}src${"/"}`;
  const root = here.includes(distMarker)
    ? here.slice(0, here.lastIndexOf(distMarker))
    : fileURLToPath(new URL("../../../", import.meta.url));
  return `${root.replace(/\/$/, "")}/models/injection-classifier.json`;
}

export function parseModel(json: ModelJson): LoadedModel {
  if (json.format !== "portcullis-injection-v2")
    throw new Error(`unknown injection model format "${String(json.format)}"`);
  if (json.featureBits !== FEATURE_BITS) {
    throw new Error(`injection model uses ${json.featureBits} feature bits, the code ${FEATURE_BITS}`);
  }
  const size = 1 << FEATURE_BITS;
  const heads = {} as Record<HeadName, Head>;
  for (const name of ["prompt_injection", "jailbreak", "document"] as const) {
    const h = json.heads[name];
    if (!h) throw new Error(`injection model lacks head "${name}"`);
    const buf = Buffer.from(h.weights, "base64");
    if (buf.length !== size)
      throw new Error(`injection model head "${name}" has ${buf.length} weights, expected ${size}`);
    heads[name] = {
      bias: h.bias,
      scale: h.scale,
      weights: new Int8Array(buf.buffer, buf.byteOffset, buf.length),
      a: h.calibration.a,
      b: h.calibration.b,
    };
  }
  const pair = new Int8Array(2 * size);
  const wi = heads.prompt_injection.weights;
  const wj = heads.jailbreak.weights;
  for (let i = 0; i < size; i++) {
    pair[2 * i] = wi[i]!;
    pair[2 * i + 1] = wj[i]!;
  }
  return {
    heads,
    promptPair: pair,
    thresholds: json.thresholds,
    ...(json.clusters ? { clusters: parseClusters(json.clusters) } : {}),
  };
}

export function loadModel(path = defaultModelPath()): LoadedModel {
  return parseModel(JSON.parse(readFileSync(path, "utf8")) as ModelJson);
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Raw logit of one head on the features of `text[start, end)`. */
export function headLogit(
  head: Head,
  text: string,
  lower: string,
  start = 0,
  end = text.length,
  clusters?: ClusterTable,
): number {
  const f = extractFeatures(text, lower, start, end, clusters);
  return logitOf(head, f.buffer, f.nChar, f.nWord, f.nShape);
}

/** Logit from already extracted features (lets two heads share one extraction). */
export function logitOf(head: Head, idx: Int32Array, nChar: number, nWord: number, nShape: number): number {
  const w = head.weights;
  let sc = 0;
  for (let i = 0; i < nChar; i++) sc += w[idx[i]!]!;
  let sw = 0;
  const endWord = nChar + nWord;
  for (let i = nChar; i < endWord; i++) sw += w[idx[i]!]!;
  let ss = 0;
  const endShape = endWord + nShape;
  for (let i = endWord; i < endShape; i++) ss += w[idx[i]!]!;
  const z =
    sc / Math.sqrt(Math.max(MIN_CHAR_NORM, nChar)) + sw / Math.sqrt(Math.max(MIN_WORD_NORM, nWord)) + ss;
  return head.bias + z * head.scale;
}

/**
 * Logits of both prompt heads from one pass over the features (`promptPair`), written to `out`
 * as [injection, jailbreak].
 */
export function promptLogits(
  model: LoadedModel,
  idx: Int32Array,
  nChar: number,
  nWord: number,
  nShape: number,
  out: Float64Array,
): void {
  const w = model.promptPair;
  let ci = 0;
  let cj = 0;
  for (let i = 0; i < nChar; i++) {
    const k = idx[i]! << 1;
    ci += w[k]!;
    cj += w[k + 1]!;
  }
  let wi = 0;
  let wj = 0;
  const endWord = nChar + nWord;
  for (let i = nChar; i < endWord; i++) {
    const k = idx[i]! << 1;
    wi += w[k]!;
    wj += w[k + 1]!;
  }
  let si = 0;
  let sj = 0;
  const endShape = endWord + nShape;
  for (let i = endWord; i < endShape; i++) {
    const k = idx[i]! << 1;
    si += w[k]!;
    sj += w[k + 1]!;
  }
  const rc = 1 / Math.sqrt(Math.max(MIN_CHAR_NORM, nChar));
  const rw = 1 / Math.sqrt(Math.max(MIN_WORD_NORM, nWord));
  const hi = model.heads.prompt_injection;
  const hj = model.heads.jailbreak;
  out[0] = hi.bias + (ci * rc + wi * rw + si) * hi.scale;
  out[1] = hj.bias + (cj * rc + wj * rw + sj) * hj.scale;
}

/**
 * The jailbreak head's logit alone, equal to `promptLogits`' second value on the same features (the
 * same integer sums, scaled the same way): document scans need no injection head over the whole
 * text, and one 256 KB weight table stays in cache better than the 512 KB pair table. Cluster
 * features extracted apart (`separateClusters`) count in the word group, as when interleaved.
 */
export function jailbreakLogit(model: LoadedModel, f: Features): number {
  const hj = model.heads.jailbreak;
  const w = hj.weights;
  const idx = f.buffer;
  const { nChar, nWord, nShape, nCluster } = f;
  let cj = 0;
  for (let i = 0; i < nChar; i++) cj += w[idx[i]!]!;
  let wj = 0;
  const endWord = nChar + nWord;
  for (let i = nChar; i < endWord; i++) wj += w[idx[i]!]!;
  const cb = f.clusterBuffer;
  for (let i = 0; i < nCluster; i++) wj += w[cb[i]!]!;
  let sj = 0;
  const endShape = endWord + nShape;
  for (let i = endWord; i < endShape; i++) sj += w[idx[i]!]!;
  const rc = 1 / Math.sqrt(Math.max(MIN_CHAR_NORM, nChar));
  const rw = 1 / Math.sqrt(Math.max(MIN_WORD_NORM, nWord + nCluster));
  return hj.bias + (cj * rc + wj * rw + sj) * hj.scale;
}

export function calibrated(head: Head, logit: number): number {
  return sigmoid(head.a * logit + head.b);
}
