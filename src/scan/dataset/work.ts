/**
 * The per-row work of each pass, separated from what must happen in input order. Everything
 * here depends only on a row and on a frozen context (settings, label index, the content model,
 * the triggers, the statistics of pass 1), so a batch of rows can be worked on by any thread:
 * worker threads (pool.ts, worker.ts) or the main thread itself (`workers: 0`, small inputs, or
 * when running from the TypeScript sources). The main thread then merges the batches' results
 * in order: counting into the feature table and bucket counters, the tallies, and the report.
 * One code path either way, so the findings are the same whatever the number of threads.
 *
 * Results are typed arrays where there is one value per row or per feature (they cross threads
 * without per-element cost) and sparse lists for what few rows have (checks, hits).
 */
import { createEngine, PII_KINDS, PII_SEVERITY, type Engine, type Finding } from "../../detect/index.js";
import { Featurizer, featureName, SEPARATOR_HASH, Tokens, type RowFeatures } from "./features.js";
import { bandKeysOf, MAX_SHINGLE_TOKENS, MIN_DUPLICATE_TOKENS, tokenHash, withLabel } from "./minhash.js";
import { AFFIRMATION, REFUSAL, toSample, type Sample } from "./record.js";
import { dominantScript, isAscii } from "./script.js";
import { NumberMap } from "./number-map.js";
import {
  CONTEXT_TOKENS,
  ContentModel,
  ContextCounter,
  Vocabulary,
  type BatchContexts,
  type ContentModelData,
  type KeyCandidate,
  type Trigger,
} from "./triggers.js";

/** The check groups a user can select (`--checks`). */
export const CHECKS = [
  "backdoor",
  "duplicates",
  "outliers",
  "pii",
  "secrets",
  "injection",
  "hidden_text",
] as const;
export type CheckGroup = (typeof CHECKS)[number];

/** The names that appear in row results and in the summary counts. */
export const CHECK_IDS = [
  "backdoor_trigger",
  "near_duplicate_flood",
  "length_outlier",
  "language_outlier",
  "answer_pattern_outlier",
  "pii",
  "secret",
  "prompt_injection",
  "hidden_text",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  check: CheckId;
  score: number;
  reason: string;
}

/** The detectors the content checks run (the engine each thread builds). */
const ENGINE_DETECTORS = ["unicode", "injection", "pii", "secrets"] as const;

/** PII findings below this severity rank (names: low; organisations: info) do not make a row check. */
const PII_MIN_RANK = 2;

/**
 * The engine of the content checks: the PII detector looks only for the kinds that can make a row
 * check (looking for names and organisations in every row cost a few percent of the scan, for
 * findings the checks then dropped; the other kinds' hits do not depend on them).
 */
export function createContentEngine(): Engine {
  const kinds = PII_KINDS.filter((k) => SEVERITY_RANK[PII_SEVERITY[k]] >= PII_MIN_RANK);
  return createEngine({ detectors: [...ENGINE_DETECTORS], detectorOptions: { pii: { kinds } } });
}

/** A row as the readers give it, without what only the main thread needs (bytes, source). */
export interface WorkRow {
  line: number;
  value?: unknown;
  text?: string;
  /** A JSONL line, parsed by whoever works on the row. */
  json?: string;
  error?: string;
}

/**
 * A batch of rows as it crosses to a worker thread. Cloning hundreds of small objects costs the
 * main thread far more than copying one string, so JSONL and text lines travel joined (no such
 * line holds a line feed); other rows (records, documents, errors) as objects.
 */
export type PackedRows = { joined: string; lines: Int32Array; json: boolean } | { rows: WorkRow[] };

export function packRows(rows: readonly WorkRow[]): PackedRows {
  const json = rows[0]?.json !== undefined;
  const parts: string[] = [];
  for (const row of rows) {
    const part = json ? row.json : row.text;
    if (part === undefined || row.error !== undefined || (!json && part.includes("\n"))) {
      return { rows: [...rows] };
    }
    parts.push(part);
  }
  return { joined: parts.join("\n"), lines: Int32Array.from(rows, (r) => r.line), json };
}

export function unpackRows(packed: PackedRows): WorkRow[] {
  if ("rows" in packed) return packed.rows;
  const parts = packed.joined.split("\n");
  return parts.map((part, i) =>
    packed.json
      ? { line: packed.lines[i] as number, json: part }
      : { line: packed.lines[i] as number, text: part },
  );
}

