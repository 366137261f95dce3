/**
 * The dataset scanner (issue 6) on `data_poisoning/sst2_backdoor_detection.jsonl`: SST-2
 * sentiment rows, clean ones (labels 0 and 1) and, per attack, negative sentences carrying a
 * trigger with the label flipped to 1. For each attack the scanner sees the clean rows plus that
 * attack's rows, as `{text, label}` JSONL with the sentiment label as `--label-field`, exactly as
 * a user would scan a training set; then all attacks pooled, and the clean rows alone.
 *
 * Recall = poisoned rows flagged / poisoned rows; FPR = clean rows flagged / clean rows. Two
 * readings: the backdoor-trigger check alone, and a row flagged by any check (the scanner's
 * verdict, PII and the rest included). Nothing in the scanner was fitted to this file (GPL-3.0,
 * evaluation only): the trigger test is a statistical one with fixed, round settings, and it has
 * no word list; the file's triggers are found afresh in every run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanDataset, type RowResult } from "../../src/scan/dataset/index.js";
import { readJsonl, type Row } from "./data.js";
import { fmt, table, type Section, type Target } from "./report.js";

const ATTACKS = [
  { id: "badnets", kind: "token trigger", target: true },
  { id: "addsent", kind: "sentence trigger", target: true },
  { id: "stylebkd", kind: "style transfer", target: false },
  { id: "synbkd", kind: "syntactic template", target: false },
] as const;

const GOAL_RECALL = 0.9;
const GOAL_FPR = 0.05;

interface Measure {
  set: string;
  kind: string;
  clean: number;
  poisoned: number;
  trigger: { recall: number | null; fpr: number };
  any: { recall: number | null; fpr: number };
  triggers: string[];
  /** Trigger-check recall per attack (the pooled set). */
  byAttack: Record<string, number>;
  seconds: number;
}

async function measure(
  dir: string,
  set: string,
  kind: string,
  rows: readonly Row[],
  log: (line: string) => void,
): Promise<Measure> {
  const path = join(dir, `${set}.jsonl`);
  writeFileSync(
    path,
    rows.map((r) => JSON.stringify({ text: r.text, label: String(r.meta.task_label) })).join("\n") + "\n",
  );
  const results: RowResult[] = [];
  const started = performance.now();
  const summary = await scanDataset({ path, field: "text", labelField: "label" }, (r) => {
    results.push(r);
  });
  const seconds = (performance.now() - started) / 1000;
  let tpT = 0;
  let fpT = 0;
  let tpA = 0;
  let fpA = 0;
  let P = 0;
  let N = 0;
  const perAttack = new Map<string, { n: number; hit: number }>();
  for (const r of results) {
    const row = rows[r.line - 1];
    const poisoned = row?.label === "poisoned";
    const trigger = r.checks.some((c) => c.check === "backdoor_trigger" && c.score >= 0.5);
    if (poisoned) {
      const a = perAttack.get(String(row?.meta.attack)) ?? { n: 0, hit: 0 };
      a.n++;
      if (trigger) a.hit++;
      perAttack.set(String(row?.meta.attack), a);
      P++;
      if (trigger) tpT++;
      if (r.flagged) tpA++;
    } else {
      N++;
      if (trigger) fpT++;
      if (r.flagged) fpA++;
    }
  }
  log(`dataset ${set}: ${results.length} rows in ${seconds.toFixed(1)} s`);
  return {
    set,
    kind,
    clean: N,
    poisoned: P,
    trigger: { recall: P > 0 ? tpT / P : null, fpr: N > 0 ? fpT / N : 0 },
    any: { recall: P > 0 ? tpA / P : null, fpr: N > 0 ? fpA / N : 0 },
    triggers: summary.triggers.map((t) => `${t.trigger} (${t.kind})`),
    byAttack: Object.fromEntries([...perAttack].map(([k, v]) => [k, v.hit / v.n])),
    seconds,
  };
}

