import type { DrillEvent } from "./client.js";
import { extractionPrompts, INJECTIONS, leakPrompts } from "./prompts.js";

/**
 * The scripted attack: four phases, each with its own temporary key so that every detection,
 * incident and response can be attributed to the phase that caused it (incidents are per key).
 * Each phase lists what a correctly configured deployment does about it.
 */

/** One request a phase sends on /v1/chat/completions. */
export interface AttackRequest {
  prompt: string;
  /** Extra body fields (sampling parameters). */
  extra?: Record<string, unknown>;
}

/** What the deployment is expected to have done, checked through the admin API. */
export type Expectation =
  | {
      kind: "detection";
      id: string;
      title: string;
      /** Server-side filter for GET /admin/v1/events. */
      query: { activity?: string; decision?: string };
      match(event: DrillEvent): boolean;
      /** Told when it is missing: where the detection comes from. */
      hint: string;
    }
  | { kind: "blocked"; id: string; title: string; hint: string }
  | { kind: "limited"; id: string; title: string; hint: string }
  | {
      kind: "incident";
      id: string;
      title: string;
      types: readonly string[];
      hint: string;
      /** The analytics detection that should have opened it: its score is reported when it did not. */
      detection?: string;
    }
  | { kind: "response"; id: string; title: string; actions: readonly string[]; hint: string }
  | { kind: "notification"; id: string; title: string };

export interface Phase {
  id: string;
  title: string;
  /** The requests, in order; `concurrency` at once. */
  requests(seed: number, size: number): AttackRequest[];
  /** Default number of requests (`size`); phases with a fixed script ignore it. */
  size: number;
  concurrency: number;
  expect: readonly Expectation[];
}

const INJECTION_CATEGORIES = new Set(["prompt_injection", "jailbreak"]);

const notified = (phase: string): Expectation => ({
  kind: "notification",
  id: `${phase}.notified`,
  title: "the incident was notified (incidents webhook)",
});

export const PHASES: readonly Phase[] = [
  {
    id: "injection",
    title: "Prompt injection burst",
    size: INJECTIONS.length,
    concurrency: 1,
    requests: () => INJECTIONS.map((prompt) => ({ prompt })),
    expect: [
      {
        kind: "detection",
        id: "injection.detected",
        title: "injections were detected and blocked",
        query: { decision: "block" },
        match: (e) => e.findings.some((f) => INJECTION_CATEGORIES.has(f.category)),
        hint: "guards must block prompt_injection and jailbreak in prompts (guards.enabled, policies)",
      },
      {
        kind: "incident",
        id: "injection.incident",
        title: "an incident was opened",
        types: ["prompt_injection"],
        hint: "incident rules repeated-prompt-injection / prompt-injection-campaign (incidents.defaults)",
      },
      {
        kind: "response",
        id: "injection.responded",
        title: "the key was suspended",
        actions: ["suspend_key"],
        hint: "playbook contain-critical (suspend_key on a critical trigger)",
      },
      notified("injection"),
    ],
  },
  {
    id: "leakage",
    title: "Secret leakage",
    size: 4,
    concurrency: 1,
    requests: (seed) => leakPrompts(seed).map((prompt) => ({ prompt })),
    expect: [
      {
        kind: "detection",
        id: "leakage.detected",
        title: "pasted credentials were detected",
        query: {},
        match: (e) => e.findings.some((f) => f.category === "secret"),
        hint: "the secrets detector must run on prompts (guards.detectors)",
      },
      {
        kind: "blocked",
        id: "leakage.contained",
        title: "no credential reached the provider (every request blocked or redacted)",
        hint: "a policy must block or redact the secret category in prompts",
      },
    ],
  },
  {
    id: "extraction",
    title: "Model extraction run",
    size: 180,
    concurrency: 4,
    requests: (seed, size) =>
      extractionPrompts(seed, size).map((prompt) => ({
        prompt,
        extra: { temperature: 0, logprobs: true, top_logprobs: 5, max_tokens: 16 },
      })),
    expect: [
      {
        kind: "detection",
        id: "extraction.detected",
        title: "behaviour analytics detected model extraction",
        query: { activity: "analytics.model_extraction" },
        match: (e) => e.class === "detection_finding",
        hint: "behaviour analytics must be on (analytics.enabled)",
      },
      {
        kind: "incident",
        id: "extraction.incident",
        title: "an incident was opened",
        types: ["model_extraction"],
        hint: "incident rules model-extraction / model-extraction-suspected",
        detection: "analytics.model_extraction",
      },
      {
        kind: "response",
        id: "extraction.responded",
        title: "the key was throttled or suspended",
        actions: ["throttle", "suspend_key"],
        hint: "playbook slow-down-harvesting (throttle) or contain-critical",
      },
      notified("extraction"),
    ],
  },
  {
    id: "flood",
    title: "Key flood",
    size: 2200,
    concurrency: 32,
    requests: (_seed, size) =>
      Array.from({ length: size }, (_, i) => ({ prompt: `ping ${i}`, extra: { max_tokens: 1 } })),
    expect: [
      {
        kind: "limited",
        id: "flood.limited",
        title: "rate limits refused part of the flood (HTTP 429)",
        hint: "limits.key.requestsPerMinute (or a tighter per-team limit)",
      },
      {
        kind: "detection",
        id: "flood.detected",
        title: "behaviour analytics detected the flood",
        query: { activity: "analytics.flood" },
        match: (e) => e.class === "detection_finding",
        hint: "behaviour analytics must be on (analytics.enabled)",
      },
      {
        kind: "incident",
        id: "flood.incident",
        title: "an incident was opened",
        types: ["flood"],
        hint: "incident rule abuse-flood (minScore 0.8); a new key reaches it only through its own limits (docs/drill.md)",
        detection: "analytics.flood",
      },
      {
        kind: "response",
        id: "flood.responded",
        title: "the key was throttled or suspended",
        actions: ["throttle", "suspend_key"],
        hint: "playbook slow-down-harvesting (throttle)",
      },
      notified("flood"),
    ],
  },
];

export const PHASE_IDS = PHASES.map((p) => p.id);