/** The label index of pass 1, frozen: later passes look labels up, never add them. */
export interface FrozenLabels {
  names: string[];
  index: Array<[string, number]>;
  other: number;
}

export interface RowSettings {
  field?: string;
  labelField?: string;
  groups: CheckGroup[];
}

export interface Spread {
  n: number;
  mean: number;
  sd: number;
}

export interface RowsContext {
  pass: "rows";
  settings: RowSettings;
  /** The content checks ran with pass 1 (their results are merged by the main thread). */
  contentDone: boolean;
  /** Undefined when no statistical check runs (then no row has a label index). */
  labels?: FrozenLabels;
  maxLabels: number;
  triggers: Trigger[];
  tests: number;
  fdr: number;
  floodMin: number;
  /** The LSH buckets holding at least `floodMin` rows (no smaller one can flag a row). */
  buckets: Array<[number, number]>;
  labelBuckets: Array<[number, number]>;
  /** Per label, then the unlabelled rows (index maxLabels). */
  lengths: Spread[];
  answerLengths: Spread;
  scripts: Array<[string, number]>;
  scriptRows: number;
  refusalRate: number;
  affirmationRate: number;
}

export type PassContext =
  | {
      pass: "stats";
      settings: RowSettings;
      /** Run the content checks too (their results wait for pass 3 on the main thread). */
      content: boolean;
    }
  | CollectContext
  | (Omit<CollectContext, "pass"> & {
      pass: "judge";
      /** The content model once the candidates' rows are out of it. */
      model: ContentModelData;
    })
  | RowsContext;

export interface CollectContext {
  pass: "collect";
  settings: RowSettings;
  labels: FrozenLabels;
  /** Candidate keys, with the candidates that have them (`tokenKeys` once named). */
  candidates: Array<[number, KeyCandidate[]]>;
  /** Some candidate is a surface-form feature (then rows' surface forms are computed). */
  shapes: boolean;
  /** The content model's vocabulary (`ContentModelData.words`). */
  words: Float64Array;
}

/** Pass 1: what the statistics need of each row. */
export interface StatsResult {
  pass: "stats";
  /** Per row: 1 when readable. */
  ok: Uint8Array;
  /** Per row: the label (class label or answer kind), or null. */
  labels: Strings;
  /** Per row: feature count (labelled rows, backdoor test on), then the keys and tags of all rows. */
  featureCount: Uint32Array;
  keys: Float64Array;
  tags: Uint8Array;
  /** Per row: band keys (0 or 10), then the keys. */
  bandCount: Uint8Array;
  bands: Float64Array;
  /** Per row (outliers on): 1 when the row has an answer; log1p of the answer or text length. */
  hasAnswer: Uint8Array;
  logLength: Float64Array;
  /** 1 refusal, 2 affirmation (answers only). */
  pattern: Uint8Array;
  scripts: Strings;
  /** With `content`: the content checks of the rows that have any, and detection failures. */
  content?: ContentResult;
}

export interface ContentResult {
  checks: Array<[number, CheckResult[]]>;
  notes: string[];
}

/**
 * Pass 2, first half: what the content model needs of each labelled row (kept between the two
 * halves when it fits in memory, so the input is read once; otherwise read again).
 */
export interface CollectResult {
  pass: "collect";
  /** Per row: label or -1 (unreadable or unlabelled). */
  y: Int32Array;
  /** Per row: 1 when it holds a candidate of its own label (then it is taken out of the counts). */
  holds: Uint8Array;
  /** Per row: its distinct words in the vocabulary, in order of first occurrence. */
  wordCount: Uint32Array;
  words: Int32Array;
  /** The candidates of its own label each row holds (row order, then feature order). */
  hits: Array<{ index: number; candidate: number }>;
  /** The tokens after and (reversed) before each hit's n-gram, counted per candidate. */
  contexts: BatchContexts;
  /** Names of candidate keys seen in the batch. */
  names: Array<[number, string]>;
}

