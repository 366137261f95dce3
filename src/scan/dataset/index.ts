/**
 * The dataset scanner (issue 6, "Dataset scanner"; docs/scanning-datasets.md). At most three
 * streaming reads of the input, none of which keeps rows:
 *
 * 1. statistics: per-feature, per-label row counts (bounded table), LSH bucket sizes of MinHash
 *    signatures, length moments and script counts per label, answer-kind counts; the content
 *    checks (detection engine) run here too and their results wait for pass 3 (bounded);
 * 2. trigger independence (only when pass 1 found candidate triggers): one read collects each
 *    labelled row's words and candidates and takes the candidates' rows out of a naive-Bayes
 *    content model; then every row is judged by it without the candidates' words, from a record
 *    of that read kept in bounded memory (or from a second read when it does not fit);
 * 3. per-row checks, reported in input order: backdoor triggers, near-duplicate floods, length /
 *    language / answer-pattern outliers, and the detection engine's PII, secrets, injection and
 *    hidden-character findings.
 *
 * The per-row work runs in batches on worker threads (work.ts, pool.ts) or on this thread; this
 * module keeps what must follow the input order. Memory is bounded by the feature table
 * (`maxFeatures`), the bucket counters, the two budgets above, the batches in flight and the
 * top-rows list, whatever the input size.
 */
import { availableParallelism } from "node:os";
import type { Engine } from "../../detect/index.js";
import { TAG_SHAPE } from "./features.js";
import { withLabel } from "./minhash.js";
import { WORKER_URL, workerAvailable, WorkerPool } from "./pool.js";
import { detectFormat, readRows, totalBytes, type InputFormat, type RawRow } from "./source.js";
import { Moments } from "./stats.js";
import { FeatureTable, KeyCounter } from "./table.js";
import {
  acceptTriggers,
  addContexts,
  candidatesByKey,
  ContentCounts,
  DEFAULT_TRIGGER_OPTIONS,
  IndependenceTally,
  type CandidateHit,
  nameCandidates,
  selectCandidates,
  type Trigger,
} from "./triggers.js";
import {
  answerBucket,
  CHECK_IDS,
  CHECKS,
  createContentEngine,
  formatP,
  hasContentChecks,
  RowWork,
  stringAt,
  type CheckGroup,
  type CheckId,
  type CheckResult,
  type CollectResult,
  type ContentResult,
  type FrozenLabels,
  type PassContext,
  type PassResult,
  type RowSettings,
} from "./work.js";

export { SourceError, INPUT_FORMATS, type InputFormat } from "./source.js";
export { CsvParser } from "./csv.js";
export { splitLines } from "./lines.js";
export { toSample, answerKind } from "./record.js";

export {
  CHECKS,
  CHECK_IDS,
  createContentEngine,
  type CheckGroup,
  type CheckId,
  type CheckResult,
} from "./work.js";
export { ScanWorkerError } from "./pool.js";

/** A row is flagged when one of its checks scores at least this. */
export const FLAG_SCORE = 0.5;

export interface RowResult {
  line: number;
  flagged: boolean;
  checks: CheckResult[];
  /** Folder input: the document's path. Not part of the JSON row. */
  source?: string;
  /** The row could not be read. Not part of the JSON row (reported as a check-free row). */
  error?: string;
}

export interface TriggerReport {
  trigger: string;
  kind: Trigger["kind"];
  label: string;
  rows: number;
  rowsWithLabel: number;
  /** Fisher's exact one-sided p (not corrected; the test count is in the summary). */
  p: number;
  readsAsOtherLabel: number;
  restReadsAsOtherLabel: number;
}

export interface DatasetSummary {
  file: string;
  format: InputFormat;
  rows: number;
  flagged: number;
  unreadable: number;
  bytes: number;
  seconds: number;
  labels: Record<string, number>;
  checks: Record<CheckId, number>;
  triggers: TriggerReport[];
  associationTests: number;
  top: Array<{ line: number; score: number; checks: CheckId[]; source?: string }>;
  notes: string[];
}

