import RE2 from "re2";
import type { AllowEntryConfig, PolicyConfig, PolicyRuleConfig } from "../config/sections/policy.js";
import type { PolicyOverrides } from "./overrides.js";
import { stricter, STRICTNESS } from "./strictness.js";
import type {
  Decision,
  DirectedFinding,
  Direction,
  FindingOutcome,
  PolicyAction,
  PolicySubject,
} from "./types.js";

interface CompiledAllow {
  label: string;
  phrase?: string;
  pattern?: RE2;
  keys?: ReadonlySet<string>;
  categories?: ReadonlySet<string>;
  expires: number;
}

interface CompiledPolicy {
  config: PolicyConfig;
  allows: CompiledAllow[];
}

export interface PolicySet {
  readonly policies: readonly PolicyConfig[];
  /** The policies that apply to this caller and model, in configuration order. */
  applicable(subject: PolicySubject): PolicyConfig[];
  decide(subject: PolicySubject, findings: readonly DirectedFinding[], now?: number): Decision;
  /**
   * Where allowed phrases and patterns occur in a text, for this caller: the guards blank these
   * ranges and scan again, so an allowed phrase is no evidence while the rest of the text still is.
   */
  allowedRanges(subject: PolicySubject, text: string, now?: number): AllowedRange[];
  /** Categories some applicable rule acts on in this direction (enforced or monitored). */
  categoriesFor(subject: PolicySubject, direction: Direction): string[];
  /** Allow-list entries past their expiry (reported by `config check` and at start-up). */
  expired(now?: number): string[];
}

export interface AllowedRange {
  start: number;
  end: number;
  label: string;
  /** The categories the entry covers; undefined for all. */
  categories?: ReadonlySet<string>;
}

function occurrences(allow: CompiledAllow, text: string, lower: () => string): [number, number][] {
  const out: [number, number][] = [];
  if (allow.phrase !== undefined) {
    const haystack = lower();
    for (let at = haystack.indexOf(allow.phrase); at !== -1; at = haystack.indexOf(allow.phrase, at + 1)) {
      out.push([at, at + allow.phrase.length]);
    }
  }
  if (allow.pattern) {
    const pattern = allow.pattern;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      if (m[0].length === 0) pattern.lastIndex++;
      else out.push([m.index, m.index + m[0].length]);
    }
  }
  return out;
}

function compileAllow(policy: string, index: number, entry: AllowEntryConfig): CompiledAllow {
  return {
    label: `${policy}.allow[${index}]`,
    ...(entry.phrase !== undefined ? { phrase: entry.phrase.toLowerCase() } : {}),
    // User-supplied patterns run on RE2 only: linear time, no catastrophic backtracking.
    ...(entry.pattern !== undefined ? { pattern: new RE2(entry.pattern, "giu") } : {}),
    ...(entry.keys ? { keys: new Set(entry.keys) } : {}),
    ...(entry.categories ? { categories: new Set(entry.categories) } : {}),
    expires: Date.parse(entry.expires),
  };
}

function matchesSubject(policy: PolicyConfig, subject: PolicySubject): boolean {
  const { teams, keys, models } = policy.match;
  return (
    (!teams?.length || teams.includes(subject.team)) &&
    (!keys?.length || keys.includes(subject.keyId)) &&
    (!models?.length || models.includes(subject.model))
  );
}

function ruleApplies(rule: PolicyRuleConfig, item: DirectedFinding): boolean {
  const f = item.finding;
  return (
    rule.category === f.category &&
    rule.directions.includes(item.direction) &&
    f.score >= rule.threshold &&
    (!rule.kinds || rule.kinds.includes(f.kind))
  );
}

/** Does [start, end) lie inside some occurrence of the allowed phrase or pattern in the text? */
function coveredBy(allow: CompiledAllow, item: DirectedFinding): boolean {
  if (allow.phrase === undefined && allow.pattern === undefined) return true;
  const [start, end] = item.finding.span ?? [0, item.text.length];
  if (allow.phrase !== undefined) {
    const haystack = item.text.toLowerCase();
    for (let at = haystack.indexOf(allow.phrase); at !== -1; at = haystack.indexOf(allow.phrase, at + 1)) {
      if (at <= start && end <= at + allow.phrase.length) return true;
    }
  }
  if (allow.pattern) {
    const pattern = allow.pattern;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(item.text); m; m = pattern.exec(item.text)) {
      if (m.index <= start && end <= m.index + m[0].length) return true;
      if (m[0].length === 0) pattern.lastIndex++;
    }
  }
  return false;
}

function allowedBy(
  allows: readonly CompiledAllow[],
  subject: PolicySubject,
  item: DirectedFinding,
  now: number,
): string | undefined {
  for (const allow of allows) {
    if (allow.expires <= now) continue;
    if (allow.keys && !allow.keys.has(subject.keyId)) continue;
    if (allow.categories && !allow.categories.has(item.finding.category)) continue;
    if (coveredBy(allow, item)) return allow.label;
  }
  return undefined;
}