/** Pass 2, second half: each labelled row's readings. */
export interface JudgeResult {
  pass: "judge";
  /** Per row: bit 1 reads as another label without the candidates, bit 2 with every word. */
  readings: Uint8Array;
  /** Per hit of the record: 1 when the row reads as another label without the candidate's words. */
  alone: Uint8Array;
  /** When the batch was rows (the input read again): what pass 2's first half found in them. */
  record?: CollectResult;
}

/** Pass 3: the checks of each row that has any, and the rows that could not be read. */
export interface RowsResult {
  pass: "rows";
  checks: Array<[number, CheckResult[]]>;
  errors: Array<[number, string]>;
  notes: string[];
}

export type PassResult = StatsResult | CollectResult | JudgeResult | RowsResult;

/** The typed arrays of a result, to transfer rather than copy between threads. */
export function transferables(result: PassResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: { buffer: ArrayBufferLike }) => out.push(a.buffer as ArrayBuffer);
  switch (result.pass) {
    case "stats":
      for (const a of [
        result.ok,
        result.featureCount,
        result.keys,
        result.tags,
        result.bandCount,
        result.bands,
        result.hasAnswer,
        result.logLength,
        result.pattern,
        result.labels.index,
        result.scripts.index,
      ])
        add(a);
      break;
    case "collect":
      for (const a of [result.y, result.holds, result.wordCount, result.words]) add(a);
      break;
    case "judge":
      add(result.readings);
      add(result.alone);
      break;
    case "rows":
      break;
  }
  return out;
}

const ANSWER_BUCKETS = 16;

/** The bucket an answer opening ("starts:…") is counted in: openings are many. */
export function answerBucket(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return `answer-bucket-${(h >>> 0) % ANSWER_BUCKETS}`;
}

/** A label's index in the frozen index (as pass 1 assigned it); -1 for none. */
export function lookupLabel(labels: FrozenLabels, index: ReadonlyMap<string, number>, name?: string): number {
  if (name === undefined) return -1;
  const known = index.get(name);
  if (known !== undefined) return known;
  if (name.startsWith("starts:")) {
    const b = index.get(answerBucket(name));
    if (b !== undefined) return b;
  }
  return labels.other;
}

export function sampleOf(row: WorkRow, settings: RowSettings): Sample | { error: string } {
  if (row.error !== undefined) return { error: row.error };
  if (row.text !== undefined) return { text: row.text, input: row.text };
  let value = row.value;
  if (row.json !== undefined) {
    try {
      value = JSON.parse(row.json);
    } catch {
      return { error: "not valid JSON" };
    }
  }
  return toSample(value, { field: settings.field, labelField: settings.labelField });
}

const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function formatP(logP: number): number {
  return logP < -700 ? 0 : Number(Math.exp(logP).toPrecision(3));
}

/** Engine findings → row checks. Thresholds favour precision: a dataset has many rows. */
function contentChecks(findings: readonly Finding[], groups: ReadonlySet<CheckGroup>): CheckResult[] {
  const best = new Map<CheckId, CheckResult>();
  const keep = (check: CheckId, f: Finding, reason: string) => {
    const prev = best.get(check);
    if (!prev || prev.score < f.score) best.set(check, { check, score: round(f.score), reason });
  };
  const keepBelow = (check: CheckId, f: Finding, reason: string) => {
    if (!best.has(check)) best.set(check, { check, score: round(Math.min(f.score, 1) * 0.45), reason });
  };
  for (const f of findings) {
    const rank = SEVERITY_RANK[f.severity];
    const where = f.span ? ` at ${f.span[0]}–${f.span[1]}` : "";
    if (f.category === "pii" && groups.has("pii") && rank >= PII_MIN_RANK) {
      keep("pii", f, `${f.kind.replace(/_/g, " ")}${where} (${f.evidence ?? "masked"})`);
    } else if (f.category === "secret" && groups.has("secrets") && rank >= 1) {
      keep("secret", f, `${f.kind.replace(/_/g, " ")}${where} (${f.evidence ?? "masked"})`);
    } else if ((f.category === "prompt_injection" || f.category === "jailbreak") && groups.has("injection")) {
      // Only pattern rules flag a row. The learned classifier alone misreads ordinary prose from
      // other domains (on movie reviews it fires on several percent of the rows), and a dataset
      // has many rows: its verdict is kept as a note below the flag score, or corroborates a rule.
      const classifier = f.rule === "classifier" || f.kind === "classifier";
      if (!classifier && rank >= 2) {
        keep("prompt_injection", f, `instructions aimed at a model${where}: ${f.reason ?? f.kind}`);
      } else if (classifier && rank >= 3) {
        keepBelow(
          "prompt_injection",
          f,
          `the injection classifier alone scores ${f.score.toFixed(2)}${where} (no pattern matched; not flagged)`,
        );
      }
    } else if (
      (f.category === "hidden_text" || f.category === "obfuscation") &&
      groups.has("hidden_text") &&
      rank >= 1
    ) {
      keep("hidden_text", f, `${f.kind.replace(/_/g, " ")}${where}${f.reason ? `: ${f.reason}` : ""}`);
    }
  }
  return [...best.values()];
}

