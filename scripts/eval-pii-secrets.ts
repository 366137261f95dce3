/**
 * Measures the PII and secrets detectors on the development data in ../shared/data/.
 *
 *   npm run build && node dist/scripts/eval-pii-secrets.js [--data DIR] [--json] [--errors N]
 *
 * PII: per-type precision / recall / F2 with overlap matching on presidio_synth_spans.jsonl.
 *   A gold span counts as found when a prediction of the mapped kind overlaps it; a prediction
 *   counts as correct when it overlaps a gold span whose label maps to its kind. Pooled figures
 *   are micro-averaged over the supported labels.
 * Secrets: per row label on secret_examples.jsonl (a row is flagged when any finding is reported).
 *   Recall = flagged `secret` rows / `secret` rows; precision = flagged `secret` /
 *   (flagged `secret` + flagged `not_secret`); `identifier` rows are reported on their own and
 *   also counted as negatives in a stricter precision.
 * False positives on ordinary text: findings per 1,000 benign prompts (benign_broad.jsonl).
 * Latency: mean and p99 per text, per 1 KB prompt, and throughput on a long document.
 */
import { readFileSync, existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createPiiDetector } from "../src/detect/pii/index.js";
import { createSecretsDetector } from "../src/detect/secrets/index.js";
import { preparedFromOriginal } from "../src/detect/text-view.js";
import type { Detector, Finding, PreparedText } from "../src/detect/types.js";

/** Dataset label → our kind. Labels not listed here are unsupported and reported as such. */
export const PII_LABEL_MAP: Readonly<Record<string, string>> = {
  PERSON: "person",
  STREET_ADDRESS: "street_address",
  ORGANIZATION: "organization",
  PHONE_NUMBER: "phone",
  CREDIT_CARD: "credit_card",
  EMAIL_ADDRESS: "email",
  IBAN_CODE: "iban",
  US_SSN: "us_ssn",
  IP_ADDRESS: "ip_address",
};
/** Labels we cover only in part: scored for information, excluded from the pooled figure. */
const PARTIAL_MAP: Readonly<Record<string, string>> = { DATE_TIME: "date_of_birth" };
/** Validated structured kinds (the ≥ 0.98 recall target). */
const STRUCTURED = new Set(["email", "phone", "credit_card", "iban", "us_ssn", "ip_address"]);

interface Args {
  data: string;
  json: boolean;
  errors: number;
}

