import type { IncidentRule, Playbook } from "../types.js";

/**
 * The shipped rules and playbooks (`incidents.defaults: true`). Each rule carries its own cases —
 * event sequences that must fire it and near misses that must not — and a test runs every rule
 * against them (STYLE.md §3), so a rule cannot change without proof.
 *
 * Mappings: OWASP Top 10 for LLM Applications 2025 (LLM01 prompt injection, LLM02 sensitive
 * information disclosure, LLM05 improper output handling, LLM07 system prompt leakage, LLM10
 * unbounded consumption) and MITRE ATLAS (AML.T0051 prompt injection, .T0054 jailbreak, .T0056
 * system prompt extraction, .T0057 data leakage, .T0024.002 model extraction via the inference API,
 * .T0029 denial of AI service, .T0034 cost harvesting, .T0012 valid accounts).
 */

/** An event, sketched: what a case needs to say; the test fills in the rest. */
export interface EventSketch {
  /** Seconds after the first event of the case. */
  at: number;
  class?: "api_activity" | "detection_finding" | "admin_activity";
  activity?: string;
  decision?: "allow" | "redact" | "block";
  findings?: { category: string; score: number; action?: string }[];
  details?: Record<string, unknown>;
}

export interface RuleCase {
  comment: string;
  events: EventSketch[];
  fires: boolean;
}

export type DefaultRule = IncidentRule & { cases: RuleCase[] };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const injection = (at: number, category = "prompt_injection"): EventSketch => ({
  at,
  decision: "block",
  findings: [{ category, score: 0.97, action: "block" }],
});

const detection = (category: string, score: number, at = 0): EventSketch => ({
  at,
  class: "detection_finding",
  activity: `analytics.${category}`,
  details: { category, score, reasons: [`${category} pattern`] },
});

/** One analytics category answered by one rule: above `minScore` it fires on the first detection. */
function analyticsRule(
  category: string,
  minScore: number,
  rule: Omit<DefaultRule, "match" | "cases" | "dedupWindow"> & { dedupWindow?: number },
): DefaultRule {
  return {
    dedupWindow: 6 * HOUR,
    ...rule,
    match: { class: "detection_finding", activity: `analytics.${category}`, minScore },
    cases: [
      { comment: "a confident detection", events: [detection(category, minScore + 0.05)], fires: true },
      {
        comment: "a detection below the rule's score",
        events: [detection(category, minScore - 0.1)],
        fires: false,
      },
      {
        comment: "another category's detection",
        events: [detection(category === "flood" ? "scraping" : "flood", 0.99)],
        fires: false,
      },
    ],
  };
}

