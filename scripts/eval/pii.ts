/**
 * PII spans (issue 3, scope 4; targets: F2 ≥ 0.90 pooled over the supported types, recall ≥ 0.98
 * on the validated structured types) on pii/presidio_synth_spans.jsonl, with overlap matching
 * (metrics.ts). The dataset follows Presidio's labels; the mapping to our kinds is below and
 * printed in the report. A label whose kind the detector does not report is "unsupported" and
 * left out of the pooled figure, never silently dropped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PII_KINDS } from "../../src/detect/pii/index.js";
import { limitPerSource, readJsonl } from "./data.js";
import {
  addSpanCounts,
  codePointToUtf16,
  emptySpanCounts,
  matchSpans,
  newSpanMatch,
  spanScore,
  summariseLatency,
  type GoldSpan,
  type LatencySummary,
  type PredSpan,
  type SpanCounts,
  type SpanMatch,
} from "./metrics.js";
import type { Ours } from "./ours.js";
import type { PiiPeer } from "./peers.js";
import { fmt, table, type Section, type Target } from "./report.js";

/** Dataset label → our kind (PII_KINDS in src/detect/pii). */
export const PII_LABEL_TO_KIND: ReadonlyMap<string, string> = new Map([
  ["PERSON", "person"],
  ["EMAIL_ADDRESS", "email"],
  ["PHONE_NUMBER", "phone"],
  ["CREDIT_CARD", "credit_card"],
  ["IBAN_CODE", "iban"],
  ["US_SSN", "us_ssn"],
  ["IP_ADDRESS", "ip_address"],
  ["STREET_ADDRESS", "street_address"],
  ["ORGANIZATION", "organization"],
]);

/**
 * Labels we cover only in part, scored for information and left out of the pooled figure:
 * DATE_TIME is any date or time; we report dates of birth in context only.
 */
export const PII_PARTIAL: ReadonlyMap<string, string> = new Map([["DATE_TIME", "date_of_birth"]]);

/** Why each remaining Presidio label is unsupported. */
export const PII_UNSUPPORTED_WHY: Readonly<Record<string, string>> = {
  GPE: "countries and cities alone are not personal data for a gateway; no kind",
  TITLE: "honorifics and job titles; no kind",
  AGE: "no kind",
  NRP: "nationality, religious or political group; no kind",
  DOMAIN_NAME: "no kind (a bare domain is not personal)",
  ZIP_CODE: "only as part of a street address",
  US_DRIVER_LICENSE: "no kind (no validating format across states)",
};

/** Kinds with a checksum or format validation: the ≥ 0.98 recall target. */
export const STRUCTURED_KINDS: ReadonlySet<string> = new Set([
  "email",
  "phone",
  "credit_card",
  "iban",
  "us_ssn",
  "ip_address",
]);

interface PiiRow {
  id: string;
  text: string;
  source: string;
  spans: { entity_type: string; start: number; end: number }[];
}

interface SystemResult {
  name: string;
  kinds: ReadonlySet<string>;
  main: SpanMatch;
  partial: SpanMatch;
  times: number[];
}

export interface PiiInput {
  dataDir: string;
  ours: Ours;
  peers: readonly PiiPeer[];
  limit: number;
  log: (line: string) => void;
}

/** The mapping restricted to the kinds the detector really has (derived, so it cannot drift). */
function supportedMap(kinds: ReadonlySet<string>, map: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...map].filter(([, k]) => kinds.has(k)));
}

function pooled(m: SpanMatch, labels: Iterable<string>): SpanCounts {
  const c = emptySpanCounts();
  for (const l of labels) {
    const x = m.byLabel.get(l);
    if (x) addSpanCounts(c, x);
  }
  return c;
}

