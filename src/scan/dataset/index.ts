/**
 * The dataset scanner (issue 6, "Dataset scanner"; docs/scanning-datasets.md). Up to four
 * streaming passes over the input, none of which keeps rows:
 *
 * 1. statistics: per-feature, per-label row counts (bounded table), LSH bucket sizes of MinHash
 *    signatures, length moments and script counts per label, answer-kind counts;
 * 2. and 3. trigger independence (only when pass 1 found candidate triggers): the candidates'
 *    rows are taken out of a naive-Bayes content model, then every row is read by it without
 *    the candidates' words (triggers.ts);
 * 4. per-row checks, reported in input order: backdoor triggers, near-duplicate floods, length /
 *    language / answer-pattern outliers, and the detection engine's PII, secrets, injection and
 *    hidden-character findings.
 *
 * Memory is bounded by the feature table (`maxFeatures`), the bucket counters and the top-rows
 * list, whatever the input size.
 */
import { createEngine, type Engine, type Finding } from "../../detect/index.js";
import { Featurizer, featureName, featureTag, tokenize, type RowFeatures } from "./features.js";
import { bandKeys, MIN_DUPLICATE_TOKENS, withLabel } from "./minhash.js";
import { AFFIRMATION, REFUSAL, toSample, type Sample } from "./record.js";
import { dominantScript, isAscii } from "./script.js";
import { detectFormat, readRows, totalBytes, type InputFormat, type RawRow } from "./source.js";
import { Moments } from "./stats.js";
import { FeatureTable, KeyCounter } from "./table.js";
import {
  acceptTriggers,
  ContentModel,
  DEFAULT_TRIGGER_OPTIONS,
  IndependenceTally,
  selectCandidates,
  type Trigger,
} from "./triggers.js";

export { SourceError, INPUT_FORMATS, type InputFormat } from "./source.js";
export { CsvParser } from "./csv.js";
export { splitLines } from "./lines.js";
export { toSample, answerKind } from "./record.js";

/** Checks a user can select; each row result names the check that fired. */
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

/** A row is flagged when one of its checks scores at least this. */
export const FLAG_SCORE = 0.5;

export interface CheckResult {
  check: CheckId;
  score: number;
  reason: string;
}

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
  /** For tests: an engine to reuse. */
  engine?: Engine;
  onProgress?: (pass: number, passes: number, bytes: number, total: number) => void;
}

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
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    const bucket = `answer-bucket-${(h >>> 0) % 16}`;
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

