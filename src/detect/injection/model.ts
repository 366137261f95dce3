/**
 * The shipped classifier: logistic-regression heads over hashed n-gram features (`features.ts`),
 * int8-quantised, read once at start-up from `models/injection-classifier.json`.
 *
 * Heads: `prompt_injection` and `jailbreak` score a whole user prompt; `document` scores each
 * sentence/line of retrieved content (an injected instruction is a short span in a long text, so a
 * whole-text score would dilute it). Each head has a Platt calibration (probability = sigmoid(a·z+b))
 * fitted on out-of-fold scores, and the thresholds were set on broad benign data at ≤ 1% FPR.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { extractFeatures, FEATURE_BITS } from "./features.js";

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
  format: "portcullis-injection-v1";
  featureBits: number;
  heads: Record<HeadName, HeadJson>;
  /** Probability thresholds per context and category, chosen at ≤ 1% FPR on benign calibration data. */
  thresholds: {
    prompt: { prompt_injection: number; jailbreak: number };
    document: { prompt_injection: number; jailbreak: number };
  };
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
  thresholds: ModelJson["thresholds"];
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
  if (json.format !== "portcullis-injection-v1")
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
  return { heads, thresholds: json.thresholds };
}

export function loadModel(path = defaultModelPath()): LoadedModel {
  return parseModel(JSON.parse(readFileSync(path, "utf8")) as ModelJson);
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Raw logit of one head on the features of `text[start, end)`. */
export function headLogit(head: Head, text: string, lower: string, start = 0, end = text.length): number {
  const f = extractFeatures(text, lower, start, end);
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
  const z = sc / Math.sqrt(Math.max(1, nChar)) + sw / Math.sqrt(Math.max(1, nWord)) + ss;
  return head.bias + z * head.scale;
}

export function calibrated(head: Head, logit: number): number {
  return sigmoid(head.a * logit + head.b);
}
