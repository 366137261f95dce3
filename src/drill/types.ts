/** The drill's report (docs/drill.md): what `--format json` prints. */

export type CheckStatus = "pass" | "fail" | "skipped";

export interface CheckResult {
  /** Stable id, `<phase>.<what>` (`injection.notified`, `siem.delivered`). */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was seen, or what is missing and where to look. */
  detail: string;
  /** Milliseconds from the start of the phase to the evidence, by the server's clock. */
  after_ms?: number;
}

export interface PhaseReport {
  id: string;
  title: string;
  /** The temporary key the phase attacked with (revoked at the end). */
  key_id: string;
  started_at: string;
  /** Attack requests sent and how they were answered, by HTTP status. */
  requests: { sent: number; statuses: Record<string, number> };
  /** First detection, first automated response and first notification, from the phase's start. */
  time_to_detect_ms: number | null;
  time_to_respond_ms: number | null;
  time_to_notify_ms: number | null;
  checks: CheckResult[];
}

export interface DrillReport {
  server: string;
  run_id: string;
  started_at: string;
  duration_ms: number;
  passed: boolean;
  phases: PhaseReport[];
  /** Checks not tied to one phase (SIEM delivery). */
  checks: CheckResult[];
  /** Ids of the failed checks, for a one-line summary. */
  failed: string[];
  cleanup: {
    /** Every key the drill made, and its status after clean-up (revoked unless something failed). */
    keys: { id: string; status: string }[];
    incidents_resolved: number;
    errors: string[];
  };
}

/** How a phase's requests came back: status → count. */
export type StatusTally = Map<number, number>;