export async function evaluatePii(input: PiiInput): Promise<Section> {
  const title = "PII (presidio_synth_spans.jsonl)";
  const path = join(input.dataDir, "pii", "presidio_synth_spans.jsonl");
  if (!existsSync(path)) return { title, markdown: ["File not found: skipped."], json: {}, targets: [] };
  const rows = limitPerSource(readJsonl<PiiRow>(path), input.limit);
  const ourKinds = new Set<string>(PII_KINDS);
  const mainMap = supportedMap(ourKinds, PII_LABEL_TO_KIND);
  const partialMap = supportedMap(ourKinds, PII_PARTIAL);
  const golds = rows.map((r) => {
    const conv = codePointToUtf16(r.text);
    return r.spans.map((s): GoldSpan => ({ label: s.entity_type, start: conv(s.start), end: conv(s.end) }));
  });

  const run = async (
    name: string,
    kinds: ReadonlySet<string>,
    spans: (text: string) => PredSpan[] | Promise<PredSpan[]>,
  ): Promise<SystemResult> => {
    input.log(`pii: ${name}`);
    for (const r of rows.slice(0, 100)) await spans(r.text); // warm-up
    const res: SystemResult = { name, kinds, main: newSpanMatch(), partial: newSpanMatch(), times: [] };
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as PiiRow;
      const t0 = performance.now();
      const preds = await spans(row.text);
      res.times.push(performance.now() - t0);
      const gold = golds[i] as GoldSpan[];
      matchSpans(gold, preds, mainMap, res.main);
      // The partial label is matched on its own, against the one kind it maps to.
      const partialKinds = new Set(partialMap.values());
      matchSpans(
        gold.filter((g) => partialMap.has(g.label)),
        preds.filter((p) => partialKinds.has(p.kind)),
        partialMap,
        res.partial,
      );
    }
    return res;
  };

  const systems: SystemResult[] = [];
  systems.push(
    await run("Portcullis", ourKinds, (text) =>
      input.ours
        .scan(text)
        .filter((f) => f.category === "pii" && f.span)
        .map((f) => ({
          kind: f.kind,
          start: (f.span as [number, number])[0],
          end: (f.span as [number, number])[1],
        })),
    ),
  );
  for (const p of input.peers) systems.push(await run(p.name, new Set(p.kinds), (t) => p.spans(t)));

  const ours = systems[0] as SystemResult;
  const md: string[] = [];
  const json: Record<string, unknown> = {};
  const cell = (c: SpanCounts | undefined) => {
    if (!c) return "–";
    const s = spanScore(c);
    return `${fmt(s.precision, 2)} / ${fmt(s.recall, 2)} / ${fmt(s.f2, 2)}`;
  };

  // ------------------------------------------------ mapping
  const allLabels = new Set<string>();
  for (const g of golds) for (const s of g) allLabels.add(s.label);
  const mapRows: string[][] = [];
  for (const label of [...allLabels].sort()) {
    const kind = mainMap.get(label) ?? partialMap.get(label);
    const n = golds.reduce((a, g) => a + g.filter((s) => s.label === label).length, 0);
    mapRows.push([
      label,
      String(n),
      kind ? `\`${kind}\`` : "–",
      mainMap.has(label)
        ? STRUCTURED_KINDS.has(kind as string)
          ? "supported, validated structured"
          : "supported"
        : partialMap.has(label)
          ? "partial: dates of birth in context only; scored, not pooled"
          : `unsupported: ${PII_UNSUPPORTED_WHY[label] ?? "no kind"}`,
    ]);
  }
  md.push(
    "#### Label mapping",
    "",
    ...table(["dataset label", "gold spans", "our kind", "status"], mapRows, "--- | ---: | --- | ---"),
    "",
  );

  // ------------------------------------------------ per label, every system
  const labelRows: string[][] = [];
  for (const [label, kind] of [...mainMap, ...partialMap]) {
    const gold = ours.main.byLabel.get(label)?.gold ?? ours.partial.byLabel.get(label)?.gold ?? 0;
    labelRows.push([
      label + (partialMap.has(label) ? " (partial)" : ""),
      `\`${kind}\``,
      String(gold),
      ...systems.map((s) =>
        s.kinds.has(kind) ? cell(s.main.byLabel.get(label) ?? s.partial.byLabel.get(label)) : "not offered",
      ),
    ]);
  }
  const summary: Record<string, unknown> = {};
  const structuredLabels = [...mainMap].filter(([, k]) => STRUCTURED_KINDS.has(k)).map(([l]) => l);
  for (const s of systems) {
    const all = pooled(s.main, mainMap.keys());
    const own = pooled(
      s.main,
      [...mainMap].filter(([, k]) => s.kinds.has(k)).map(([l]) => l),
    );
    const structured = pooled(s.main, structuredLabels);
    summary[s.name] = {
      pooled: spanScore(all),
      pooledOwnKinds: spanScore(own),
      structured: spanScore(structured),
      counts: all,
      unjudgedPredictions: Object.fromEntries(s.main.unjudged),
    };
  }
  const sum = (name: string) => summary[name] as Record<string, ReturnType<typeof spanScore>>;
  labelRows.push(
    [
      "**pooled over supported labels**",
      "",
      String(pooled(ours.main, mainMap.keys()).gold),
      ...systems.map((s) => `**${cell(pooled(s.main, mainMap.keys()))}**`),
    ],
    [
      "pooled over the kinds each system offers",
      "",
      "",
      ...systems.map((s) =>
        cell(
          pooled(
            s.main,
            [...mainMap].filter(([, k]) => s.kinds.has(k)).map(([l]) => l),
          ),
        ),
      ),
    ],
    [
      "**validated structured types**",
      "",
      String(pooled(ours.main, structuredLabels).gold),
      ...systems.map((s) => `**${cell(pooled(s.main, structuredLabels))}**`),
    ],
  );
  md.push(
    "#### Per label: precision / recall / F2 (overlap matching)",
    "",
    ...table(
      ["dataset label", "our kind", "gold", ...systems.map((s) => s.name)],
      labelRows,
      ["---", "---", "---:", ...systems.map(() => "---:")].join(" | "),
    ),
    "",
    "A peer is scored on every supported label in the pooled row (recall 0 where it offers no such kind) and, " +
      "for fairness, also over only the kinds it offers.",
    "",
  );
  const unjudged = [...ours.main.unjudged].map(([k, n]) => `${k} ${n}`).join(", ");
  if (unjudged) {
    md.push(`Portcullis predictions of kinds no supported label maps to (not judged): ${unjudged}.`, "");
  }
  const unsupported = [...ours.main.unsupported].filter(([l]) => !partialMap.has(l));
  md.push(
    `Unsupported gold spans (not scored): ${unsupported.map(([l, n]) => `${l} ${n}`).join(", ") || "none"}.`,
    "",
  );

  const oursSum = sum("Portcullis");
  const pooledF2 = oursSum.pooled?.f2 ?? null;
  const structuredRecall = oursSum.structured?.recall ?? null;
  const targets: Target[] = [
    {
      name: "PII F2, pooled over supported types",
      goal: "≥ 0.90",
      measured: fmt(pooledF2),
      met: pooledF2 === null ? null : pooledF2 >= 0.9,
    },
    {
      name: "PII recall, validated structured types",
      goal: "≥ 0.98",
      measured: fmt(structuredRecall),
      met: structuredRecall === null ? null : structuredRecall >= 0.98,
    },
  ];
  const latency: Record<string, LatencySummary> = {};
  for (const s of systems) latency[s.name] = summariseLatency(s.times);
  json.mapping = Object.fromEntries(mainMap);
  json.partial = Object.fromEntries(partialMap);
  json.summary = summary;
  json.perLabel = Object.fromEntries(
    systems.map((s) => [
      s.name,
      Object.fromEntries(
        [...s.main.byLabel, ...s.partial.byLabel].map(([l, c]) => [l, { ...c, ...spanScore(c) }]),
      ),
    ]),
  );
  return { title, markdown: md, json, targets, latency: { "presidio_synth_spans.jsonl": latency } };
}
