import type { Config } from "../../config/index.js";
import type { PolicyConfig, PolicyRuleConfig } from "../../config/sections/policy.js";
import type { PostureRule, RuleHit } from "../types.js";

/**
 * The categories an attacker profits from directly, with the directions where they must be
 * enforced: injection and jailbreaks on the way in (OWASP LLM01), secrets, system prompts and
 * exfiltration on the way out (LLM02, LLM07). Each names the detector that produces it; a test
 * checks this against the detectors' own declarations.
 */
export const CRITICAL_CATEGORIES = [
  { category: "prompt_injection", directions: ["prompt", "document"], detector: "injection" },
  { category: "jailbreak", directions: ["prompt"], detector: "injection" },
  { category: "secret", directions: ["prompt", "output"], detector: "secrets" },
  { category: "system_prompt_leak", directions: ["output"], detector: "leakage" },
  { category: "exfiltration", directions: ["output"], detector: "exfiltration" },
] as const;

/** Actions that change what passes: anything else only records. */
const ENFORCING = new Set(["block", "redact", "pseudonymise"]);

/**
 * A rule this permissive misses most of what its detector reports: detectors report from their
 * own calibrated threshold, so a policy threshold far above it discards real findings.
 */
const MAX_ENFORCING_THRESHOLD = 0.9;

function appliesToEveryone(policy: PolicyConfig, config: Config): boolean {
  const { teams, keys, models } = policy.match;
  if (teams?.length || keys?.length) return false;
  if (!models?.length) return true;
  const names = new Set(models);
  return config.models.every((m) => names.has(m.name));
}

function enforces(rule: PolicyRuleConfig, category: string, direction: string): boolean {
  return (
    rule.category === category &&
    rule.directions.includes(direction as PolicyRuleConfig["directions"][number]) &&
    rule.mode !== "monitor" &&
    ENFORCING.has(rule.action) &&
    rule.kinds === undefined &&
    rule.threshold <= MAX_ENFORCING_THRESHOLD
  );
}

export const guardsOff: PostureRule = {
  id: "guards-off",
  title: "Guards off",
  severity: "critical",
  why:
    "With guards.enabled: false no prompt or answer is inspected: prompt injection, secret and PII " +
    "leaks and exfiltration links pass untouched, and nothing is recorded about them either.",
  fix: "Remove guards.enabled: false. Roll a new policy out with mode: monitor instead of turning guards off.",
  refs: ["OWASP LLM01:2025", "OWASP LLM02:2025"],
  check(input) {
    if (input.config.guards.enabled) return [];
    return [{ message: "guards.enabled is false: no policy is enforced", path: ["guards", "enabled"] }];
  },
};

export const guardsNotEnforcing: PostureRule = {
  id: "guards-not-enforcing",
  title: "Guards off or in monitor mode on critical categories",
  severity: "high",
  why:
    "Prompt injection, jailbreaks, secret leaks, system-prompt leaks and exfiltration links are the " +
    "categories an attacker profits from at once. A policy in monitor mode, an alert-only rule, a " +
    "threshold near 1 or a detector left out of guards.detectors records the attack and lets it through.",
  fix:
    "For each critical category, keep a rule that blocks or redacts it for everyone (a policy without " +
    "match, mode: enforce), or leave policies empty to get the shipped default policy; keep injection, " +
    "secrets, leakage and exfiltration in guards.detectors.",
  refs: ["OWASP LLM01:2025", "OWASP LLM02:2025", "OWASP LLM07:2025"],
  check(input) {
    const { config } = input;
    if (!config.guards.enabled) return []; // guards-off says it, louder
    const hits: RuleHit[] = [];
    const detectors = config.guards.detectors;
    if (detectors) {
      const missing = [...new Set(CRITICAL_CATEGORIES.map((c) => c.detector))].filter(
        (d) => !detectors.includes(d),
      );
      if (missing.length) {
        hits.push({
          message: `guards.detectors leaves out ${missing.join(", ")}: ${CRITICAL_CATEGORIES.filter((c) =>
            missing.includes(c.detector),
          )
            .map((c) => c.category)
            .join(", ")} are never detected`,
          path: ["guards", "detectors"],
        });
      }
    }
    // No policies: the shipped default policy applies, and it enforces every critical category.
    if (config.policies.length === 0) return hits;
    const global = config.policies.filter((p) => p.mode === "enforce" && appliesToEveryone(p, config));
    for (const { category, directions } of CRITICAL_CATEGORIES) {
      const uncovered = directions.filter(
        (direction) => !global.some((p) => p.rules.some((r) => enforces(r, category, direction))),
      );
      if (uncovered.length === 0) continue;
      const monitored = config.policies.find(
        (p) =>
          p.rules.some((r) => r.category === category) &&
          (p.mode === "monitor" || p.rules.some((r) => r.category === category && r.mode === "monitor")),
      );
      const index = monitored ? config.policies.indexOf(monitored) : -1;
      hits.push({
        message: `${category} in ${uncovered.join(" and ")} is not blocked or redacted for everyone${monitored ? ` (policy "${monitored.name}" only monitors it)` : ""}`,
        path: index >= 0 ? ["policies", index] : ["policies"],
      });
    }
    return hits;
  },
};
