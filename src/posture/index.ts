/**
 * Posture audit: checks a Portcullis configuration (and what a running instance shows) against
 * the rules in ./rules, each with a severity, the reason it matters and the fix (docs/posture.md).
 * Pure over its input: reading files, environment and the admin API is the caller's job
 * (./facts.ts for files and environment).
 */
import { RULES } from "./rules/index.js";
import {
  SEVERITIES,
  severityRank,
  type PostureFinding,
  type PostureInput,
  type PostureReport,
  type PostureRule,
  type Severity,
} from "./types.js";

export * from "./types.js";
export { RULES } from "./rules/index.js";
export { CRITICAL_CATEGORIES } from "./rules/guards.js";
export { secretSites, measureSecret, type SecretSite } from "./secrets.js";
export { givenSecret, probeSecrets, type ProbeOptions } from "./facts.js";
export { toSarif, type SarifOptions } from "./sarif.js";
export { renderText } from "./text.js";
export { isLoopbackHost } from "./net.js";

/** Points taken off the score, once per rule that fired: one critical finding alone fails a review. */
export const SEVERITY_WEIGHT: Record<Severity, number> = {
  info: 0,
  low: 3,
  medium: 8,
  high: 20,
  critical: 40,
};

export function scoreOf(findings: readonly PostureFinding[]): number {
  const fired = new Map<string, Severity>();
  for (const f of findings) fired.set(f.rule, f.severity);
  let score = 100;
  for (const severity of fired.values()) score -= SEVERITY_WEIGHT[severity];
  return Math.max(0, score);
}

export function auditPosture(input: PostureInput, rules: readonly PostureRule[] = RULES): PostureReport {
  const findings: PostureFinding[] = [];
  const skipped: string[] = [];
  for (const rule of rules) {
    for (const hit of rule.check(input)) {
      findings.push({
        rule: rule.id,
        title: rule.title,
        severity: rule.severity,
        message: hit.message,
        path: hit.path,
        fix: rule.fix,
      });
    }
    const reason = rule.unchecked?.(input);
    if (reason) skipped.push(`${rule.id}: ${reason}`);
  }
  // Most severe first; the rule order breaks ties.
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return { source: input.source, score: scoreOf(findings), findings, skipped, rules: rules.length };
}

/** Findings at or above a severity (`--fail-on`). */
export function atOrAbove(findings: readonly PostureFinding[], threshold: Severity): PostureFinding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(threshold));
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
export { collectServerFacts, ServerFactsError, PROBE_ORIGIN, type CollectedServer } from "./server.js";
export { loadAuditedConfig, effectiveDataDir } from "./load.js";
export { lineOf } from "./sarif.js";