/**
 * Compiles the configured policies once (allow patterns on RE2). Every policy that matches the
 * caller contributes its rules; for each finding the strictest enforced rule decides, and monitor
 * rules record what they would have done.
 */
export function compilePolicies(configs: readonly PolicyConfig[], overrides?: PolicyOverrides): PolicySet {
  const compiled: CompiledPolicy[] = configs.map((config) => ({
    config,
    allows: config.allow.map((entry, i) => compileAllow(config.name, i, entry)),
  }));
  // A policy applies when its match selects the caller, or when a run-time override requires it.
  const matches = overrides
    ? (policy: PolicyConfig, subject: PolicySubject) =>
        matchesSubject(policy, subject) || overrides.requires(subject.keyId, policy.name)
    : matchesSubject;

  return {
    policies: configs,
    applicable: (subject) => compiled.filter((p) => matches(p.config, subject)).map((p) => p.config),
    categoriesFor(subject, direction) {
      const categories = new Set<string>();
      for (const policy of compiled) {
        if (!matches(policy.config, subject)) continue;
        for (const rule of policy.config.rules) {
          if (rule.directions.includes(direction) && rule.action !== "allow") categories.add(rule.category);
        }
      }
      return [...categories];
    },
    allowedRanges(subject, text, now = Date.now()) {
      const ranges: AllowedRange[] = [];
      let lowered: string | undefined;
      const lower = () => (lowered ??= text.toLowerCase());
      for (const policy of compiled) {
        if (!matches(policy.config, subject)) continue;
        for (const allow of policy.allows) {
          if (allow.expires <= now || (allow.keys && !allow.keys.has(subject.keyId))) continue;
          if (allow.phrase === undefined && allow.pattern === undefined) continue;
          for (const [start, end] of occurrences(allow, text, lower)) {
            ranges.push({
              start,
              end,
              label: allow.label,
              ...(allow.categories ? { categories: allow.categories } : {}),
            });
          }
        }
      }
      return ranges;
    },
    expired(now = Date.now()) {
      return compiled.flatMap((p) => p.allows.filter((a) => a.expires <= now).map((a) => a.label));
    },
    decide(subject, findings, now = Date.now()) {
      const active = compiled.filter((p) => matches(p.config, subject));
      const allows = active.flatMap((p) => p.allows);
      const outcomes: FindingOutcome[] = [];
      let enforced: PolicyAction = "allow";
      let wouldBe: PolicyAction = "allow";
      for (const item of findings) {
        const allowed = allows.length ? allowedBy(allows, subject, item, now) : undefined;
        if (allowed) {
          outcomes.push({
            finding: item.finding,
            direction: item.direction,
            action: "allow",
            monitor: false,
            allowedBy: allowed,
          });
          continue;
        }
        let best: FindingOutcome | undefined;
        let bestMonitor: FindingOutcome | undefined;
        for (const policy of active) {
          policy.config.rules.forEach((rule, index) => {
            if (!ruleApplies(rule, item)) return;
            const monitor = policy.config.mode === "monitor" || rule.mode === "monitor";
            const outcome: FindingOutcome = {
              finding: item.finding,
              direction: item.direction,
              action: rule.action,
              policy: policy.config.name,
              rule: index,
              monitor,
            };
            if (monitor) {
              if (!bestMonitor || STRICTNESS[rule.action] > STRICTNESS[bestMonitor.action])
                bestMonitor = outcome;
            } else if (!best || STRICTNESS[rule.action] > STRICTNESS[best.action]) {
              best = outcome;
            }
          });
        }
        const chosen =
          best && (!bestMonitor || STRICTNESS[best.action] >= STRICTNESS[bestMonitor.action])
            ? best
            : (bestMonitor ?? best);
        outcomes.push(
          chosen ?? { finding: item.finding, direction: item.direction, action: "alert", monitor: false },
        );
        if (best) enforced = stricter(enforced, best.action);
        if (bestMonitor) wouldBe = stricter(wouldBe, bestMonitor.action);
      }
      const action =
        enforced === "block" ? "block" : STRICTNESS[enforced] >= STRICTNESS.pseudonymise ? "redact" : "allow";
      const reasons = outcomes
        .filter((o) => o.action !== "allow" && o.action !== "alert" && o.policy)
        .map(
          (o) =>
            `${o.monitor ? "monitor: would " : ""}${o.action} ${o.finding.category}/${o.finding.kind} in ${o.direction} (${o.policy} rule ${o.rule})`,
        );
      return { action, outcomes, reasons, monitorOnly: STRICTNESS[wouldBe] > STRICTNESS[enforced] };
    },
  };
}