/** The detectors a row's content checks need (ASCII text cannot hide characters). */
function contentDetectors(sample: Sample, groups: ReadonlySet<CheckGroup>): string[] {
  return [
    ...(groups.has("injection") ? ["injection"] : []),
    ...(groups.has("pii") ? ["pii"] : []),
    ...(groups.has("secrets") ? ["secrets"] : []),
    ...(groups.has("hidden_text") && !isAscii(sample.text) ? ["unicode"] : []),
  ];
}

const LENGTH_Z = 5;

/** Whether any check group needs the detection engine. */
export function hasContentChecks(groups: readonly CheckGroup[]): boolean {
  return groups.some((g) => g === "pii" || g === "secrets" || g === "injection" || g === "hidden_text");
}

/**
 * A column of strings, one per row or none, as the distinct strings and an index per row (-1:
 * none): labels and scripts repeat, and one string per row costs a thread crossing dearly.
 */
export interface Strings {
  values: string[];
  index: Int32Array;
}

export function stringAt(column: Strings, row: number): string | undefined {
  const i = column.index[row] as number;
  return i < 0 ? undefined : column.values[i];
}

class StringColumn {
  private readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly index: Int32Array;
  constructor(rows: number) {
    this.index = new Int32Array(rows).fill(-1);
  }
  set(row: number, value: string): void {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    this.index[row] = id;
  }
  take(): Strings {
    return { values: this.values, index: this.index };
  }
}

/** Growable typed arrays for a batch's flat outputs. */
class Floats {
  data = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }
  take(): Float64Array {
    return this.data.slice(0, this.n);
  }
}

class Ints {
  data = new Int32Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }
  take(): Int32Array {
    return this.data.slice(0, this.n);
  }
}

class Bytes {
  data = new Uint8Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }
  take(): Uint8Array {
    return this.data.slice(0, this.n);
  }
}

/**
 * Works on batches of rows for the pass its context names. One per thread; `setContext`
 * before each pass.
 */
export class RowWork {
  private readonly featurizer = new Featurizer();
  private readonly inputTokens = new Tokens();
  private readonly answerTokens = new Tokens(MAX_SHINGLE_TOKENS);
  private readonly shingles = new Int32Array(MAX_SHINGLE_TOKENS);
  private context?: PassContext;
  private labelIndex = new Map<string, number>();
  private candidates = new Map<number, KeyCandidate[]>();
  private wanted = new NumberMap(16);
  private vocabulary?: Vocabulary;
  private model?: ContentModel;
  /** Per candidate: its words in the vocabulary. */
  private candidateWords: number[][] = [];
  private triggerByKey = new Map<number, Trigger[]>();
  private buckets = new Map<number, number>();
  private labelBuckets = new Map<number, number>();
  private engine?: Engine;

  /** `engine` builds the detection engine when a pass first needs it. */
  constructor(private readonly makeEngine: () => Engine) {}