export interface DatasetScanOptions {
  path: string;
  format?: InputFormat;
  /** Field holding the text (dotted paths allowed); auto-detected when absent. */
  field?: string;
  /** Field holding the class label; chat rows and pairs use the kind of answer instead. */
  labelField?: string;
  /** Check groups to run (default: all). */
  checks?: readonly CheckGroup[];
  /** Minimum rows a trigger or flood must have (default: max(5, 0.1 % of the rows)). */
  minSupport?: number;
  /** False-discovery rate of the association tests. */
  fdr?: number;
  /** Features kept in memory (default 400,000). */
  maxFeatures?: number;
  /** Distinct labels tracked (the rest share one bucket). */
  maxLabels?: number;
  /** Rows listed in summary.top. */
  top?: number;
  /**
   * Worker threads for the per-row work (default: the number of cores, for inputs of at least
   * 8 MB; smaller ones, and scans with only the outlier and hidden-text checks, run on the calling
   * thread, where starting threads and handing them rows would cost more than they save). 0:
   * everything on the calling thread. The findings are the same either way.
   */
  workers?: number;
  /** For tests: an engine to reuse (the scan then runs on the calling thread). */
  engine?: Engine;
  /** For tests: the worker module to start. */
  workerUrl?: URL;
  /** Memory for the content checks' results kept from pass 1 to pass 3 (default 64 MB). For tests. */
  contentBytes?: number;
  /**
   * Memory for what pass 2 keeps of each row between its two halves (default 128 MB): a dataset
   * whose rows need more is read once more instead. For tests.
   */
  recordBytes?: number;
  onProgress?: (pass: number, passes: number, bytes: number, total: number) => void;
}

/** Inputs below this size are scanned on the calling thread unless `workers` is given. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
const RECORD_BYTES = 128 * 1024 * 1024;
/**
 * The content checks run with pass 1 (on the threads that would otherwise wait for the main
 * thread's counting) and their results wait for pass 3, up to this much; beyond it, they run
 * again in pass 3.
 */
const CONTENT_BYTES = 64 * 1024 * 1024;
/** Rows per batch, and text per batch (whichever comes first). */
const BATCH_ROWS = 512;
const BATCH_CHARS = 512 * 1024;

interface LabelIndex {
  names: string[];
  index: Map<string, number>;
  other: number;
}

function labelOf(labels: LabelIndex, name: string | undefined, cap: number): number {
  if (name === undefined) return -1;
  const known = labels.index.get(name);
  if (known !== undefined) return known;
  // Answer openings are many: hashed into a fixed set of buckets, named by their first member.
  if (name.startsWith("starts:")) {
    const bucket = answerBucket(name);
    const b = labels.index.get(bucket);
    if (b !== undefined) return b;
    if (labels.names.length < cap - 1) {
      labels.names.push(`${bucket} (e.g. "${name.slice(7)}")`);
      labels.index.set(bucket, labels.names.length - 1);
      return labels.names.length - 1;
    }
    return otherLabel(labels);
  }
  if (labels.names.length < cap - 1) {
    labels.names.push(name);
    labels.index.set(name, labels.names.length - 1);
    return labels.names.length - 1;
  }
  return otherLabel(labels);
}

