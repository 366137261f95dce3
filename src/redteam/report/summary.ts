/** Tallies and the report object every format is rendered from. */
import type { Suite } from "../suites/schema.js";
import type {
  CaseResult,
  Comparison,
  ComparisonEntry,
  ProbeInfo,
  RunReport,
  RunSummary,
  Tally,
  TargetInfo,
  Verdict,
} from "../types.js";
import { SEVERITY_RANK } from "../types.js";

export function tally(results: readonly CaseResult[]): Tally {
  const t: Tally = { total: results.length, vulnerable: 0, resisted: 0, blocked: 0, error: 0, passRate: 1 };
  for (const r of results) t[r.verdict]++;
  const decided = t.total - t.error;
  t.passRate = decided === 0 ? 1 : (t.resisted + t.blocked) / decided;
  return t;
}

function groupTally(
  results: readonly CaseResult[],
  keys: (r: CaseResult) => string[],
): Record<string, Tally> {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results)
    for (const k of keys(r)) {
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, tally(groups.get(k) as CaseResult[])]));
}

export function summarise(results: readonly CaseResult[]): RunSummary {
  return {
    ...tally(results),
    byOwasp: groupTally(results, (r) => r.owasp),
    bySeverity: groupTally(results, (r) => [r.severity]),
    bySuite: groupTally(results, (r) => [r.suite]),
  };
}

/** Vulnerable results first by severity (critical first), then by id: the "worst findings". */
export function worst(results: readonly CaseResult[]): CaseResult[] {
  return results
    .filter((r) => r.verdict === "vulnerable")
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));
}

export function probeCatalogue(suites: readonly Suite[]): ProbeInfo[] {
  return suites.flatMap((s) =>
    s.probes.map((p) => ({
      id: `${s.name}/${p.id}`,
      title: p.title,
      goal: p.goal,
      owasp: p.owasp,
      atlas: p.atlas,
      severity: p.severity,
      file: s.file,
      line: p.line,
    })),
  );
}

export interface ReportInput {
  version: string;
  startedAt: string;
  finishedAt: string;
  target: TargetInfo;
  suites: readonly Suite[];
  transforms: string[];
  judges: RunReport["judges"];
  results: CaseResult[];
  comparison?: Comparison;
}

export function buildReport(input: ReportInput): RunReport {
  return {
    schema: "portcullis.redteam/v1",
    tool: { name: "portcullis", version: input.version },
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    target: input.target,
    suites: input.suites.map((s) => ({
      name: s.name,
      title: s.title,
      file: s.file,
      probes: s.probes.length,
    })),
    probes: probeCatalogue(input.suites),
    transforms: input.transforms,
    judges: input.judges,
    summary: summarise(input.results),
    results: input.results,
    ...(input.comparison ? { comparison: input.comparison } : {}),
  };
}

function outcomeOf(direct: Verdict, through: Verdict): ComparisonEntry["outcome"] {
  if (direct === "error" || through === "error") return "inconclusive";
  if (direct === "vulnerable") return through === "vulnerable" ? "got-through" : "stopped";
  return through === "vulnerable" ? "regressed" : "not-exploitable";
}

/**
 * Pairs the same cases run directly and through Portcullis. "stopped": the attack worked against
 * the model directly and not through the gateway; "got-through": it worked both ways;
 * "regressed": it worked only through the gateway (worth a look: a transform of the gateway's
 * made it worse, or the model is not deterministic).
 */
export function compareRuns(
  direct: { target: TargetInfo; results: readonly CaseResult[] },
  through: readonly CaseResult[],
): Comparison {
  const byId = new Map(direct.results.map((r) => [r.id, r]));
  const entries: ComparisonEntry[] = [];
  for (const t of through) {
    const d = byId.get(t.id);
    if (!d) continue;
    entries.push({
      id: t.id,
      title: t.title,
      owasp: t.owasp,
      severity: t.severity,
      direct: d.verdict,
      through: t.verdict,
      outcome: outcomeOf(d.verdict, t.verdict),
    });
  }
  const count = (o: ComparisonEntry["outcome"]) => entries.filter((e) => e.outcome === o).length;
  return {
    direct: { target: direct.target, summary: summarise(direct.results) },
    entries,
    stopped: count("stopped"),
    gotThrough: count("got-through"),
    notExploitable: count("not-exploitable"),
    regressed: count("regressed"),
    inconclusive: count("inconclusive"),
  };
}
