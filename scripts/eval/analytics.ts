/**
 * Behaviour analytics on simulated traces (issue 7): `portcullis simulate` with seeds never used
 * for tuning, replayed through the same code as `portcullis replay` (guards on, default options).
 * Targets: every attacker flagged, extraction within its first 300 requests, no benign identity
 * flagged. The tuning seeds are 1–5 (docs/analytics.md); the evaluation seeds below were not
 * looked at while the detectors' thresholds were set.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { replayTrace, type ReplayResult } from "../../src/cli/commands/replay/index.js";
import { population, traceLines, type TraceLine } from "../../src/cli/commands/simulate/index.js";
import { table, verdict, type Section, type Target } from "./report.js";

/** Fresh seeds: never used while tuning (tuning used 1–5). */
export const EVAL_SEEDS = [7101, 7202, 7303, 7404, 7505];
export const EVAL_HOURS = 48;
const START = Date.parse("2025-03-03T00:00:00Z");

/** Which category is the right answer for each attacker (key sharing may also show as a flood, …). */
export const EXPECTED: Record<string, string> = {
  extractor_fast: "model_extraction",
  extractor_slow: "model_extraction",
  scraper: "scraping",
  insider: "insider_exfiltration",
  key_sharing: "key_sharing",
  flood: "flood",
  cost_harvester: "cost_harvesting",
};

export interface IdentityOutcome {
  seed: number;
  key: string;
  actor: string;
  attacker: boolean;
  flagged: boolean;
  category: string | null;
  score: number;
  /** Attack requests of this identity up to and including the one it was first flagged at. */
  attackRequestsBeforeFlag: number | null;
  /** Minutes from its first attack request to the first flag. */
  delayMinutes: number | null;
  reasons: string[];
}