export const DEFAULT_RULES: readonly DefaultRule[] = [
  {
    id: "repeated-prompt-injection",
    description: "Repeated blocked prompt injection or jailbreak attempts from one key",
    type: "prompt_injection",
    severity: "high",
    match: { class: "api_activity", decision: "block", categories: ["prompt_injection", "jailbreak"] },
    threshold: { count: 3, window: 10 * MINUTE },
    dedupWindow: HOUR,
    owasp: ["LLM01"],
    atlas: ["AML.T0051", "AML.T0054"],
    cases: [
      {
        comment: "three blocked injections in two minutes",
        events: [injection(0), injection(40), injection(120, "jailbreak")],
        fires: true,
      },
      {
        comment: "two blocked injections: a user can trip a guard twice by accident",
        events: [injection(0), injection(60)],
        fires: false,
      },
      {
        comment: "three, but spread over more than ten minutes",
        events: [injection(0), injection(400), injection(800)],
        fires: false,
      },
      {
        comment: "found but allow-listed, so not an attempt",
        events: [0, 1, 2].map((at) => ({
          at,
          decision: "allow" as const,
          findings: [{ category: "prompt_injection", score: 0.9, action: "allow" }],
        })),
        fires: false,
      },
      {
        comment: "blocked for PII, not for injection",
        events: [0, 1, 2].map((at) => ({
          at,
          decision: "block" as const,
          findings: [{ category: "pii", score: 0.9, action: "block" }],
        })),
        fires: false,
      },
    ],
  },
  {
    id: "prompt-injection-campaign",
    description: "A sustained prompt injection campaign from one key",
    type: "prompt_injection",
    severity: "critical",
    match: { class: "api_activity", decision: "block", categories: ["prompt_injection", "jailbreak"] },
    threshold: { count: 10, window: 10 * MINUTE },
    dedupWindow: HOUR,
    owasp: ["LLM01"],
    atlas: ["AML.T0051", "AML.T0054"],
    cases: [
      {
        comment: "ten blocked attempts in five minutes",
        events: Array.from({ length: 10 }, (_, i) => injection(i * 30)),
        fires: true,
      },
      {
        comment: "nine: the repeated-injection rule's business, not a campaign yet",
        events: Array.from({ length: 9 }, (_, i) => injection(i * 30)),
        fires: false,
      },
    ],
  },
  {
    id: "system-prompt-extraction",
    description: "Repeated attempts to extract the system prompt",
    type: "system_prompt_extraction",
    severity: "high",
    match: { categories: ["system_prompt_leak"] },
    threshold: { count: 2, window: 10 * MINUTE },
    dedupWindow: HOUR,
    owasp: ["LLM07"],
    atlas: ["AML.T0056"],
    cases: [
      {
        comment: "two answers stopped for leaking the system prompt",
        events: [0, 30].map((at) => ({
          at,
          decision: "block" as const,
          findings: [{ category: "system_prompt_leak", score: 1, action: "block" }],
        })),
        fires: true,
      },
      {
        comment: "one leak can be the model's own slip",
        events: [
          {
            at: 0,
            decision: "block",
            findings: [{ category: "system_prompt_leak", score: 1, action: "block" }],
          },
        ],
        fires: false,
      },
    ],
  },
  {
    id: "output-exfiltration",
    description: "An answer tried to send data out (markdown image or link carrying data)",
    type: "data_exfiltration",
    severity: "medium",
    match: { categories: ["exfiltration"], minScore: 0.8 },
    dedupWindow: HOUR,
    owasp: ["LLM02", "LLM05"],
    atlas: ["AML.T0057"],
    cases: [
      {
        comment: "a stripped exfiltration link",
        events: [{ at: 0, decision: "redact", findings: [{ category: "exfiltration", score: 0.95 }] }],
        fires: true,
      },
      {
        comment: "a weak signal",
        events: [{ at: 0, decision: "allow", findings: [{ category: "exfiltration", score: 0.5 }] }],
        fires: false,
      },
    ],
  },
  analyticsRule("model_extraction", 0.9, {
    id: "model-extraction",
    description: "Model extraction: systematic harvesting of outputs to copy the model",
    type: "model_extraction",
    severity: "critical",
    owasp: ["LLM10"],
    atlas: ["AML.T0024.002"],
  }),
  analyticsRule("model_extraction", 0.7, {
    id: "model-extraction-suspected",
    description: "Suspected model extraction",
    type: "model_extraction",
    severity: "high",
    owasp: ["LLM10"],
    atlas: ["AML.T0024.002"],
  }),
  analyticsRule("scraping", 0.8, {
    id: "knowledge-scraping",
    description: "System prompt or knowledge scraping through many paraphrased attempts",
    type: "scraping",
    severity: "high",
    owasp: ["LLM07", "LLM02"],
    atlas: ["AML.T0056", "AML.T0057"],
  }),
  analyticsRule("insider_exfiltration", 0.8, {
    id: "insider-exfiltration",
    description: "Bulk personal or secret data leaving through prompts",
    type: "insider_exfiltration",
    severity: "high",
    owasp: ["LLM02"],
    atlas: ["AML.T0057"],
  }),
  analyticsRule("key_sharing", 0.8, {
    id: "key-sharing",
    description: "A key used from many places at once: shared or stolen",
    type: "key_sharing",
    severity: "high",
    owasp: [],
    atlas: ["AML.T0012"],
  }),
  analyticsRule("flood", 0.8, {
    id: "abuse-flood",
    description: "An abusive flood of requests",
    type: "flood",
    severity: "high",
    owasp: ["LLM10"],
    atlas: ["AML.T0029"],
    dedupWindow: HOUR,
  }),
  analyticsRule("cost_harvesting", 0.8, {
    id: "cost-harvesting",
    description: "Cost harvesting: maximal prompts and completions",
    type: "cost_harvesting",
    severity: "high",
    owasp: ["LLM10"],
    atlas: ["AML.T0034"],
  }),
];

/**
 * Every trigger opens (or joins) an incident and notifies the configured webhooks; abuse that costs
 * money or copies the model is slowed down; a critical trigger suspends the key for an hour, so a
 * false positive heals itself while a person looks. Turn them off with `incidents.defaults: false`.
 */
export const DEFAULT_PLAYBOOKS: readonly Playbook[] = [
  {
    name: "record-and-notify",
    description: "Open an incident and tell the configured webhooks",
    on: {},
    actions: [{ type: "open_incident" }, { type: "notify" }],
  },
  {
    name: "slow-down-harvesting",
    description: "Throttle keys that harvest, scrape or flood",
    on: { types: ["model_extraction", "scraping", "flood", "cost_harvesting"], minSeverity: "high" },
    actions: [
      {
        type: "throttle",
        limits: { requestsPerMinute: 30, tokensPerMinute: 20_000, maxConcurrent: 2 },
        duration: HOUR,
      },
    ],
  },
  {
    name: "contain-critical",
    description: "Suspend the key for an hour on a critical trigger",
    on: { minSeverity: "critical" },
    actions: [{ type: "suspend_key", duration: HOUR }],
  },
];