  setContext(context: PassContext): void {
    this.context = context;
    this.labelIndex = new Map("labels" in context && context.labels ? context.labels.index : []);
    this.model = undefined;
    if (context.pass === "collect" || context.pass === "judge") {
      this.candidates = new Map(context.candidates);
      this.wanted = new NumberMap(context.candidates.length);
      for (const [key] of context.candidates) this.wanted.set(key, 1);
    }
    if (context.pass === "collect") this.vocabulary = new Vocabulary(context.words);
    if (context.pass === "judge") {
      const model = new ContentModel(context.model);
      this.model = model;
      this.vocabulary = model.vocabulary;
      this.candidateWords = [];
      for (const [, list] of context.candidates) {
        for (const c of list) this.candidateWords[c.candidate] = model.wordsOf(c.tokenKeys);
      }
    }
    if (context.pass === "rows") {
      this.triggerByKey = new Map();
      for (const t of context.triggers) {
        for (const k of t.keys) {
          const list = this.triggerByKey.get(k);
          if (list) list.push(t);
          else this.triggerByKey.set(k, [t]);
        }
      }
      this.buckets = new Map(context.buckets);
      this.labelBuckets = new Map(context.labelBuckets);
      if (!context.contentDone && hasContentChecks(context.settings.groups))
        this.engine ??= this.makeEngine();
    }
    if (context.pass === "stats" && context.content) this.engine ??= this.makeEngine();
  }

  /** The content checks of a row (the detection engine's findings as row checks). */
  private contentOf(
    sample: Sample,
    line: number,
    groups: ReadonlySet<CheckGroup>,
    out: ContentResult,
  ): CheckResult[] {
    const engine = this.engine;
    if (!engine) return [];
    const detectors = contentDetectors(sample, groups);
    if (detectors.length === 0) return [];
    try {
      return contentChecks(
        engine.scan(sample.text, { context: "document", explain: false, detectors }),
        groups,
      );
    } catch (error) {
      out.notes.push(`line ${line}: detection failed: ${(error as Error).message}`);
      return [];
    }
  }

  /**
   * The content checks of a batch's rows (`undefined` samples are unreadable rows), the same as
   * `contentOf` row by row: the rows that need the same detectors go to the engine together
   * (`scanMany`: one pass over a run of rows rules most rule patterns out). A failure in a joint
   * scan is looked for row by row, so that the note names the row.
   */
  private contentOfRows(
    samples: ReadonlyArray<Sample | undefined>,
    lines: ReadonlyArray<number>,
    groups: ReadonlySet<CheckGroup>,
    out: ContentResult,
  ): CheckResult[][] {
    const results: CheckResult[][] = samples.map(() => []);
    const engine = this.engine;
    if (!engine) return results;
    // Rows that need the same detectors go together (ASCII rows need no hidden-text detector).
    const together = new Map<string, { detectors: string[]; rows: number[] }>();
    samples.forEach((sample, r) => {
      if (!sample) return;
      const detectors = contentDetectors(sample, groups);
      if (detectors.length === 0) return;
      const key = detectors.join(",");
      const group = together.get(key);
      if (group) group.rows.push(r);
      else together.set(key, { detectors, rows: [r] });
    });
    for (const { detectors, rows } of together.values()) {
      let found: Finding[][] | undefined;
      try {
        found = engine.scanMany(
          rows.map((r) => (samples[r] as Sample).text),
          { context: "document", explain: false, detectors },
        );
      } catch {
        found = undefined;
      }
      rows.forEach((r, i) => {
        results[r] = found
          ? contentChecks(found[i] as Finding[], groups)
          : this.contentOf(samples[r] as Sample, lines[r] as number, groups, out);
      });
    }
    return results;
  }

  run(rows: readonly WorkRow[]): PassResult {
    const context = this.context;
    if (!context) throw new Error("no pass context");
    switch (context.pass) {
      case "stats":
        return this.stats(rows, context.settings, context.content);
      case "collect":
        return this.collect(rows, context);
      case "judge": {
        const record = this.collect(rows, context);
        return { ...this.judge(record), record };
      }
      case "rows":
        return this.checkRows(rows, context);
    }
  }

  /**
   * MinHash band keys of a row: its input tokens, then (chat rows and pairs) a NUL token and the
   * answer's tokens; shingles from the first 512.
   */
  private bandKeys(sample: Sample, tokens: Tokens): number[] {
    const answer = sample.answer ? this.answerTokens.scan(sample.answer) : undefined;
    if (tokens.n + (answer ? 1 + answer.n : 0) < MIN_DUPLICATE_TOKENS) return [];
    const h = this.shingles;
    let n = 0;
    for (let i = 0; i < tokens.n && n < MAX_SHINGLE_TOKENS; i++) h[n++] = tokenHash(tokens.ha[i] as number);
    if (answer) {
      if (n < MAX_SHINGLE_TOKENS) h[n++] = tokenHash(SEPARATOR_HASH);
      for (let i = 0; i < answer.n && n < MAX_SHINGLE_TOKENS; i++) h[n++] = tokenHash(answer.ha[i] as number);
    }
    return bandKeysOf(h, n);
  }