const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

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
    if (f.category === "pii" && groups.has("pii") && rank >= 2) {
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

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function formatP(logP: number): number {
  return logP < -700 ? 0 : Number(Math.exp(logP).toPrecision(3));
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

const LENGTH_Z = 5;

export async function scanDataset(
  options: DatasetScanOptions,
  onRow: (row: RowResult) => void | Promise<void>,
): Promise<DatasetSummary> {
  const started = performance.now();
  const format = options.format ?? (await detectFormat(options.path));
  const groups = new Set<CheckGroup>(options.checks ?? CHECKS);
  const total = await totalBytes(options.path, format);
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
  const read = () => readRows(options.path, format, { columns });
  const notes: string[] = [];
  const featurizer = new Featurizer();
  const sampleOf = (raw: RawRow): Sample | { error: string } => {
    if (raw.error !== undefined) return { error: raw.error };
    if (raw.text !== undefined) return { text: raw.text, input: raw.text };
    return toSample(raw.value, { field: options.field, labelField: options.labelField });
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
    buckets: new KeyCounter(1_000_000),
    labelBuckets: new KeyCounter(1_000_000),
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
  if (statsWanted) {
    for await (const raw of read()) {
      p1.rows++;
      p1.bytes += raw.bytes;
      if ((p1.rows & 1023) === 0) progress(1, p1.bytes);
      const sample = sampleOf(raw);
      if ("error" in sample) {
        p1.unreadable++;
        continue;
      }
      const y = labelOf(p1.labels, sample.label, maxLabels);
      let features: RowFeatures | undefined;
      if (y >= 0) {
        p1.labelRows[y]!++;
        if (wantsBackdoor) {
          features = featurizer.extract(sample.input);
          const f = features;
          const nameOf = (i: number) => featureName(f, i);
          for (let i = 0; i < f.keys.length; i++) {
            p1.table.add(f.keys[i] as number, y, featureTag(f, i), nameOf, i);
          }
        }
      }
      if (wantsDup) {
        const tokens = features?.tokens ?? tokenize(sample.input);
        for (const k of bandKeys(
          sample.answer ? [...tokens, "\u0000", ...tokenize(sample.answer, 512)] : tokens,
        )) {
          p1.buckets.add(k);
          if (y >= 0) p1.labelBuckets.add(withLabel(k, y));
        }
      }
      if (wantsOutliers) {
        const body = sample.answer ?? sample.input;
        if (sample.answer !== undefined) {
          p1.hasAnswers = true;
          p1.answers++;
          p1.answerLengths.add(Math.log1p(sample.answer.length));
          const head = sample.answer.slice(0, 400).trim();
          if (REFUSAL.test(head)) p1.refusals++;
          else if (AFFIRMATION.test(head)) p1.affirmations++;
        } else {
          p1.lengths[y >= 0 ? y : maxLabels]!.add(Math.log1p(body.length));
        }
        const script = dominantScript(body);
        if (script) {
          p1.scripts.set(script, (p1.scripts.get(script) ?? 0) + 1);
          p1.scriptRows++;
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
      if (selected.candidates.length > 0) {
        // ---- pass 2: content independence of the candidates --------------------------------
        const model = new ContentModel(p1.table, labelRows, selected.candidates);
        const tally = new IndependenceTally(selected.candidates, p1.table, labelCount);
        // Pass 2a takes the candidates' rows out of the content model, pass 2b judges every row.
        for (const step of ["remove", "judge"] as const) {
          let bytes = 0;
          let n = 0;
          for await (const raw of read()) {
            bytes += raw.bytes;
            if ((++n & 1023) === 0) progress(step === "remove" ? 2 : 3, bytes);
            const sample = sampleOf(raw);
            if ("error" in sample) continue;
            const y = labelOf(p1.labels, sample.label, maxLabels);
            if (y < 0) continue;
            const f = featurizer.extract(sample.input);
            const holds = model.holdsCandidate(f, y);
            if (step === "remove") {
              if (holds) model.remove(f, y);
            } else tally.add(f, y, model.readsAsOther(f, y, !holds), model.fullReading(f, y));
          }
          progress(step === "remove" ? 2 : 3, bytes);
        }
        triggers = acceptTriggers(tally, triggerOptions);
      }
    }
    if (p1.table.floor > 0) {
      notes.push(
        `feature table full: features seen in ${p1.table.floor} rows or fewer may be under-counted (raise maxFeatures)`,
      );
    }
  }
  const triggerByKey = new Map<number, Trigger[]>();
  for (const t of triggers) {
    for (const k of t.keys) {
      const list = triggerByKey.get(k);
      if (list) list.push(t);
      else triggerByKey.set(k, [t]);
    }
  }

  // ---- pass 3: per-row checks, in order ---------------------------------------------------
  const contentGroups = (["pii", "secrets", "injection", "hidden_text"] as const).filter((g) =>
    groups.has(g),
  );
  const engine =
    contentGroups.length > 0
      ? (options.engine ?? createEngine({ detectors: ["unicode", "injection", "pii", "secrets"] }))
      : undefined;
  const engineDetectors = [
    ...(groups.has("injection") ? ["injection"] : []),
    ...(groups.has("pii") ? ["pii"] : []),
    ...(groups.has("secrets") ? ["secrets"] : []),
  ];
  const counts = Object.fromEntries(CHECK_IDS.map((c) => [c, 0])) as Record<CheckId, number>;
  const top: DatasetSummary["top"] = [];
  const topN = options.top ?? 20;
  let rows = 0;
  let flagged = 0;
  let unreadable = 0;
  let bytes = 0;
  const majority = [...p1.scripts].sort((a, b) => b[1] - a[1])[0];
  const majorityShare = majority && p1.scriptRows > 0 ? majority[1] / p1.scriptRows : 0;
  const refusalRate = p1.answers > 0 ? p1.refusals / p1.answers : 0;
  const affirmationRate = p1.answers > 0 ? p1.affirmations / p1.answers : 0;

  for await (const raw of read()) {
    rows++;
    bytes += raw.bytes;
    if ((rows & 1023) === 0) progress(passes, bytes);
    const sample = sampleOf(raw);
    if ("error" in sample) {
      unreadable++;
      await onRow({
        line: raw.line,
        flagged: false,
        checks: [],
        error: sample.error,
        ...(raw.source ? { source: raw.source } : {}),
      });
      continue;
    }
    const checks: CheckResult[] = [];
    const y = statsWanted ? labelOf(p1.labels, sample.label, maxLabels) : -1;
    let features: RowFeatures | undefined;
    if (triggers.length > 0 && y >= 0) {
      features = featurizer.extract(sample.input);
      let hit: { t: Trigger; name: string } | undefined;
      for (let i = 0; i < features.keys.length && !hit; i++) {
        const list = triggerByKey.get(features.keys[i] as number);
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
            `${t.inTarget} of its ${t.support} rows are labelled "${p1.labels.names[t.target]}" ` +
            `(Fisher p = ${formatP(t.logP).toExponential(1)}, ${tests} tests, FDR ${triggerOptions.fdr}); ` +
            `without it ${Math.round(t.readsOther * 100)}% of those rows read as another label ` +
            `(${Math.round(t.restReadsOther * 100)}% of the label's other rows)`,
        });
      }
    }
    if (wantsDup) {
      const tokens = features?.tokens ?? tokenize(sample.input);
      if (tokens.length >= MIN_DUPLICATE_TOKENS) {
        let size = 0;
        let same = 0;
        for (const k of bandKeys(
          sample.answer ? [...tokens, "\u0000", ...tokenize(sample.answer, 512)] : tokens,
        )) {
          const c = p1.buckets.get(k);
          if (c > size) {
            size = c;
            same = y >= 0 ? p1.labelBuckets.get(withLabel(k, y)) : c;
          }
        }
        if (size >= floodMin && same >= 0.9 * size) {
          checks.push({
            check: "near_duplicate_flood",
            score: round(0.6 + 0.3 * Math.min(1, Math.log10(size / floodMin))),
            reason:
              `one of ~${size} near-duplicate rows (MinHash/LSH, Jaccard ≳ 0.7)` +
              (y >= 0 ? `, ${Math.round((same / size) * 100)}% with the label "${p1.labels.names[y]}"` : "") +
              ` — a flood over-weighting one behaviour (threshold ${floodMin} rows)`,
          });
        }
      }
    }
    if (wantsOutliers) {
      const body = sample.answer ?? sample.input;
      const m = sample.answer !== undefined ? p1.answerLengths : p1.lengths[y >= 0 ? y : maxLabels];
      if (m && m.n >= 30 && m.sd > 0) {
        const z = (Math.log1p(body.length) - m.mean) / m.sd;
        if (Math.abs(z) >= LENGTH_Z) {
          checks.push({
            check: "length_outlier",
            score: round(Math.min(0.9, 0.5 + 0.05 * (Math.abs(z) - LENGTH_Z))),
            reason: `${sample.answer !== undefined ? "answer" : "text"} of ${body.length} characters is ${z > 0 ? "longer" : "shorter"} than the rest${y >= 0 && sample.answer === undefined ? ` of label "${p1.labels.names[y]}"` : ""} (log-length z = ${z.toFixed(1)})`,
          });
        }
      }
      const script = dominantScript(body);
      if (majority && script && script !== majority[0] && majorityShare >= 0.95) {
        const share = (p1.scripts.get(script) ?? 0) / p1.scriptRows;
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
        if (REFUSAL.test(head) && refusalRate < 0.05) {
          checks.push({
            check: "answer_pattern_outlier",
            score: 0.5,
            reason: `a refusal, where ${(refusalRate * 100).toFixed(1)}% of the answers refuse`,
          });
        } else if (AFFIRMATION.test(head) && affirmationRate < 0.05 && refusalRate >= 0.5) {
          checks.push({
            check: "answer_pattern_outlier",
            score: 0.5,
            reason: `an eager affirmation, where ${(refusalRate * 100).toFixed(0)}% of the answers refuse`,
          });
        }
      }
    }
    if (engine) {
      const nonAscii = !isAscii(sample.text);
      const detectors =
        nonAscii && groups.has("hidden_text") ? [...engineDetectors, "unicode"] : engineDetectors;
      if (detectors.length > 0) {
        try {
          checks.push(...contentChecks(engine.scan(sample.text, { context: "document", detectors }), groups));
        } catch (error) {
          notes.push(`line ${raw.line}: detection failed: ${(error as Error).message}`);
        }
      }
    }
    const isFlagged = checks.some((c) => c.score >= FLAG_SCORE);
    if (isFlagged) flagged++;
    for (const c of checks) if (c.score >= FLAG_SCORE) counts[c.check]++;
    if (isFlagged) {
      const score = Math.max(...checks.map((c) => c.score));
      if (top.length < topN || score > (top[top.length - 1] as { score: number }).score) {
        top.push({
          line: raw.line,
          score,
          checks: checks.filter((c) => c.score >= FLAG_SCORE).map((c) => c.check),
          ...(raw.source ? { source: raw.source } : {}),
        });
        top.sort((a, b) => b.score - a.score || a.line - b.line);
        if (top.length > topN) top.pop();
      }
    }
    await onRow({
      line: raw.line,
      flagged: isFlagged,
      checks,
      ...(raw.source ? { source: raw.source } : {}),
    });
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