function parseArgs(argv: string[]): Args {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/scripts → repo root is two levels up; ../shared sits beside the repo.
  let data = resolve(here, "../../../shared/data");
  if (!existsSync(data)) data = resolve(here, "../../shared/data");
  const a: Args = { data, json: false, errors: 0 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--data") a.data = resolve(argv[++i] ?? a.data);
    else if (argv[i] === "--json") a.json = true;
    else if (argv[i] === "--errors") a.errors = Number(argv[++i] ?? "10");
  }
  return a;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** Code point offsets (Python) → UTF-16 offsets (JavaScript). */
function cpToUtf16(text: string): (cp: number) => number {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return (cp) => map[cp] ?? u;
}

type Prepare = (text: string) => PreparedText;

async function loadPrepare(): Promise<{ prepare: Prepare; name: string }> {
  try {
    const mod = (await import("../src/detect/unicode/index.js" as string)) as { prepare?: Prepare };
    if (typeof mod.prepare === "function") return { prepare: mod.prepare, name: "unicode.prepare()" };
  } catch {
    // The colleague's prepare() has not landed yet.
  }
  return { prepare: preparedFromOriginal, name: "preparedFromOriginal()" };
}

interface Counts {
  tp: number;
  fn: number;
  pTrue: number;
  pFalse: number;
}
const f2 = (p: number, r: number) => (p + r === 0 ? 0 : (5 * p * r) / (4 * p + r));
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const fmt = (x: number) => x.toFixed(3);

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

/**
 * Mean from CPU time (process.cpuUsage over the whole batch: robust when other processes share the
 * cores) and p99 from wall-clock time per text (includes any scheduling delay).
 */
function timeEach(
  det: Detector,
  texts: string[],
  prepare: Prepare,
): { mean: number; p99: number; wallMean: number } {
  const times: number[] = [];
  for (const t of texts.slice(0, 200)) det.scan(prepare(t), {}); // warm-up
  const prepared = texts.map((t) => prepare(t));
  const c0 = process.cpuUsage();
  for (const p of prepared) {
    const s = performance.now();
    det.scan(p, {});
    times.push(performance.now() - s);
  }
  const c = process.cpuUsage(c0);
  return {
    mean: (c.user + c.system) / 1000 / texts.length,
    p99: percentile(times, 0.99),
    wallMean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

interface PiiRow {
  id: string;
  text: string;
  spans: { entity_type: string; start: number; end: number; value: string }[];
}
interface SecretRow {
  id: string;
  text: string;
  label: "secret" | "identifier" | "not_secret";
  source: string;
  meta: { rule_id?: string; provider?: string };
}
interface BenignRow {
  text: string;
  source: string;
  meta?: { lang?: string };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { prepare, name: prepName } = await loadPrepare();
  const pii = createPiiDetector();
  const secrets = createSecretsDetector();
  const out: string[] = [];
  const result: Record<string, unknown> = { prepare: prepName };
  out.push(`Views prepared with ${prepName}.`, "");

  // ------------------------------------------------------------------ PII
  const piiRows = readJsonl<PiiRow>(join(args.data, "pii/presidio_synth_spans.jsonl"));
  const labelCounts: Record<string, Counts> = {};
  const kindFalse: Record<string, number> = {};
  const errors: string[] = [];
  const unsupported: Record<string, number> = {};
  for (const row of piiRows) {
    const conv = cpToUtf16(row.text);
    const gold = row.spans.map((s) => ({
      label: s.entity_type,
      start: conv(s.start),
      end: conv(s.end),
      value: s.value,
    }));
    const preds = pii
      .scan(prepare(row.text), {})
      .filter((f): f is Finding & { span: [number, number] } => !!f.span);
    for (const g of gold) {
      const kind = PII_LABEL_MAP[g.label] ?? PARTIAL_MAP[g.label];
      if (kind === undefined) {
        unsupported[g.label] = (unsupported[g.label] ?? 0) + 1;
        continue;
      }
      const c = (labelCounts[g.label] ??= { tp: 0, fn: 0, pTrue: 0, pFalse: 0 });
      const hit = preds.some((p) => p.kind === kind && p.span[0] < g.end && g.start < p.span[1]);
      if (hit) c.tp++;
      else {
        c.fn++;
        if (errors.length < 4000)
          errors.push(`FN ${g.label} ${JSON.stringify(g.value)} | ${JSON.stringify(row.text.slice(0, 160))}`);
      }
    }
    for (const p of preds) {
      const labels = Object.entries({ ...PII_LABEL_MAP, ...PARTIAL_MAP })
        .filter(([, k]) => k === p.kind)
        .map(([l]) => l);
      const ok = gold.some((g) => labels.includes(g.label) && p.span[0] < g.end && g.start < p.span[1]);
      const label = labels[0];
      if (label === undefined) {
        if (!ok) kindFalse[p.kind] = (kindFalse[p.kind] ?? 0) + 1;
        continue;
      }
      const c = (labelCounts[label] ??= { tp: 0, fn: 0, pTrue: 0, pFalse: 0 });
      if (ok) c.pTrue++;
      else {
        c.pFalse++;
        if (errors.length < 4000)
          errors.push(
            `FP ${p.kind} ${JSON.stringify(row.text.slice(p.span[0], p.span[1]))} | ${JSON.stringify(row.text.slice(0, 160))}`,
          );
      }
    }
  }
  out.push("## PII (presidio_synth_spans.jsonl, overlap matching)", "");
  out.push(
    "| dataset label | our kind | gold | precision | recall | F2 |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  const pooled: Counts = { tp: 0, fn: 0, pTrue: 0, pFalse: 0 };
  const structured: Counts = { tp: 0, fn: 0, pTrue: 0, pFalse: 0 };
  const piiTable: Record<string, unknown>[] = [];
  for (const [label, kind] of [...Object.entries(PII_LABEL_MAP), ...Object.entries(PARTIAL_MAP)]) {
    const c = labelCounts[label] ?? { tp: 0, fn: 0, pTrue: 0, pFalse: 0 };
    const p = ratio(c.pTrue, c.pTrue + c.pFalse);
    const r = ratio(c.tp, c.tp + c.fn);
    const partial = label in PARTIAL_MAP;
    out.push(
      `| ${label}${partial ? " (partial)" : ""} | ${kind} | ${c.tp + c.fn} | ${fmt(p)} | ${fmt(r)} | ${fmt(f2(p, r))} |`,
    );
    piiTable.push({ label, kind, gold: c.tp + c.fn, precision: p, recall: r, f2: f2(p, r), partial });
    if (!partial) for (const k of ["tp", "fn", "pTrue", "pFalse"] as const) pooled[k] += c[k];
    if (STRUCTURED.has(kind)) for (const k of ["tp", "fn", "pTrue", "pFalse"] as const) structured[k] += c[k];
  }
  const pp = ratio(pooled.pTrue, pooled.pTrue + pooled.pFalse);
  const pr = ratio(pooled.tp, pooled.tp + pooled.fn);
  const sp = ratio(structured.pTrue, structured.pTrue + structured.pFalse);
  const sr = ratio(structured.tp, structured.tp + structured.fn);
  out.push(
    `| **pooled (supported)** | | ${pooled.tp + pooled.fn} | ${fmt(pp)} | ${fmt(pr)} | **${fmt(f2(pp, pr))}** |`,
  );
  out.push(
    `| **validated structured** | | ${structured.tp + structured.fn} | ${fmt(sp)} | ${fmt(sr)} | ${fmt(f2(sp, sr))} |`,
  );
  out.push(
    "",
    `Unsupported labels (not scored): ${Object.entries(unsupported)
      .map(([l, n]) => `${l} ${n}`)
      .join(", ")}.`,
  );
  if (Object.keys(kindFalse).length > 0)
    out.push(
      `Predictions of kinds with no dataset label (all counted as unconfirmed): ${JSON.stringify(kindFalse)}.`,
    );
  result.pii = {
    table: piiTable,
    pooled: { precision: pp, recall: pr, f2: f2(pp, pr) },
    structured: { precision: sp, recall: sr },
    unsupported,
  };

  // ------------------------------------------------------------------ secrets
  const secRows = readJsonl<SecretRow>(join(args.data, "secrets/secret_examples.jsonl"));
  const byLabel: Record<string, { n: number; flagged: number }> = {};
  const bySource: Record<string, { tp: number; fn: number; fp: number; neg: number }> = {};
  const secErrors: string[] = [];
  for (const row of secRows) {
    const f = secrets.scan(prepare(row.text), {});
    const flagged = f.length > 0;
    const b = (byLabel[row.label] ??= { n: 0, flagged: 0 });
    b.n++;
    if (flagged) b.flagged++;
    const s = (bySource[row.source] ??= { tp: 0, fn: 0, fp: 0, neg: 0 });
    if (row.label === "secret") {
      if (flagged) s.tp++;
      else s.fn++;
    }
    if (row.label === "not_secret") {
      s.neg++;
      if (flagged) s.fp++;
    }
    if ((row.label === "secret" && !flagged) || (row.label === "not_secret" && flagged))
      secErrors.push(
        `${row.label === "secret" ? "FN" : "FP"} ${row.meta.rule_id} ${f.map((x) => x.rule).join(",")} | ${JSON.stringify(row.text.slice(0, 200))}`,
      );
  }
  const sec = byLabel.secret ?? { n: 0, flagged: 0 };
  const ns = byLabel.not_secret ?? { n: 0, flagged: 0 };
  const idf = byLabel.identifier ?? { n: 0, flagged: 0 };
  const recall = ratio(sec.flagged, sec.n);
  const precision = ratio(sec.flagged, sec.flagged + ns.flagged);
  const strictPrecision = ratio(sec.flagged, sec.flagged + ns.flagged + idf.flagged);
  out.push("", "## Secrets (secret_examples.jsonl, a row is flagged when any finding is reported)", "");
  out.push("| row label | rows | flagged | rate |", "| --- | --- | --- | --- |");
  for (const [l, v] of Object.entries(byLabel))
    out.push(`| ${l} | ${v.n} | ${v.flagged} | ${fmt(ratio(v.flagged, v.n))} |`);
  out.push("", "| source | recall | not_secret flagged |", "| --- | --- | --- |");
  for (const [src, v] of Object.entries(bySource))
    out.push(`| ${src} | ${fmt(ratio(v.tp, v.tp + v.fn))} | ${v.fp}/${v.neg} |`);
  out.push(
    "",
    `Recall **${fmt(recall)}**, precision **${fmt(precision)}** (identifiers neutral), ${fmt(strictPrecision)} (identifiers counted as negatives).`,
  );
  result.secrets = { byLabel, bySource, recall, precision, strictPrecision };

  // ------------------------------------------------------------------ false positives on ordinary prompts
  const benignPath = join(args.data, "prompt_injection/benign_broad.jsonl");
  let benignTexts: string[] = [];
  if (existsSync(benignPath)) {
    const rows = readJsonl<BenignRow>(benignPath);
    benignTexts = rows.map((r) => r.text);
    let secRowsFlagged = 0;
    const piiKinds: Record<string, number> = {};
    const samples: string[] = [];
    for (const t of benignTexts) {
      const p = prepare(t);
      const sf = secrets.scan(p, {});
      if (sf.length > 0) {
        secRowsFlagged++;
        if (samples.length < 40)
          samples.push(
            `benign secret FP ${sf.map((x) => x.rule).join(",")} | ${JSON.stringify(t.slice(0, 160))}`,
          );
      }
      for (const f of pii.scan(p, {})) piiKinds[f.kind] = (piiKinds[f.kind] ?? 0) + 1;
    }
    out.push("", `## Ordinary prompts (benign_broad.jsonl, ${benignTexts.length} rows)`, "");
    out.push(
      `Secrets: ${secRowsFlagged} rows flagged (${fmt((1000 * secRowsFlagged) / benignTexts.length)} per 1,000 prompts).`,
    );
    out.push(
      `PII findings per 1,000 prompts (these prompts do contain some real names and places): ${Object.entries(
        piiKinds,
      )
        .map(([k, n]) => `${k} ${fmt((1000 * n) / benignTexts.length)}`)
        .join(", ")}.`,
    );
    result.benign = { rows: benignTexts.length, secretRowsFlagged: secRowsFlagged, piiKinds };
    if (args.errors > 0) secErrors.push(...samples);
  }

  // ------------------------------------------------------------------ latency
  const kb = (benignTexts.length > 0 ? benignTexts : piiRows.map((r) => r.text)).join("\n");
  const prompts1k: string[] = [];
  for (let i = 0; i + 1024 <= kb.length && prompts1k.length < 2000; i += 1024)
    prompts1k.push(kb.slice(i, i + 1024));
  let longDoc = kb;
  while (longDoc.length < 2_000_000) longDoc += "\n" + kb;
  longDoc = longDoc.slice(0, 2_000_000);
  out.push(
    "",
    `## Latency (this machine; load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)} on ${(await import("node:os")).cpus().length} cores while measuring)`,
    "",
    "Means are CPU time per text (robust to other processes on the cores); p99 is wall-clock time per text.",
    "",
  );
  out.push(
    "| detector | PII rows mean / p99 (ms) | secret rows mean / p99 (ms) | 1 KB prompt mean / p99 (ms) | long document MB/s |",
  );
  out.push("| --- | --- | --- | --- | --- |");
  const lat: Record<string, unknown> = {};
  for (const [name, det] of [
    ["pii", pii],
    ["secrets", secrets],
  ] as const) {
    const a = timeEach(
      det,
      piiRows.map((r) => r.text),
      prepare,
    );
    const b = timeEach(
      det,
      secRows.map((r) => r.text),
      prepare,
    );
    const c = timeEach(det, prompts1k, prepare);
    const p = prepare(longDoc);
    det.scan(prepare(longDoc.slice(0, 100_000)), {});
    const c0 = process.cpuUsage();
    det.scan(p, {});
    const cpu = process.cpuUsage(c0);
    const ms = (cpu.user + cpu.system) / 1000;
    const mbs = longDoc.length / 1e6 / (ms / 1000);
    out.push(
      `| ${name} | ${a.mean.toFixed(4)} / ${a.p99.toFixed(4)} | ${b.mean.toFixed(4)} / ${b.p99.toFixed(4)} | ${c.mean.toFixed(4)} / ${c.p99.toFixed(4)} | ${mbs.toFixed(1)} |`,
    );
    lat[name] = { piiRows: a, secretRows: b, prompt1k: c, longDocMBps: mbs };
  }
  result.latency = lat;

  if (args.json) console.log(JSON.stringify(result, null, 2));
  else console.log(out.join("\n"));
  if (args.errors > 0) {
    console.error([...errors, ...secErrors].join("\n"));
  }
}

await main();