  private stats(rows: readonly WorkRow[], settings: RowSettings, content: boolean): StatsResult {
    const groups = settings.groups;
    const groupSet = new Set(groups);
    const found: ContentResult | undefined = content ? { checks: [], notes: [] } : undefined;
    const wantsBackdoor = groups.includes("backdoor");
    const wantsDup = groups.includes("duplicates");
    const wantsOutliers = groups.includes("outliers");
    const n = rows.length;
    const ok = new Uint8Array(n);
    const labels = new StringColumn(n);
    const featureCount = new Uint32Array(n);
    const keys = new Floats();
    const tags = new Bytes();
    const bandCount = new Uint8Array(n);
    const bands = new Floats();
    const hasAnswer = new Uint8Array(n);
    const logLength = new Float64Array(n);
    const pattern = new Uint8Array(n);
    const scripts = new StringColumn(n);
    const samples = rows.map((row) => {
      const sample = sampleOf(row, settings);
      return "error" in sample ? undefined : sample;
    });
    const contentChecked = found
      ? this.contentOfRows(
          samples,
          rows.map((row) => row.line),
          groupSet,
          found,
        )
      : undefined;
    for (let r = 0; r < n; r++) {
      const sample = samples[r];
      if (sample === undefined) continue;
      ok[r] = 1;
      if (found && contentChecked) {
        const checks = contentChecked[r] as CheckResult[];
        if (checks.length > 0) found.checks.push([r, checks]);
      }
      if (sample.label !== undefined) labels.set(r, sample.label);
      let features: RowFeatures | undefined;
      if (sample.label !== undefined && wantsBackdoor) {
        features = this.featurizer.extract(sample.input);
        featureCount[r] = features.n;
        for (let i = 0; i < features.n; i++) {
          keys.push(features.keys[i] as number);
          tags.push(features.tags[i] as number);
        }
      }
      if (wantsDup) {
        const tokens = features?.tokens ?? this.inputTokens.scan(sample.input);
        const k = this.bandKeys(sample, tokens);
        bandCount[r] = k.length;
        for (const b of k) bands.push(b);
      }
      if (wantsOutliers) {
        const body = sample.answer ?? sample.input;
        if (sample.answer !== undefined) {
          hasAnswer[r] = 1;
          logLength[r] = Math.log1p(sample.answer.length);
          const head = sample.answer.slice(0, 400).trim();
          if (REFUSAL.test(head)) pattern[r] = 1;
          else if (AFFIRMATION.test(head)) pattern[r] = 2;
        } else logLength[r] = Math.log1p(body.length);
        const script = dominantScript(body);
        if (script !== undefined) scripts.set(r, script);
      }
    }
    return {
      pass: "stats",
      ok,
      labels: labels.take(),
      featureCount,
      keys: keys.take(),
      tags: tags.take(),
      bandCount,
      bands: bands.take(),
      hasAnswer,
      logLength,
      pattern,
      scripts: scripts.take(),
      ...(found ? { content: found } : {}),
    };
  }

