/**
 * Output-side system-prompt leak detection (issue 3, scope 3) on prompt_leak_detection.jsonl:
 * Tensor Trust model outputs labelled `leak` when they reveal the defender's access code. The
 * rows carry only the access code (`meta.access_code`), not the full defence prompt, so the code
 * stands in for the configured system prompt (`ScanOptions.systemPrompt`). A second run also
 * passes it as a canary (`ScanOptions.canaries`), the exact-match signal a gateway gets when it
 * plants its own token. Context is `output`; flagged = a `system_prompt_leak` category.
 * No peer in this comparison offers output-side leak detection against a given secret.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { limitPerSource, readJsonl, type Row } from "./data.js";
import { binaryMetrics, summariseLatency, type Decision, type LatencySummary } from "./metrics.js";
import { flaggedCategories, type Ours } from "./ours.js";
import { fmt, pct, table, type Section } from "./report.js";

const WORD = /[\p{L}\p{N}]+/gu;

export function evaluateLeak(dataDir: string, ours: Ours, limit: number): Section {
  const path = join(dataDir, "prompt_injection", "prompt_leak_detection.jsonl");
  if (!existsSync(path)) {
    return {
      title: "System-prompt leak (output side)",
      markdown: ["File not found: skipped."],
      json: {},
      targets: [],
    };
  }
  const rows = limitPerSource(readJsonl<Row>(path), limit).filter(
    (r) => typeof r.meta?.access_code === "string" && (r.label === "leak" || r.label === "no_leak"),
  );
  const variants = [
    { name: "access code as `systemPrompt`", canary: false },
    { name: "access code as `systemPrompt` and as a canary", canary: true },
  ];
  const md: string[] = [];
  const json: Record<string, unknown> = { rows: rows.length };
  const tableRows: string[][] = [];
  let latency: LatencySummary | undefined;
  for (const v of variants) {
    const decisions: Decision[] = [];
    const times: number[] = [];
    for (const r of rows) {
      const code = r.meta.access_code as string;
      const t0 = performance.now();
      const findings = ours.scan(r.text, {
        context: "output",
        systemPrompt: code,
        ...(v.canary ? { canaries: [code] } : {}),
      });
      times.push(performance.now() - t0);
      decisions.push({
        positive: r.label === "leak",
        flagged: flaggedCategories(r.text, findings).has("system_prompt_leak"),
      });
    }
    const m = binaryMetrics(decisions);
    latency ??= summariseLatency(times);
    json[v.name] = m;
    tableRows.push([
      v.name,
      String(m.n),
      String(m.pos),
      fmt(m.precision),
      fmt(m.recall),
      pct(m.fpr),
      fmt(m.balancedAccuracy),
    ]);
  }
  const codes = rows.map((r) => r.meta.access_code as string);
  const longCodes = codes.filter((c) => (c.match(WORD) ?? []).length >= 8).length;
  const canaryable = codes.filter((c) => c.length >= 8).length;
  md.push(
    ...table(
      [
        "Portcullis `leakage` (all default detectors, context output)",
        "n",
        "leaks",
        "precision",
        "recall",
        "FPR",
        "bal. acc.",
      ],
      tableRows,
      "--- | ---: | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
    `Of the ${rows.length} access codes, ${longCodes} have the 8 or more words the shingle comparison needs ` +
      `(shorter "system prompts" are not compared, by design: they are echoed innocently), and ${canaryable} are ` +
      "long enough (≥ 8 characters) to be used as canaries. Leaks that paraphrase, translate or spell out the code " +
      "are out of reach of verbatim matching. No target in issue 3 is set for this file.",
  );
  json.accessCodesWith8Words = longCodes;
  json.accessCodesCanaryLength = canaryable;
  return {
    title: "System-prompt leak (output side)",
    markdown: md,
    json,
    targets: [],
    ...(latency ? { latency: { "prompt_leak_detection.jsonl": { Portcullis: latency } } } : {}),
  };
}
