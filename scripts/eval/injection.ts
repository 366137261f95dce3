/**
 * Prompt injection and jailbreak (issue 3, scope 2; target: balanced accuracy ≥ 0.95 with ≤ 1%
 * false positives on benign prompts). Files:
 * - prompts.jsonl: `injection` and `jailbreak` rows are attacks, `benign` rows are not;
 * - harmful_requests.jsonl: plain harmful requests, which are not injections (negatives);
 * - benign_broad.jsonl: ordinary requests in 20+ languages (negatives);
 * - indirect_injection_bipia.jsonl: retrieved content, scanned with `context: "document"`.
 * Every row is scanned by the whole default engine, as the gateway would scan it; a row counts
 * as flagged when the result has a `prompt_injection` or `jailbreak` category. The time of that
 * scan is the per-text latency of all default detectors.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { exposureOf, limitPerSource, readJsonl, type Row, type TrainingRecord } from "./data.js";
import {
  binaryMetrics,
  capForBudget,
  stratifiedWeights,
  summariseLatency,
  type Decision,
  type LatencySummary,
  type Metrics,
} from "./metrics.js";
import { flaggedCategories, isInjectionFlag, type Ours } from "./ours.js";
import type { InjectionPeer, TextContext } from "./peers.js";
import { fmt, pct, table, type Section, type Target } from "./report.js";

interface FileSpec {
  file: string;
  context: TextContext;
  positive: (label: string) => boolean;
}

export const INJECTION_FILES: readonly FileSpec[] = [
  { file: "prompts.jsonl", context: "prompt", positive: (l) => l === "injection" || l === "jailbreak" },
  { file: "harmful_requests.jsonl", context: "prompt", positive: () => false },
  { file: "benign_broad.jsonl", context: "prompt", positive: () => false },
  { file: "indirect_injection_bipia.jsonl", context: "document", positive: (l) => l === "injection" },
];

interface EvalRow extends Row {
  file: string;
  context: TextContext;
  positive: boolean;
}

export interface SystemRun {
  name: string;
  flags: boolean[];
  timesMs: number[];
  /** Per row: 1 when every row was run, else the stratified-sample weight (0 = not run). */
  weights: number[];
  errors: number;
  /** Set when the system was too slow for every row and ran on a stratified sample. */
  sample?: { rows: number; msPerCall: number };
}

export interface InjectionInput {
  dataDir: string;
  ours: Ours;
  peers: readonly InjectionPeer[];
  training: TrainingRecord;
  limit: number;
  /** Seconds a peer may take on this section; a slower peer runs on a stratified sample. */
  peerBudgetSeconds: number;
  log: (line: string) => void;
}

function loadRows(dataDir: string, limit: number): { rows: EvalRow[]; missing: string[] } {
  const rows: EvalRow[] = [];
  const missing: string[] = [];
  for (const spec of INJECTION_FILES) {
    const path = join(dataDir, "prompt_injection", spec.file);
    if (!existsSync(path)) {
      missing.push(spec.file);
      continue;
    }
    for (const r of limitPerSource(readJsonl(path), limit)) {
      rows.push({ ...r, file: spec.file, context: spec.context, positive: spec.positive(r.label) });
    }
  }
  return { rows, missing };
}

const WARM_UP = 300;

async function runSystem(
  name: string,
  rows: readonly EvalRow[],
  flag: (row: EvalRow) => boolean | Promise<boolean>,
  budgetSeconds = Infinity,
): Promise<SystemRun> {
  // Warm-up on a spread of rows: the first calls pay for JIT compilation and lazy loading.
  const step = Math.max(1, Math.floor(rows.length / WARM_UP));
  let warmMs = 0;
  let warmCalls = 0;
  for (let i = 0; i < rows.length; i += step) {
    const t0 = performance.now();
    try {
      await flag(rows[i] as EvalRow);
    } catch {
      // Counted in the timed pass.
    }
    if (i >= 50 * step) {
      warmMs += performance.now() - t0;
      warmCalls++;
    }
  }
  const msPerCall = warmCalls ? warmMs / warmCalls : 0;
  let weights = new Array<number>(rows.length).fill(1);
  let sample: SystemRun["sample"];
  if (msPerCall * rows.length > budgetSeconds * 1000) {
    const strata = rows.map((r) => `${r.file}\u0000${r.source}`);
    weights = stratifiedWeights(strata, capForBudget(strata, (budgetSeconds * 1000) / msPerCall));
    sample = { rows: weights.filter((w) => w > 0).length, msPerCall };
  }
  const flags: boolean[] = [];
  const timesMs: number[] = [];
  let errors = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as EvalRow;
    if (weights[i] === 0) {
      flags.push(false);
      timesMs.push(Number.NaN);
      continue;
    }
    const t0 = performance.now();
    let f = false;
    try {
      f = await flag(row);
    } catch {
      errors++;
    }
    timesMs.push(performance.now() - t0);
    flags.push(f);
  }
  return { name, flags, timesMs, weights, errors, ...(sample ? { sample } : {}) };
}

