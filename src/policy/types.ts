import type { Finding } from "../detect/types.js";

export type Direction = "prompt" | "document" | "output";
export type PolicyAction = "block" | "pseudonymise" | "redact" | "alert" | "allow";

/** A finding and where it was found; `text` is the inspected text its span refers to. */
export interface DirectedFinding {
  finding: Finding;
  direction: Direction;
  text: string;
}

export interface PolicySubject {
  keyId: string;
  team: string;
  model: string;
}

/** What the policies say about one finding. */
export interface FindingOutcome {
  finding: Finding;
  direction: Direction;
  /** What happens (or, when `monitor`, what would have happened). */
  action: PolicyAction;
  /** The policy and rule that decided; absent when no rule matched (the finding is only recorded). */
  policy?: string;
  rule?: number;
  /** Decided by a rule or policy in monitor mode: recorded, not acted on. */
  monitor: boolean;
  /** Set when an allow-list entry suppressed the finding. */
  allowedBy?: string;
}

/** ARCHITECTURE.md's Decision: the one verdict per request direction. */
export interface Decision {
  action: "allow" | "redact" | "block";
  outcomes: FindingOutcome[];
  reasons: string[];
  /** True when monitor-mode rules would have acted more strictly than what was done. */
  monitorOnly: boolean;
}