export async function evaluateDatasetScanner(dataDir: string, log: (line: string) => void): Promise<Section> {
  const title = "Dataset scanner: backdoor poisoning (sst2_backdoor_detection.jsonl)";
  const file = join(dataDir, "data_poisoning", "sst2_backdoor_detection.jsonl");
  if (!existsSync(file)) return { title, markdown: ["File not found: skipped."], json: {}, targets: [] };
  const all = readJsonl<Row>(file);
  const clean = all.filter((r) => r.label === "clean");
  const dir = mkdtempSync(join(tmpdir(), "pcx-eval-dataset-"));
  const measures: Measure[] = [];
  try {
    for (const a of ATTACKS) {
      const rows = all.filter((r) => r.label === "clean" || r.meta.attack === a.id);
      measures.push(await measure(dir, a.id, a.kind, rows, log));
    }
    measures.push(await measure(dir, "all four pooled", "every attack in one set", all, log));
    measures.push(await measure(dir, "clean only", "no poison", clean, log));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const targets: Target[] = ATTACKS.filter((a) => a.target).map((a) => {
    const m = measures.find((x) => x.set === a.id) as Measure;
    const met = (m.trigger.recall ?? 0) >= GOAL_RECALL && m.trigger.fpr <= GOAL_FPR;
    return {
      name: `Dataset: ${a.kind} (${a.id}), issue 6`,
      goal: `recall ≥ ${GOAL_RECALL} at FPR ≤ ${GOAL_FPR}`,
      measured: `recall ${fmt(m.trigger.recall)}, FPR ${fmt(m.trigger.fpr)}`,
      met,
    };
  });
  const rows = measures.map((m) => [
    m.set,
    m.kind,
    String(m.clean),
    String(m.poisoned),
    fmt(m.trigger.recall),
    fmt(m.trigger.fpr),
    fmt(m.any.recall),
    fmt(m.any.fpr),
    m.triggers.slice(0, 4).join(", ") + (m.triggers.length > 4 ? ` … (${m.triggers.length})` : "") || "none",
  ]);
  return {
    title,
    markdown: [
      "Each set is the 1,174 clean rows plus one attack's 597 poisoned rows (negative sentences with a trigger, label " +
        "flipped to 1), scanned as `portcullis scan dataset SET.jsonl --field text --label-field label` would, every " +
        "check on. *Trigger* columns count rows with a `backdoor_trigger` check; *any* columns count flagged rows (any " +
        "check: PII, outliers, … included). Recall over poisoned rows, FPR over clean rows. Nothing was fitted to this " +
        "file (GPL-3.0, evaluation only): the trigger test is statistical (Fisher's exact test with Benjamini–Hochberg, " +
        "then a content-independence test with a naive-Bayes reading of each row), with fixed round settings, and it " +
        "finds the triggers afresh in each run.",
      "",
      ...table(
        [
          "set",
          "attack",
          "clean rows",
          "poisoned rows",
          "trigger recall",
          "trigger FPR",
          "any recall",
          "any FPR",
          "triggers reported",
        ],
        rows,
        "--- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---",
      ),
      "",
      "- Style (`stylebkd`) and syntax (`synbkd`) attacks have no trigger word. The style-transfer rows are caught by " +
        "surface-form features (first-letter case, spacing before punctuation, closing character) that the paraphrase " +
        "pipeline leaves on every row it writes, beside archaic words; a style transfer that kept the corpus's own " +
        "tokenisation and casing would be much harder. The syntactic-template rows are caught through the sentence " +
        "openings (`when …`, `if …`) the templates produce; recall there is lower and the FPR higher, because clean " +
        "positive sentences open that way too.",
      `- Pooled, the trigger check's recall per attack is ${Object.entries(
        measures.find((m) => m.set === "all four pooled")?.byAttack ?? {},
      )
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(", ")}: with four attacks in one set, 80 % of label 1 is poisoned, and the attacks without a ` +
        "trigger word are no longer told apart from the label's content.",
      "- The poisoning rate here is high (a third of each set, half of label 1); the test takes the candidates' rows " +
        "out of the content model for that reason (see docs/scanning-datasets.md).",
    ],
    json: { measures },
    targets,
  };
}