  private collect(rows: readonly WorkRow[], c: Omit<CollectContext, "pass">): CollectResult {
    const n = rows.length;
    const vocabulary = this.vocabulary as Vocabulary;
    const out: CollectResult = {
      pass: "collect",
      y: new Int32Array(n).fill(-1),
      holds: new Uint8Array(n),
      wordCount: new Uint32Array(n),
      words: new Int32Array(0),
      hits: [],
      contexts: [],
      names: [],
    };
    const contexts = new ContextCounter();
    const words = new Ints();
    const named = new Set<number>();
    for (let r = 0; r < n; r++) {
      const sample = sampleOf(rows[r] as WorkRow, c.settings);
      if ("error" in sample) continue;
      const y = lookupLabel(c.labels, this.labelIndex, sample.label);
      if (y < 0) continue;
      out.y[r] = y;
      const l = this.featurizer.lookup(sample.input, this.wanted, c.shapes);
      let count = 0;
      for (let i = 0; i < l.nUnigrams; i++) {
        const w = vocabulary.word(l.unigrams[i] as number);
        if (w < 0) continue;
        words.push(w);
        count++;
      }
      out.wordCount[r] = count;
      for (let i = 0; i < l.nFound; i++) {
        const key = l.found[i] as number;
        if (!named.has(key)) {
          named.add(key);
          out.names.push([key, l.name(i)]);
        }
        for (const cand of this.candidates.get(key) ?? []) {
          if (cand.target !== y) continue;
          out.holds[r] = 1;
          out.hits.push({ index: r, candidate: cand.candidate });
          const tag = l.foundTags[i] as number;
          if (tag >= 1 && tag <= 3) {
            const s = l.foundStart[i] as number;
            const e = s + (l.foundLength[i] as number);
            contexts.add(
              cand.candidate,
              l.tokens.words(e, e + CONTEXT_TOKENS).join(" "),
              l.tokens
                .words(s - CONTEXT_TOKENS, s)
                .reverse()
                .join(" "),
            );
          }
        }
      }
    }
    out.words = words.take();
    out.contexts = contexts.take();
    return out;
  }

  /** Pass 2, second half: the readings of the rows of a record (after every row is collected). */
  judge(record: CollectResult): JudgeResult {
    const model = this.model;
    if (!model) throw new Error("no content model");
    const n = record.y.length;
    const readings = new Uint8Array(n);
    const alone = new Uint8Array(record.hits.length);
    let at = 0;
    let h = 0;
    for (let r = 0; r < n; r++) {
      const y = record.y[r] as number;
      const count = record.wordCount[r] as number;
      if (y >= 0) {
        const readsOther = model.readsAsOther(record.words, at, count, y, record.holds[r] === 0);
        const full = model.fullReading(record.words, at, count, y);
        const fullOther = model.readsOtherWithout(full, y, []);
        readings[r] = (readsOther ? 1 : 0) | (fullOther ? 2 : 0);
        for (; h < record.hits.length && (record.hits[h] as { index: number }).index === r; h++) {
          const words = this.candidateWords[(record.hits[h] as { candidate: number }).candidate] ?? [];
          alone[h] = model.readsOtherWithout(full, y, words) ? 1 : 0;
        }
      }
      at += count;
    }
    return { pass: "judge", readings, alone };
  }

