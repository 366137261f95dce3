/**
 * Secrets (issue 3, scope 5; targets: recall ≥ 0.95 and precision ≥ 0.95) on
 * secrets/secret_examples.jsonl, row by row: a row is flagged when the result has a `secret`
 * category. Recall = flagged `secret` rows / `secret` rows. Precision = flagged `secret` rows /
 * (flagged `secret` + flagged `not_secret` rows), `identifier` rows (non-secret identifiers such
 * as AWS key ids, which a rule may rightly report) neutral; the strict precision also counts them
 * as negatives. The file has few negatives, so the false-positive rate on ordinary prompts
 * (benign_broad.jsonl, coding requests included) is reported beside it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { limitPerSource, readJsonl, type Row } from "./data.js";
import { ratio, summariseLatency, type LatencySummary } from "./metrics.js";
import { flaggedCategories, type Ours } from "./ours.js";
import type { SecretPeer } from "./peers.js";
import { fmt, pct, table, type Section, type Target } from "./report.js";

export interface SecretsInput {
  dataDir: string;
  ours: Ours;
  peers: readonly SecretPeer[];
  limit: number;
  log: (line: string) => void;
}

interface SystemRun {
  name: string;
  flags: boolean[];
  times: number[];
  benignFlags: boolean[];
  benignTimes: number[];
}

interface Figures {
  recall: number | null;
  precision: number | null;
  strictPrecision: number | null;
  byLabel: Record<string, { rows: number; flagged: number }>;
}

function figures(
  rows: readonly Row[],
  flags: readonly boolean[],
  pick: (r: Row) => boolean = () => true,
): Figures {
  const byLabel: Record<string, { rows: number; flagged: number }> = {};
  rows.forEach((r, i) => {
    if (!pick(r)) return;
    const b = (byLabel[r.label] ??= { rows: 0, flagged: 0 });
    b.rows++;
    if (flags[i]) b.flagged++;
  });
  const s = byLabel.secret ?? { rows: 0, flagged: 0 };
  const ns = byLabel.not_secret ?? { rows: 0, flagged: 0 };
  const id = byLabel.identifier ?? { rows: 0, flagged: 0 };
  return {
    recall: ratio(s.flagged, s.rows),
    precision: ratio(s.flagged, s.flagged + ns.flagged),
    strictPrecision: ratio(s.flagged, s.flagged + ns.flagged + id.flagged),
    byLabel,
  };
}

export async function evaluateSecrets(input: SecretsInput): Promise<Section> {
  const title = "Secrets (secret_examples.jsonl)";
  const path = join(input.dataDir, "secrets", "secret_examples.jsonl");
  if (!existsSync(path)) return { title, markdown: ["File not found: skipped."], json: {}, targets: [] };
  const rows = limitPerSource(readJsonl<Row>(path), input.limit);
  const benignPath = join(input.dataDir, "prompt_injection", "benign_broad.jsonl");
  const benign = existsSync(benignPath) ? limitPerSource(readJsonl<Row>(benignPath), input.limit) : [];

  const run = async (
    name: string,
    flag: (text: string) => boolean | Promise<boolean>,
    benignFlag: (text: string) => boolean | Promise<boolean> = flag,
  ): Promise<SystemRun> => {
    input.log(`secrets: ${name}`);
    for (const r of rows.slice(0, 100)) await flag(r.text); // warm-up
    const res: SystemRun = { name, flags: [], times: [], benignFlags: [], benignTimes: [] };
    for (const r of rows) {
      const t0 = performance.now();
      res.flags.push(await flag(r.text));
      res.times.push(performance.now() - t0);
    }
    for (const r of benign) {
      const t0 = performance.now();
      res.benignFlags.push(await benignFlag(r.text));
      res.benignTimes.push(performance.now() - t0);
    }
    return res;
  };

  const systems: SystemRun[] = [
    await run(
      "Portcullis",
      (text) => flaggedCategories(text, input.ours.scan(text)).has("secret"),
      // On the 31k ordinary prompts only the secrets detector runs (the injection section has
      // already timed the whole engine on them).
      (text) => flaggedCategories(text, input.ours.scan(text, { detectors: ["secrets"] })).has("secret"),
    ),
  ];
  for (const p of input.peers) systems.push(await run(p.name, (t) => p.flag(t)));
  const ours = systems[0] as SystemRun;

  const md: string[] = [];
  const json: Record<string, unknown> = {};
  const sysRows: string[][] = [];
  for (const s of systems) {
    const f = figures(rows, s.flags);
    const benignFp = s.benignFlags.filter(Boolean).length;
    json[s.name] = { ...f, benignRows: benign.length, benignFlagged: benignFp };
    const lab = (l: string) => {
      const b = f.byLabel[l];
      return b ? `${b.flagged}/${b.rows}` : "–";
    };
    sysRows.push([
      s.name === "Portcullis" ? "**Portcullis**" : s.name,
      `**${fmt(f.recall)}**`,
      `**${fmt(f.precision)}**`,
      fmt(f.strictPrecision),
      lab("secret"),
      lab("not_secret"),
      lab("identifier"),
      benign.length ? `${benignFp}/${benign.length} (${pct(benignFp / benign.length, 2)})` : "–",
    ]);
  }
  md.push(
    ...table(
      [
        "system",
        "recall",
        "precision",
        "strict precision",
        "secret flagged",
        "not_secret flagged",
        "identifier flagged",
        "benign_broad prompts flagged",
      ],
      sysRows,
      "--- | ---: | ---: | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
  );

  // Per source, every system.
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const srcRows = sources.map((src) => [
    `\`${src}\``,
    ...systems.map((s) => {
      const f = figures(rows, s.flags, (r) => r.source === src);
      return `R ${fmt(f.recall)} / P ${fmt(f.precision)}`;
    }),
  ]);
  md.push(
    "Per source (recall / precision):",
    "",
    ...table(
      ["source", ...systems.map((s) => s.name)],
      srcRows,
      ["---", ...systems.map(() => "---:")].join(" | "),
    ),
    "",
  );

  // Providers where Portcullis misses secrets (the full per-provider list is in --json).
  const prov = new Map<string, { rows: number; missed: number }>();
  rows.forEach((r, i) => {
    if (r.label !== "secret") return;
    const p = String(r.meta?.provider ?? r.meta?.rule_id ?? "unknown");
    const b = prov.get(p) ?? { rows: 0, missed: 0 };
    b.rows++;
    if (!ours.flags[i]) b.missed++;
    prov.set(p, b);
  });
  const missed = [...prov]
    .filter(([, b]) => b.missed > 0)
    .sort((a, b) => b[1].missed - a[1].missed || a[0].localeCompare(b[0]));
  md.push(
    `Providers: ${prov.size}; Portcullis misses at least one secret example of ${missed.length}` +
      (missed.length
        ? `: ${missed
            .slice(0, 40)
            .map(([p, b]) => `${p} ${b.missed}/${b.rows}`)
            .join(", ")}${missed.length > 40 ? ", …" : ""}.`
        : "."),
    "",
  );
  json.providers = Object.fromEntries(prov);

  // Benign prompts Portcullis flagged, by source.
  const bySrc = new Map<string, number>();
  benign.forEach((r, i) => {
    if (ours.benignFlags[i]) bySrc.set(r.source, (bySrc.get(r.source) ?? 0) + 1);
  });
  if (bySrc.size) {
    md.push(
      `benign_broad prompts Portcullis flagged as containing a secret, by source: ${[...bySrc]
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")}.`,
      "",
    );
  }

  const f = figures(rows, ours.flags);
  const targets: Target[] = [
    {
      name: "Secrets recall",
      goal: "≥ 0.95",
      measured: fmt(f.recall),
      met: f.recall === null ? null : f.recall >= 0.95,
    },
    {
      name: "Secrets precision",
      goal: "≥ 0.95",
      measured: `${fmt(f.precision)} (strict ${fmt(f.strictPrecision)})`,
      met: f.precision === null ? null : f.precision >= 0.95,
      note: "identifiers neutral; the file has few negatives, see the benign_broad column",
    },
  ];
  const latency: Record<string, Record<string, LatencySummary>> = { "secret_examples.jsonl": {} };
  for (const s of systems) latency["secret_examples.jsonl"]![s.name] = summariseLatency(s.times);
  if (benign.length) {
    latency["benign_broad.jsonl (secrets only)"] = {};
    for (const s of systems)
      latency["benign_broad.jsonl (secrets only)"]![s.name] = summariseLatency(s.benignTimes);
  }
  return { title, markdown: md, json, targets, latency };
}