/** One seed: simulate, replay, and match the results with the simulator's labels. */
export async function runSeed(seed: number, hours = EVAL_HOURS, users = 30): Promise<IdentityOutcome[]> {
  const dir = mkdtempSync(join(tmpdir(), "pcx-eval-analytics-"));
  const file = join(dir, "trace.jsonl");
  const lines: TraceLine[] = [...traceLines(population({ hours, seed, users, start: START }))];
  try {
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const { results } = await replayTrace({ trace: file });
    const byKey = new Map<string, ReplayResult>(results.map((r) => [r.key, r]));
    const actors = new Map<string, { actor: string; attackTimes: number[] }>();
    for (const l of lines) {
      let a = actors.get(l.key);
      if (!a) actors.set(l.key, (a = { actor: l.actor, attackTimes: [] }));
      if (l.label === "attack") a.attackTimes.push(Date.parse(l.ts));
    }
    const out: IdentityOutcome[] = [];
    for (const [key, a] of actors) {
      const r = byKey.get(key);
      const flaggedAt = r?.first_flagged_at ? Date.parse(r.first_flagged_at) : null;
      const attacker = a.attackTimes.length > 0;
      out.push({
        seed,
        key,
        actor: a.actor,
        attacker,
        flagged: r?.flagged ?? false,
        category: r?.category ?? null,
        score: r?.score ?? 0,
        attackRequestsBeforeFlag:
          attacker && flaggedAt !== null ? a.attackTimes.filter((t) => t <= flaggedAt).length : null,
        delayMinutes:
          attacker && flaggedAt !== null ? Math.round((flaggedAt - a.attackTimes[0]!) / 6000) / 10 : null,
        reasons: r?.reasons ?? [],
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MemoryRun {
  requests: number;
  identities: number;
  wallSeconds: number;
  replay: { seconds: number; maxRssMB: number; heapUsedMB: number; identities: number };
}

/** Runs analytics-memory.js (1 M requests, 10 k identities) in its own process: its peak RSS is the replay's alone. */
function measureMemory(): MemoryRun | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), "analytics-memory.js");
  const run = spawnSync(process.execPath, [script], { encoding: "utf8" });
  if (run.status !== 0) return `failed (${run.status}): ${run.stderr.slice(0, 300)}`;
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as MemoryRun;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

export async function evaluateAnalytics(options: {
  seeds?: number[];
  hours?: number;
  log?: (line: string) => void;
}): Promise<Section> {
  const seeds = options.seeds ?? EVAL_SEEDS;
  const hours = options.hours ?? EVAL_HOURS;
  const all: IdentityOutcome[] = [];
  for (const seed of seeds) {
    options.log?.(`analytics: seed ${seed}`);
    all.push(...(await runSeed(seed, hours)));
  }
  const actors = [...new Set(all.map((o) => o.actor))];
  const rows = actors.map((actor) => {
    const of = all.filter((o) => o.actor === actor);
    const attacker = of[0]!.attacker;
    const flagged = of.filter((o) => o.flagged);
    const right = flagged.filter((o) => EXPECTED[actor] === o.category);
    const before = flagged.map((o) => o.attackRequestsBeforeFlag).filter((x): x is number => x !== null);
    const delay = flagged.map((o) => o.delayMinutes).filter((x): x is number => x !== null);
    return [
      actor,
      attacker ? `attacker (${EXPECTED[actor]})` : "benign",
      String(of.length),
      `${flagged.length}/${of.length}`,
      attacker ? `${right.length}/${of.length}` : "–",
      attacker ? String(median(before) ?? "–") : "–",
      attacker ? String(before.length ? Math.max(...before) : "–") : "–",
      attacker ? String(median(delay) ?? "–") : "–",
      String(Math.max(...of.map((o) => o.score)).toFixed(3)),
    ];
  });
  const attackers = all.filter((o) => o.attacker);
  const benign = all.filter((o) => !o.attacker);
  const extraction = attackers.filter((o) => EXPECTED[o.actor] === "model_extraction");
  const missed = attackers.filter((o) => !o.flagged);
  const falsePositives = benign.filter((o) => o.flagged);
  const slowExtraction = extraction.filter(
    (o) => o.attackRequestsBeforeFlag === null || o.attackRequestsBeforeFlag > 300,
  );
  options.log?.("analytics: memory, 1 M requests from 10 k identities");
  const memory = measureMemory();
  const note = `${seeds.length} fresh seeds (${seeds.join(", ")}), ${hours} h each, ${all.length} identities`;
  const targets: Target[] = [
    {
      name: "Analytics: every attacker flagged",
      goal: "all",
      measured: `${attackers.length - missed.length}/${attackers.length}`,
      met: missed.length === 0,
      note,
    },
    {
      name: "Analytics: extraction flagged within its first 300 requests",
      goal: "≤ 300 requests",
      measured: `${extraction.length - slowExtraction.length}/${extraction.length} (worst ${Math.max(...extraction.map((o) => o.attackRequestsBeforeFlag ?? Infinity))})`,
      met: slowExtraction.length === 0,
      note,
    },
    {
      name: "Analytics: no benign identity flagged",
      goal: "0",
      measured: `${falsePositives.length} of ${benign.length}`,
      met: falsePositives.length === 0,
      note,
    },
    {
      name: "Analytics: replay of 1 M requests from 10 k identities under 500 MB",
      goal: "< 500 MB peak RSS",
      measured:
        typeof memory === "string"
          ? memory
          : `${memory.replay.maxRssMB} MB peak RSS, ${memory.replay.seconds} s`,
      met: typeof memory === "string" ? null : memory.replay.maxRssMB < 500,
      note: "guards off (the analytics state is measured, not the detectors); node dist/scripts/eval/analytics-memory.js",
    },
  ];
  const markdown = [
    `\`portcullis simulate --hours ${hours} --seed S\` for ${seeds.length} seeds never used while tuning (${seeds.join(", ")}; ` +
      "tuning used seeds 1–5), each replayed with `portcullis replay` (guards on, default options). " +
      "A row aggregates one population or attacker over all seeds. *Requests to flag* counts the attacker's own attack " +
      "requests up to its first flag; *delay* is the time from its first attack request.",
    "",
    ...table(
      [
        "population",
        "kind",
        "identities",
        "flagged",
        "right category",
        "requests to flag (median)",
        "requests to flag (max)",
        "delay min (median)",
        "highest score",
      ],
      rows,
      "--- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
    ...table(
      ["target", "goal", "measured", "verdict"],
      targets.map((t) => [t.name, t.goal, t.measured, verdict(t.met)]),
      "--- | --- | --- | ---",
    ),
    "",
    ...(missed.length + falsePositives.length > 0
      ? [
          "Misses and false positives:",
          "",
          ...[...missed, ...falsePositives].map(
            (o) =>
              `- seed ${o.seed}, ${o.actor} \`${o.key}\`: ${o.flagged ? `flagged ${o.category} (${o.score})` : `not flagged (highest score ${o.score})`}`,
          ),
          "",
        ]
      : []),
  ];
  return {
    title: "Behaviour analytics (issue 7)",
    markdown,
    json: { seeds, hours, identities: all, memory },
    targets,
  };
}