  private checkRows(rows: readonly WorkRow[], c: RowsContext): RowsResult {
    const out: RowsResult = { pass: "rows", checks: [], errors: [], notes: [] };
    const groups = new Set(c.settings.groups);
    const wantsDup = groups.has("duplicates");
    const wantsOutliers = groups.has("outliers");
    const labelNames = c.labels?.names ?? [];
    const majority = [...c.scripts].sort((a, b) => b[1] - a[1])[0];
    const majorityShare = majority && c.scriptRows > 0 ? majority[1] / c.scriptRows : 0;
    const scriptCounts = new Map(c.scripts);
    const parsed = rows.map((row) => sampleOf(row, c.settings));
    const content = c.contentDone
      ? undefined
      : this.contentOfRows(
          parsed.map((p) => ("error" in p ? undefined : p)),
          rows.map((row) => row.line),
          groups,
          out,
        );
    for (let r = 0; r < rows.length; r++) {
      const sample = parsed[r] as Sample | { error: string };
      if ("error" in sample) {
        out.errors.push([r, sample.error]);
        continue;
      }
      const checks: CheckResult[] = [];
      const y = c.labels ? lookupLabel(c.labels, this.labelIndex, sample.label) : -1;
      let features: RowFeatures | undefined;
      if (c.triggers.length > 0 && y >= 0) {
        features = this.featurizer.extract(sample.input);
        let hit: { t: Trigger; name: string } | undefined;
        for (let i = 0; i < features.n && !hit; i++) {
          const list = this.triggerByKey.get(features.keys[i] as number);
          const t = list?.find((x) => x.target === y);
          if (t) hit = { t, name: featureName(features, i) };
        }
        if (hit) {
          const { t } = hit;
          checks.push({
            check: "backdoor_trigger",
            score: round(Math.min(0.99, 0.6 + 0.4 * Math.max(0, t.readsOther - t.restReadsOther))),
            reason:
              `${t.kind} trigger "${t.phrase}"${hit.name !== t.phrase ? ` (matched "${hit.name}")` : ""}: ` +
              `${t.inTarget} of its ${t.support} rows are labelled "${labelNames[t.target]}" ` +
              `(Fisher p = ${formatP(t.logP).toExponential(1)}, ${c.tests} tests, FDR ${c.fdr}); ` +
              `without it ${Math.round(t.readsOther * 100)}% of those rows read as another label ` +
              `(${Math.round(t.restReadsOther * 100)}% of the label's other rows)`,
          });
        }
      }
      if (wantsDup) {
        // Only buckets of at least floodMin rows were sent: a smaller largest bucket cannot flag.
        const tokens =
          this.buckets.size > 0 ? (features?.tokens ?? this.inputTokens.scan(sample.input)) : undefined;
        if (tokens && tokens.n >= MIN_DUPLICATE_TOKENS) {
          let size = 0;
          let same = 0;
          for (const k of this.bandKeys(sample, tokens)) {
            const count = this.buckets.get(k) ?? 0;
            if (count > size) {
              size = count;
              same = y >= 0 ? (this.labelBuckets.get(withLabel(k, y)) ?? 0) : count;
            }
          }
          if (size >= c.floodMin && same >= 0.9 * size) {
            checks.push({
              check: "near_duplicate_flood",
              score: round(0.6 + 0.3 * Math.min(1, Math.log10(size / c.floodMin))),
              reason:
                `one of ~${size} near-duplicate rows (MinHash/LSH, Jaccard ≳ 0.7)` +
                (y >= 0 ? `, ${Math.round((same / size) * 100)}% with the label "${labelNames[y]}"` : "") +
                ` — a flood over-weighting one behaviour (threshold ${c.floodMin} rows)`,
            });
          }
        }
      }
      if (wantsOutliers) {
        const body = sample.answer ?? sample.input;
        const m = sample.answer !== undefined ? c.answerLengths : c.lengths[y >= 0 ? y : c.maxLabels];
        if (m && m.n >= 30 && m.sd > 0) {
          const z = (Math.log1p(body.length) - m.mean) / m.sd;
          if (Math.abs(z) >= LENGTH_Z) {
            checks.push({
              check: "length_outlier",
              score: round(Math.min(0.9, 0.5 + 0.05 * (Math.abs(z) - LENGTH_Z))),
              reason: `${sample.answer !== undefined ? "answer" : "text"} of ${body.length} characters is ${z > 0 ? "longer" : "shorter"} than the rest${y >= 0 && sample.answer === undefined ? ` of label "${labelNames[y]}"` : ""} (log-length z = ${z.toFixed(1)})`,
            });
          }
        }
        const script = dominantScript(body);
        if (majority && script && script !== majority[0] && majorityShare >= 0.95) {
          const share = (scriptCounts.get(script) ?? 0) / c.scriptRows;
          if (share < 0.01) {
            checks.push({
              check: "language_outlier",
              score: 0.5,
              reason: `written in ${script} script; ${Math.round(majorityShare * 100)}% of the rows are ${majority[0]}`,
            });
          }
        } else if (sample.answer && script) {
          const asked = dominantScript(sample.input);
          if (asked && asked !== script) {
            checks.push({
              check: "language_outlier",
              score: 0.5,
              reason: `the answer is in ${script} script, the prompt in ${asked}`,
            });
          }
        }
        if (sample.answer !== undefined) {
          const head = sample.answer.slice(0, 400).trim();
          if (REFUSAL.test(head) && c.refusalRate < 0.05) {
            checks.push({
              check: "answer_pattern_outlier",
              score: 0.5,
              reason: `a refusal, where ${(c.refusalRate * 100).toFixed(1)}% of the answers refuse`,
            });
          } else if (AFFIRMATION.test(head) && c.affirmationRate < 0.05 && c.refusalRate >= 0.5) {
            checks.push({
              check: "answer_pattern_outlier",
              score: 0.5,
              reason: `an eager affirmation, where ${(c.refusalRate * 100).toFixed(0)}% of the answers refuse`,
            });
          }
        }
      }
      if (content) for (const x of content[r] as CheckResult[]) checks.push(x);
      if (checks.length > 0) out.checks.push([r, checks]);
    }
    return out;
  }
}
