/**
 * Evaluation of the whole detector (rules + classifier) on labelled rows: per source and pooled
 * precision, recall, false-positive rate and balanced accuracy ((TPR + TNR) / 2, as PINT).
 */
import type { Detector, Finding } from "../../src/detect/types.js";
import { preparedFromOriginal } from "../../src/detect/text-view.js";

export interface Scored {
  file: string;
  source: string;
  /** True when the row is an attack (injection or jailbreak). */
  positive: boolean;
  flagged: boolean;
  /** "held-out" when neither the row nor its source fold trained the scoring model. */
  split: "held-out" | "train";
}

export interface Metrics {
  n: number;
  pos: number;
  neg: number;
  tp: number;
  fp: number;
  precision: number | null;
  recall: number | null;
  fpr: number | null;
  balancedAccuracy: number | null;
}

export function isFlagged(findings: readonly Finding[]): boolean {
  return findings.some(
    (f) => (f.category === "prompt_injection" || f.category === "jailbreak") && f.severity !== "info",
  );
}

export function flag(detector: Detector, text: string, context: "prompt" | "document"): boolean {
  return isFlagged(detector.scan(preparedFromOriginal(text), { context }));
}

export function metrics(rows: readonly Scored[]): Metrics {
  let pos = 0;
  let neg = 0;
  let tp = 0;
  let fp = 0;
  for (const r of rows) {
    if (r.positive) {
      pos++;
      if (r.flagged) tp++;
    } else {
      neg++;
      if (r.flagged) fp++;
    }
  }
  const recall = pos ? tp / pos : null;
  const fpr = neg ? fp / neg : null;
  const precision = tp + fp ? tp / (tp + fp) : null;
  const balancedAccuracy = recall !== null && fpr !== null ? (recall + (1 - fpr)) / 2 : null;
  return { n: rows.length, pos, neg, tp, fp, precision, recall, fpr, balancedAccuracy };
}

const fmt = (x: number | null): string => (x === null ? "–" : x.toFixed(3));

/** A markdown table: one line per (file, source, split), then pooled lines. */
export function report(rows: readonly Scored[]): string {
  const groups = new Map<string, Scored[]>();
  for (const r of rows) {
    const k = `${r.file}\u0000${r.source}\u0000${r.split}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const lines = [
    "| file | source | split | n | attacks | recall | FPR | precision | bal. acc. |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const line = (file: string, source: string, split: string, m: Metrics) =>
    lines.push(
      `| ${file} | ${source} | ${split} | ${m.n} | ${m.pos} | ${fmt(m.recall)} | ${fmt(m.fpr)} | ${fmt(m.precision)} | ${fmt(m.balancedAccuracy)} |`,
    );
  for (const k of [...groups.keys()].sort()) {
    const [file, source, split] = k.split("\u0000") as [string, string, string];
    line(file, `\`${source}\``, split, metrics(groups.get(k)!));
  }
  const files = [...new Set(rows.map((r) => r.file))].sort();
  for (const split of ["held-out", "train"] as const) {
    for (const file of files) {
      const sel = rows.filter((r) => r.file === file && r.split === split);
      if (sel.length) line(`**${file}**`, "**pooled**", split, metrics(sel));
    }
  }
  const promptFiles = rows.filter((r) => r.file !== "indirect_injection_bipia.jsonl");
  for (const split of ["held-out", "train"] as const) {
    const sel = promptFiles.filter((r) => r.split === split);
    if (sel.length) line("**all prompt files**", "**pooled**", split, metrics(sel));
  }
  return lines.join("\n");
}