function otherLabel(labels: LabelIndex): number {
  if (labels.other < 0) {
    labels.names.push("(other labels)");
    labels.other = labels.names.length - 1;
  }
  return labels.other;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

interface Pass1 {
  table: FeatureTable;
  labels: LabelIndex;
  labelRows: number[];
  buckets: KeyCounter;
  labelBuckets: KeyCounter;
  lengths: Moments[];
  answerLengths: Moments;
  scripts: Map<string, number>;
  scriptRows: number;
  answers: number;
  refusals: number;
  affirmations: number;
  rows: number;
  unreadable: number;
  bytes: number;
  hasAnswers: boolean;
}

/** Runs batches of rows for the current pass: on worker threads, or on this one. */
interface Executor {
  /** Batches in flight at most. */
  readonly depth: number;
  setContext(context: PassContext): void;
  run(rows: RawRow[]): Promise<PassResult>;
  /** Pass 2's second half on a kept record. */
  judge(record: CollectResult): Promise<PassResult>;
  close(): Promise<void>;
}

function inlineExecutor(makeEngine: () => Engine): Executor {
  const work = new RowWork(makeEngine);
  return {
    depth: 1,
    setContext: (context) => work.setContext(context),
    run: (rows) => Promise.resolve(work.run(rows)),
    judge: (record) => Promise.resolve(work.judge(record)),
    close: () => Promise.resolve(),
  };
}

function poolExecutor(pool: WorkerPool): Executor {
  return {
    // Two batches per thread: one worked on, one waiting, so no thread idles between batches.
    depth: pool.size * 2,
    setContext: (context) => pool.setContext(context),
    run: (rows) => pool.run(rows),
    judge: (record) => pool.judge(record),
    close: () => pool.close(),
  };
}

async function* batchesOf(rows: AsyncIterable<RawRow>): AsyncGenerator<RawRow[]> {
  let batch: RawRow[] = [];
  let chars = 0;
  for await (const row of rows) {
    batch.push(row);
    chars += row.json?.length ?? row.text?.length ?? 64;
    if (batch.length >= BATCH_ROWS || chars >= BATCH_CHARS) {
      yield batch;
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The batches' results in input order, with at most `depth` batches in flight (memory stays
 * bounded however far the reader could run ahead).
 */
async function* inOrder<T>(
  depth: number,
  batches: AsyncIterable<T> | Iterable<T>,
  run: (batch: T) => Promise<PassResult>,
): AsyncGenerator<[T, PassResult]> {
  const queue: Array<[T, Promise<PassResult>]> = [];
  for await (const batch of batches) {
    const result = run(batch);
    // Awaited in turn below; a failure of a later batch must not surface as unhandled first.
    result.catch(() => undefined);
    queue.push([batch, result]);
    if (queue.length > depth) {
      const [done, pending] = queue.shift() as [T, Promise<PassResult>];
      yield [done, await pending];
    }
  }
  while (queue.length > 0) {
    const [done, pending] = queue.shift() as [T, Promise<PassResult>];
    yield [done, await pending];
  }
}

/** The size of a kept record, roughly (its arrays, and a guess for each hit). */
function recordSize(record: CollectResult): number {
  return (
    record.y.byteLength +
    record.holds.byteLength +
    record.wordCount.byteLength +
    record.words.byteLength +
    record.hits.length * 64
  );
}

export async function scanDataset(
  options: DatasetScanOptions,
  onRow: (row: RowResult) => void | Promise<void>,
): Promise<DatasetSummary> {
  const started = performance.now();
  const format = options.format ?? (await detectFormat(options.path));
  const groups = new Set<CheckGroup>(options.checks ?? CHECKS);
  const total = await totalBytes(options.path, format);
  // The outlier and hidden-character checks alone cost less per row than handing it to a thread.
  const heavy = [...groups].some((g) => g !== "outliers" && g !== "hidden_text");
  const workers =
    options.workers ?? (total >= PARALLEL_MIN_BYTES && heavy ? Math.max(1, availableParallelism()) : 0);
  const workerUrl = options.workerUrl ?? WORKER_URL;
  const executor =
    workers > 0 && !options.engine && workerAvailable(workerUrl)
      ? poolExecutor(new WorkerPool(workers, workerUrl))
      : inlineExecutor(() => options.engine ?? createContentEngine());
  try {
    return await scan(options, onRow, { started, format, groups, total, executor });
  } finally {
    await executor.close();
  }
}

async function scan(
  options: DatasetScanOptions,
  onRow: (row: RowResult) => void | Promise<void>,
  setup: {
    started: number;
    format: InputFormat;
    groups: Set<CheckGroup>;
    total: number;
    executor: Executor;
  },
): Promise<DatasetSummary> {
  const { started, format, groups, total, executor } = setup;
  const maxLabels = options.maxLabels ?? 32;
  const columns = [
    options.field,
    options.labelField,
    "messages",
    "conversations",
    "text",
    "prompt",
    "completion",
    "response",
    "instruction",
    "input",
    "output",
    "question",
    "answer",
    "query",
  ]
    .filter((c): c is string => typeof c === "string")
    .map((c) => c.split(".")[0] as string);
  // JSONL lines are parsed by whoever works on the row (a worker thread, in parallel).
  const read = () =>
    inOrder(executor.depth, batchesOf(readRows(options.path, format, { columns, parse: false })), (rows) =>
      executor.run(rows),
    );
  const notes: string[] = [];
  const settings: RowSettings = {
    groups: [...groups],
    ...(options.field !== undefined ? { field: options.field } : {}),
    ...(options.labelField !== undefined ? { labelField: options.labelField } : {}),
  };
  const wantsBackdoor = groups.has("backdoor");
  const wantsDup = groups.has("duplicates");
  const wantsOutliers = groups.has("outliers");
  const statsWanted = wantsBackdoor || wantsDup || wantsOutliers;
  // Statistics, then (only when there are candidate triggers) two passes for the content model.
  const passes = statsWanted ? 4 : 1;
  const progress = (pass: number, bytes: number) => options.onProgress?.(pass, passes, bytes, total);

  // ---- pass 1: statistics -----------------------------------------------------------------
  const p1: Pass1 = {
    table: new FeatureTable(maxLabels, options.maxFeatures ?? 400_000),
    labels: { names: [], index: new Map(), other: -1 },
    labelRows: new Array<number>(maxLabels).fill(0),
    // Ten band keys per row, rows of a few hundred bytes: about one key per 16 input bytes.
    buckets: new KeyCounter(1_000_000, wantsDup ? total / 16 : 0),
    labelBuckets: new KeyCounter(1_000_000, wantsDup ? total / 16 : 0),
    lengths: Array.from({ length: maxLabels + 1 }, () => new Moments()),
    answerLengths: new Moments(),
    scripts: new Map(),
    scriptRows: 0,
    answers: 0,
    refusals: 0,
    affirmations: 0,
    rows: 0,
    unreadable: 0,
    bytes: 0,
    hasAnswers: false,
  };
  // The content checks ride along with pass 1 when there is one; their results are kept for
  // pass 3 while they fit in `contentBytes`.
  const contentWanted = hasContentChecks(settings.groups);
  let early: ContentResult[] | undefined = statsWanted && contentWanted ? [] : undefined;
  let earlyBytes = 0;
  const contentBudget = options.contentBytes ?? CONTENT_BYTES;
  if (statsWanted) {
    executor.setContext({ pass: "stats", settings, content: contentWanted });
    for await (const [batch, result] of read()) {
      if (result.pass !== "stats") throw new Error("unexpected result");
      if (early && result.content) {
        for (const [, checks] of result.content.checks) {
          for (const c of checks) earlyBytes += 100 + 2 * c.reason.length;
        }
        if (earlyBytes <= contentBudget) early.push(result.content);
        else early = undefined;
      }
      let keyAt = 0;
      let bandAt = 0;
      for (let r = 0; r < batch.length; r++) {
        p1.rows++;
        p1.bytes += (batch[r] as RawRow).bytes;
        if ((p1.rows & 1023) === 0) progress(1, p1.bytes);
        if (result.ok[r] === 0) {
          p1.unreadable++;
          continue;
        }
        const y = labelOf(p1.labels, stringAt(result.labels, r), maxLabels);
        const features = result.featureCount[r] as number;
        if (y >= 0) {
          p1.labelRows[y]!++;
          for (let i = keyAt; i < keyAt + features; i++) {
            p1.table.add(result.keys[i] as number, y, result.tags[i] as number);
          }
        }
        keyAt += features;
        const bands = result.bandCount[r] as number;
        for (let i = bandAt; i < bandAt + bands; i++) {
          const k = result.bands[i] as number;
          p1.buckets.add(k);
          if (y >= 0) p1.labelBuckets.add(withLabel(k, y));
        }
        bandAt += bands;
        if (wantsOutliers) {
          if (result.hasAnswer[r] === 1) {
            p1.hasAnswers = true;
            p1.answers++;
            p1.answerLengths.add(result.logLength[r] as number);
            if (result.pattern[r] === 1) p1.refusals++;
            else if (result.pattern[r] === 2) p1.affirmations++;
          } else {
            p1.lengths[y >= 0 ? y : maxLabels]!.add(result.logLength[r] as number);
          }
          const script = stringAt(result.scripts, r);
          if (script) {
            p1.scripts.set(script, (p1.scripts.get(script) ?? 0) + 1);
            p1.scriptRows++;
          }
        }
      }
    }
    progress(1, p1.bytes);
  }
  const labelled = p1.labelRows.reduce((a, b) => a + b, 0);
  const labelCount = p1.labels.names.length;
  const labelRows = p1.labelRows.slice(0, labelCount);
  const minSupport = options.minSupport ?? Math.max(5, Math.ceil(0.001 * labelled));
  const floodMin = Math.max(20, Math.ceil(0.001 * p1.rows));
  const triggerOptions = {
    ...DEFAULT_TRIGGER_OPTIONS,
    minSupport,
    ...(options.fdr ? { fdr: options.fdr } : {}),
  };
  const frozen: FrozenLabels = {
    names: p1.labels.names,
    index: [...p1.labels.index],
    other: p1.labels.other,
  };

  // ---- between passes: candidate triggers -------------------------------------------------
  let triggers: Trigger[] = [];
  let tests = 0;
  if (wantsBackdoor && statsWanted) {
    if (labelCount < 2) {
      notes.push(
        labelled === 0
          ? "backdoor test skipped: no labels (give --label-field, or use chat / prompt-completion rows)"
          : "backdoor test skipped: every row has the same label",
      );
    } else {
      const selected = selectCandidates(p1.table, labelRows, triggerOptions);
      tests = selected.tests;
      const candidates = selected.candidates;
      if (candidates.length > 0) {
        // ---- pass 2: content independence of the candidates --------------------------------
        // First half: each labelled row's words and candidates (which names the candidates);
        // the rows holding a candidate of their own label are taken out of the content model.
        // Second half: every row is judged by the model. What the second half needs of each
        // row is kept from the first while it fits in `recordBytes`; otherwise the input is
        // read again.
        const counts = new ContentCounts(p1.table, labelRows);
        const collect = {
          settings,
          labels: frozen,
          candidates: candidatesByKey(candidates),
          shapes: candidates.some((c) => c.tag === TAG_SHAPE),
          words: counts.words,
        };
        const names = new Map<number, string>();
        const budget = options.recordBytes ?? RECORD_BYTES;
        let kept: Array<{ record: CollectResult; bytes: number }> | undefined = [];
        let keptBytes = 0;
        executor.setContext({ pass: "collect", ...collect });
        let bytes = 0;
        let n = 0;
        for await (const [batch, result] of read()) {
          if (result.pass !== "collect") throw new Error("unexpected result");
          let batchBytes = 0;
          for (const row of batch) {
            batchBytes += row.bytes;
            if ((++n & 1023) === 0) progress(2, bytes + batchBytes);
          }
          bytes += batchBytes;
          let at = 0;
          for (let r = 0; r < batch.length; r++) {
            const words = result.wordCount[r] as number;
            if (result.holds[r] === 1) counts.remove(result.words, at, words, result.y[r] as number);
            at += words;
          }
          for (const [key, name] of result.names) if (!names.has(key)) names.set(key, name);
          addContexts(candidates, result.contexts);
          if (kept) {
            result.names = [];
            result.contexts = [];
            keptBytes += recordSize(result);
            if (keptBytes <= budget) kept.push({ record: result, bytes: batchBytes });
            else kept = undefined;
          }
        }
        progress(2, bytes);
        nameCandidates(candidates, names);
        const tally = new IndependenceTally(candidates, labelCount);
        executor.setContext({
          pass: "judge",
          ...collect,
          candidates: candidatesByKey(candidates),
          model: counts.freeze(candidates),
        });
        const judged = kept ? inOrder(executor.depth, kept, (k) => executor.judge(k.record)) : read();
        bytes = 0;
        n = 0;
        for await (const [input, result] of judged) {
          if (result.pass !== "judge") throw new Error("unexpected result");
          const record = "record" in input ? input.record : result.record;
          if (!record) throw new Error("unexpected result");
          bytes += "record" in input ? input.bytes : input.reduce((b, row) => b + row.bytes, 0);
          const rows = record.y.length;
          let h = 0;
          for (let r = 0; r < rows; r++) {
            if ((++n & 1023) === 0) progress(3, bytes);
            const y = record.y[r] as number;
            if (y < 0) continue;
            const hits: CandidateHit[] = [];
            for (; h < record.hits.length && (record.hits[h] as { index: number }).index === r; h++) {
              const hit = record.hits[h] as CollectResult["hits"][number];
              hits.push({ candidate: hit.candidate, aloneOther: result.alone[h] === 1 });
            }
            const reading = result.readings[r] as number;
            tally.add(y, (reading & 1) !== 0, (reading & 2) !== 0, hits);
          }
        }
        progress(3, bytes);
        triggers = acceptTriggers(tally, triggerOptions);
      }
    }
    if (p1.table.floor > 0) {
      notes.push(
        `feature table full: features seen in ${p1.table.floor} rows or fewer may be under-counted (raise maxFeatures)`,
      );
    }
  }

  // ---- pass 3: per-row checks, in order ---------------------------------------------------
  // Only the LSH buckets large enough to flag a row travel to the workers.
  const buckets: Array<[number, number]> = [];
  const labelBuckets: Array<[number, number]> = [];
  if (wantsDup) {
    for (const [key, count] of p1.buckets.atLeast(floodMin)) {
      buckets.push([key, count]);
      for (let y = 0; y < labelCount; y++) {
        const same = p1.labelBuckets.get(withLabel(key, y));
        if (same > 0) labelBuckets.push([withLabel(key, y), same]);
      }
    }
  }
  const spread = (m: Moments) => ({ n: m.n, mean: m.mean, sd: m.sd });
  executor.setContext({
    pass: "rows",
    settings,
    contentDone: early !== undefined,
    ...(statsWanted ? { labels: frozen } : {}),
    maxLabels,
    triggers,
    tests,
    fdr: triggerOptions.fdr,
    floodMin,
    buckets,
    labelBuckets,
    lengths: p1.lengths.map(spread),
    answerLengths: spread(p1.answerLengths),
    scripts: [...p1.scripts],
    scriptRows: p1.scriptRows,
    refusalRate: p1.answers > 0 ? p1.refusals / p1.answers : 0,
    affirmationRate: p1.answers > 0 ? p1.affirmations / p1.answers : 0,
  });
  const counts = Object.fromEntries(CHECK_IDS.map((c) => [c, 0])) as Record<CheckId, number>;
  const top: DatasetSummary["top"] = [];
  const topN = options.top ?? 20;
  let rows = 0;
  let flagged = 0;
  let unreadable = 0;
  let bytes = 0;
  const none: CheckResult[] = [];
  let batchIndex = 0;
  for await (const [batch, result] of read()) {
    if (result.pass !== "rows") throw new Error("unexpected result");
    const content = early?.[batchIndex++];
    let c = 0;
    let e = 0;
    let k = 0;
    for (let r = 0; r < batch.length; r++) {
      const raw = batch[r] as RawRow;
      rows++;
      bytes += raw.bytes;
      if ((rows & 1023) === 0) progress(passes, bytes);
      const error = result.errors[e];
      if (error && error[0] === r) {
        e++;
        unreadable++;
        await onRow({
          line: raw.line,
          flagged: false,
          checks: [],
          error: error[1],
          ...(raw.source ? { source: raw.source } : {}),
        });
        continue;
      }
      const found = result.checks[c];
      let checks = none;
      if (found && found[0] === r) {
        c++;
        checks = found[1];
      }
      // Content checks from pass 1 come after the statistical ones, as when they run here.
      const more = content?.checks[k];
      if (more && more[0] === r) {
        k++;
        checks = checks === none ? more[1] : [...checks, ...more[1]];
      }
      const isFlagged = checks.some((x) => x.score >= FLAG_SCORE);
      if (isFlagged) flagged++;
      for (const x of checks) if (x.score >= FLAG_SCORE) counts[x.check]++;
      if (isFlagged) {
        const score = Math.max(...checks.map((x) => x.score));
        if (top.length < topN || score > (top[top.length - 1] as { score: number }).score) {
          top.push({
            line: raw.line,
            score,
            checks: checks.filter((x) => x.score >= FLAG_SCORE).map((x) => x.check),
            ...(raw.source ? { source: raw.source } : {}),
          });
          top.sort((a, b) => b.score - a.score || a.line - b.line);
          if (top.length > topN) top.pop();
        }
      }
      await onRow({
        line: raw.line,
        flagged: isFlagged,
        checks: checks === none ? [] : checks,
        ...(raw.source ? { source: raw.source } : {}),
      });
    }
    for (const note of content?.notes ?? result.notes) notes.push(note);
  }
  progress(passes, bytes);
  if (notes.length > 50) notes.splice(50, notes.length - 50, `… ${notes.length - 50} more notes`);
  return {
    file: options.path,
    format,
    rows,
    flagged,
    unreadable,
    bytes: Math.round(bytes),
    seconds: round((performance.now() - started) / 1000),
    labels: Object.fromEntries(p1.labels.names.map((n, i) => [n, p1.labelRows[i] ?? 0])),
    checks: counts,
    triggers: triggers.map((t) => ({
      trigger: t.phrase,
      kind: t.kind,
      label: p1.labels.names[t.target] as string,
      rows: t.support,
      rowsWithLabel: t.inTarget,
      p: formatP(t.logP),
      readsAsOtherLabel: round(t.readsOther),
      restReadsAsOtherLabel: round(t.restReadsOther),
    })),
    associationTests: tests,
    top,
    notes,
  };
}