function metricsOf(rows: readonly EvalRow[], run: SystemRun, pick: (r: EvalRow) => boolean): Metrics {
  const d: Decision[] = [];
  rows.forEach((r, i) => {
    const weight = run.weights[i] as number;
    if (weight > 0 && pick(r)) d.push({ positive: r.positive, flagged: run.flags[i] as boolean, weight });
  });
  return binaryMetrics(d);
}

/** The one figure that describes a group: recall for attacks only, FPR for benign only, else BA. */
function headline(m: Metrics): string {
  if (m.neg === 0) return `R ${fmt(m.recall)}`;
  if (m.pos === 0) return `FPR ${pct(m.fpr)}`;
  return `BA ${fmt(m.balancedAccuracy)}`;
}

interface Group {
  name: string;
  pick: (r: EvalRow) => boolean;
}

export async function evaluateInjection(input: InjectionInput): Promise<Section> {
  const { rows, missing } = loadRows(input.dataDir, input.limit);
  const systems: SystemRun[] = [];
  const ourCats = new Map<EvalRow, Set<string>>();

  input.log(`injection: ${rows.length} rows, Portcullis (all default detectors)`);
  const ours = await runSystem("Portcullis", rows, (row) => {
    const findings = input.ours.scan(row.text, { context: row.context });
    const cats = flaggedCategories(row.text, findings);
    ourCats.set(row, cats);
    return isInjectionFlag(cats);
  });
  systems.push(ours);
  for (const peer of input.peers) {
    input.log(`injection: ${peer.name}`);
    systems.push(
      await runSystem(peer.name, rows, (row) => peer.flag(row.text, row.context), input.peerBudgetSeconds),
    );
  }

  const md: string[] = [];
  const json: Record<string, unknown> = {};
  if (missing.length) md.push(`Files not found (skipped): ${missing.join(", ")}.`, "");

  // ------------------------------------------------ per source, Portcullis in full
  const sources = [...new Set(rows.map((r) => `${r.file}\u0000${r.source}`))].sort();
  const perSource: Record<string, unknown>[] = [];
  const srcRows: string[][] = [];
  for (const key of sources) {
    const [file, source] = key.split("\u0000") as [string, string];
    const pick = (r: EvalRow) => r.file === file && r.source === source;
    const m = metricsOf(rows, ours, pick);
    const exposure = exposureOf(source, input.training);
    srcRows.push([
      file,
      `\`${source}\``,
      exposure,
      String(m.n),
      String(m.pos),
      fmt(m.recall),
      pct(m.fpr),
      fmt(m.precision),
      fmt(m.balancedAccuracy),
    ]);
    perSource.push({ file, source, exposure, portcullis: m });
  }
  md.push(
    "#### Portcullis per source",
    "",
    "`exposure` says what the shipped classifier saw of that source in training (read from `models/README.md`): " +
      "`trained` sources are measured on rows the model was fitted to, so their figures are optimistic; " +
      "`held out by licence` sources never touched training and are the honest unseen figure.",
    "",
    ...table(
      ["file", "source", "exposure", "n", "attacks", "recall", "FPR", "precision", "bal. acc."],
      srcRows,
      "--- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
  );

  // ------------------------------------------------ pooled groups, every system
  const negativePromptFiles = new Set(["prompts.jsonl", "harmful_requests.jsonl", "benign_broad.jsonl"]);
  const groups: Group[] = [
    { name: "prompts.jsonl (attacks vs its benign rows)", pick: (r) => r.file === "prompts.jsonl" },
    { name: "harmful_requests.jsonl (negatives)", pick: (r) => r.file === "harmful_requests.jsonl" },
    { name: "benign_broad.jsonl (negatives)", pick: (r) => r.file === "benign_broad.jsonl" },
    {
      name: "security-flavoured benign (cyberseceval/*)",
      pick: (r) => r.source.startsWith("cyberseceval/"),
    },
    { name: "**all prompt files pooled** (target)", pick: (r) => negativePromptFiles.has(r.file) },
    {
      name: "**held out by licence** (alpaca_5000 + tensortrust/*, unseen)",
      pick: (r) => exposureOf(r.source, input.training) === "held out by licence",
    },
    {
      name: "never trained the weights (held out by licence + xquad)",
      pick: (r) =>
        negativePromptFiles.has(r.file) &&
        ["held out by licence", "calibration only"].includes(exposureOf(r.source, input.training)),
    },
    {
      name: "jailbreak rows only (recall)",
      pick: (r) => r.file === "prompts.jsonl" && r.label === "jailbreak",
    },
    {
      name: "injection rows only (recall)",
      pick: (r) => r.file === "prompts.jsonl" && r.label === "injection",
    },
    {
      name: "indirect_injection_bipia.jsonl (document context)",
      pick: (r) => r.file === "indirect_injection_bipia.jsonl",
    },
  ];
  const pooledRows: string[][] = [];
  const pooledJson: Record<string, Record<string, Metrics>> = {};
  for (const g of groups) {
    const sel = rows.filter(g.pick);
    if (sel.length === 0) continue;
    pooledJson[g.name] = {};
    for (const s of systems) {
      const m = metricsOf(rows, s, g.pick);
      pooledJson[g.name]![s.name] = m;
      pooledRows.push([
        g.name,
        s.name === "Portcullis" ? "**Portcullis**" : s.name,
        String(m.n),
        String(m.pos),
        fmt(m.precision),
        fmt(m.recall),
        pct(m.fpr),
        fmt(m.balancedAccuracy),
      ]);
    }
  }
  md.push(
    "#### Pooled, Portcullis and peers",
    "",
    ...table(
      ["group", "system", "n", "attacks", "precision", "recall", "FPR", "bal. acc."],
      pooledRows,
      "--- | --- | ---: | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
  );

  // ------------------------------------------------ per source, peers beside ours (one figure each)
  if (systems.length > 1) {
    const cmpRows: string[][] = [];
    for (const key of sources) {
      const [file, source] = key.split("\u0000") as [string, string];
      const pick = (r: EvalRow) => r.file === file && r.source === source;
      cmpRows.push([`\`${source}\``, ...systems.map((s) => headline(metricsOf(rows, s, pick)))]);
    }
    md.push(
      "#### Per source, every system (recall on attack-only sources, FPR on benign-only sources, balanced accuracy on mixed ones)",
      "",
      ...table(
        ["source", ...systems.map((s) => s.name)],
        cmpRows,
        ["---", ...systems.map(() => "---:")].join(" | "),
      ),
      "",
    );
  }

  // ------------------------------------------------ other categories Portcullis raised on benign prompts
  const other = new Map<string, number>();
  let benignN = 0;
  for (const r of rows) {
    if (r.file !== "benign_broad.jsonl") continue;
    benignN++;
    for (const c of ourCats.get(r) ?? [])
      if (c !== "prompt_injection" && c !== "jailbreak") other.set(c, (other.get(c) ?? 0) + 1);
  }
  if (benignN > 0) {
    md.push(
      `Other categories the default engine raised on the ${benignN} benign_broad prompts (rows, not counted as injection): ` +
        ([...other.entries()].map(([c, n]) => `${c} ${n} (${pct(n / benignN, 2)})`).join(", ") || "none") +
        ".",
      "",
    );
  }
  for (const s of systems) {
    if (!s.sample) continue;
    md.push(
      `${s.name} took ${s.sample.msPerCall.toFixed(1)} ms per text in the warm-up, too slow for all ${rows.length} rows in ` +
        `${input.peerBudgetSeconds} s: it ran on an evenly spaced sample of ${s.sample.rows} rows, the same share of every ` +
        "source capped alike, and its pooled rates weight each sampled row by its source's full size (`n` above counts the rows it ran).",
      "",
    );
  }
  const errs = systems.filter((s) => s.errors > 0);
  if (errs.length) {
    md.push(
      `Calls that threw (counted as not flagged): ${errs.map((s) => `${s.name} ${s.errors}`).join(", ")}.`,
      "",
    );
  }

  // ------------------------------------------------ latency per file
  const latency: Record<string, Record<string, LatencySummary>> = {};
  for (const spec of INJECTION_FILES) {
    const idx = rows.map((r, i) => (r.file === spec.file ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    latency[spec.file] = {};
    for (const s of systems) {
      const times = idx.map((i) => s.timesMs[i] as number).filter((t) => !Number.isNaN(t));
      if (times.length) latency[spec.file]![s.name] = summariseLatency(times);
    }
  }

  // ------------------------------------------------ targets
  const target = pooledJson["**all prompt files pooled** (target)"]?.Portcullis;
  const unseen = pooledJson["**held out by licence** (alpaca_5000 + tensortrust/*, unseen)"]?.Portcullis;
  const meets = (m: Metrics | undefined) =>
    m && m.balancedAccuracy !== null && m.fpr !== null ? m.balancedAccuracy >= 0.95 && m.fpr <= 0.01 : null;
  const targets: Target[] = [
    {
      name: "Injection + jailbreak, all prompt files pooled",
      goal: "bal. acc. ≥ 0.95 and FPR ≤ 1%",
      measured: target ? `bal. acc. ${fmt(target.balancedAccuracy)}, FPR ${pct(target.fpr, 2)}` : "–",
      met: meets(target),
      note: "includes sources the shipped model was trained on",
    },
    {
      name: "Injection + jailbreak, held out by licence (unseen)",
      goal: "bal. acc. ≥ 0.95 and FPR ≤ 1%",
      measured: unseen ? `bal. acc. ${fmt(unseen.balancedAccuracy)}, FPR ${pct(unseen.fpr, 2)}` : "–",
      met: meets(unseen),
      note: "alpaca_5000 (benign) and tensortrust/* (attacks) never trained anything",
    },
  ];

  json.perSource = perSource;
  json.pooled = pooledJson;
  json.latency = latency;
  json.missingFiles = missing;
  return { title: "Prompt injection and jailbreak", markdown: md, json, targets, latency };
}
