/**
 * The security event: one per request, and one per notable thing outside requests (an admin
 * action, a key suspended by a responder). Field names follow OCSF where one fits — class 6003
 * "API Activity" for requests (actor, src_endpoint, http_request, status), 2004 "Detection
 * Finding" for findings — so the SIEM exporters map them without guessing.
 */

export type EventClass = "api_activity" | "admin_activity" | "detection_finding" | "system";

/** What the gateway finally did with the request. */
export type DecisionAction = "allow" | "redact" | "block" | "error";

export interface EventActor {
  key_id: string | null;
  key_name?: string;
  team?: string;
  role?: string;
}

export interface EventFinding {
  detector: string;
  kind: string;
  category: string;
  severity: string;
  score: number;
  /** Where it was found: the prompt, a retrieved document, or the model's output. */
  direction?: "prompt" | "document" | "output";
  span?: [number, number];
  evidence?: string;
  /** What the policy did about it ("block", "redact", …; "monitor:block" when only recorded). */
  action?: string;
  policy?: string;
}

export interface SecurityEvent {
  /** Time-ordered unique id (UUIDv7). */
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  class: EventClass;
  /** e.g. "chat.completions", "messages", "key.created", "key.suspended". */
  activity: string;
  severity: "info" | "low" | "medium" | "high" | "critical";
  request_id?: string;
  actor: EventActor;
  src_endpoint?: { ip?: string; user_agent?: string };
  http?: { method: string; path: string; status: number };
  route?: string;
  model?: string;
  provider?: string;
  stream?: boolean;
  decision: { action: DecisionAction; monitor_only: boolean; reasons: string[] };
  findings: EventFinding[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  latency_ms?: { total: number; upstream?: number; overhead?: number };
  /** Stable PCX_… code when the request ended in an error. */
  error_code?: string;
  /** Reference to the encrypted payload when payload logging is on; never the payload itself. */
  payload_ref?: string | null;
  /**
   * How many occurrences this one event stands for (OCSF `count`), between `details.first_at` and
   * the event's time. Absent means one. Only refusals answered by the penalty box are summarised
   * this way (src/gateway/penalty.ts); consumers that count requests weigh by it.
   */
  count?: number;
  /** Free-form, non-secret details (admin actions: the target key id, the change). */
  details?: Record<string, unknown>;
  /** Shape of the request for behaviour analytics (docs/analytics.md); never its text. */
  request_features?: RequestFeatures;
}

/**
 * What behaviour analytics needs to know about a request, computed in the gateway at request time
 * (src/gateway/features.ts) so that no prompt text is ever put on the bus: sizes, sampling
 * parameters, and two one-way fingerprints of the last user turn. `minhash` is a MinHash signature
 * of the turn's word bigrams (near-duplicate and novelty tests); `template_hash` hashes its leading
 * instruction with digits, quoted spans and capitalised words masked, so "What is the capital of
 * France?" and "… of Peru?" share one template.
 */
export interface RequestFeatures {
  /** UTF-16 units of text in the whole request (system, history and the last turn). */
  prompt_chars: number;
  /** A cheap token estimate of the same text (chars / 4, rounded up). */
  prompt_tokens_est: number;
  /** Messages in the conversation (1 for completions and embeddings). */
  messages: number;
  max_tokens: number | null;
  temperature: number | null;
  logprobs: boolean;
  top_logprobs: number | null;
  /** Completions asked for (`n`), 1 when absent. */
  n: number;
  stream: boolean;
  /** MinHash signature (unsigned 32-bit values) of the last user turn; empty when it has no words. */
  minhash: number[];
  /** Unsigned 32-bit hash of the masked leading instruction of the last user turn; 0 when empty. */
  template_hash: number;
}
