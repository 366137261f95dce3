import type { SecurityEvent } from "../events/index.js";
import type { IncidentSeverity, KeyRecord } from "../store/index.js";

/**
 * What the incidents room takes in. These are its own shapes (it imports only `events` and
 * `store`); the `incidents:` config section (src/config/sections/incidents.ts) produces values of
 * exactly these shapes, and the composition root hands them over.
 */

export interface RuleMatch {
  class?: SecurityEvent["class"];
  /** `*` matches any run of characters. */
  activity?: string;
  decision?: SecurityEvent["decision"]["action"];
  categories?: string[];
  minScore?: number;
}

export interface IncidentRule {
  id: string;
  description: string;
  type: string;
  severity: IncidentSeverity;
  match: RuleMatch;
  /** Milliseconds. */
  threshold?: { count: number; window: number };
  /** Milliseconds. */
  dedupWindow: number;
  owasp: string[];
  atlas: string[];
}

export type PlaybookAction =
  | { type: "open_incident" }
  | { type: "suspend_key"; duration?: number }
  | { type: "throttle"; limits: Record<string, number | null | undefined>; duration: number }
  | { type: "require_policy"; policy: string; duration?: number }
  | { type: "notify"; webhooks?: string[] };

export interface Playbook {
  name: string;
  description?: string;
  on: { rules?: string[]; types?: string[]; minSeverity?: IncidentSeverity };
  actions: PlaybookAction[];
}

/** A notification target with its secrets already resolved (never logged, never stored). */
export interface WebhookTarget {
  name: string;
  url: string;
  secret?: string;
  format: "json" | "slack";
  minSeverity: IncidentSeverity;
  timeoutMs: number;
  attempts: number;
}

/** The same signing scheme as the SIEM webhook, handed in by the composition root. */
export interface WebhookSigner {
  signatureHeader: string;
  timestampHeader: string;
  sign(secret: string, timestampSeconds: number, body: Buffer): string;
}

/**
 * The gateway's levers, handed in by the composition root: the incidents room never imports the
 * gateway, the limiter or the policy engine.
 */
export interface ResponseEffects {
  /** Key status through the key service (its transition rules), then the key cache reloaded. */
  keys: {
    setStatus(id: string, action: "suspend" | "resume"): Promise<KeyRecord | undefined>;
    getKey(id: string): Promise<KeyRecord | undefined>;
    /** Changes whenever any key changes (the store's keys version); lets hand-made resumes be noticed. */
    version?(): Promise<number>;
  };
  /** Tighter limits for one key (undefined lifts them). Absent: `throttle` is refused at start-up. */
  limits?: { tighten(keyId: string, limits: Record<string, number | null | undefined> | undefined): void };
  /** Extra policies for one key (empty lifts them). Absent: `require_policy` is refused at start-up. */
  policies?: { set(keyId: string, policies: readonly string[] | undefined): void; known: readonly string[] };
}

/** One rule firing for one key: what playbooks answer. */
export interface Trigger {
  rule: IncidentRule;
  keyId: string;
  keyName?: string;
  team: string | null;
  time: number;
  /** The event that made the rule fire. */
  event: SecurityEvent;
  /** Events counted into this trigger. */
  count: number;
  /** A sample of the events behind it (ids and their request ids), newest last. */
  eventIds: string[];
  requestIds: string[];
  /** Human-readable reasons, from the rule and the events' own reasons. */
  reasons: string[];
  owasp: string[];
  atlas: string[];
  /** The highest score among the events (a detection's score, or a finding's). */
  score: number | undefined;
}

/** Where problems go: the composition root's logger. */
export interface IncidentLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const SEVERITY_RANK: Record<IncidentSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
