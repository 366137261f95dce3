import type { IdentityState, Scale } from "../state.js";

/** The behaviours analytics looks for; a detection event's activity is `analytics.<category>`. */
export type Category =
  "model_extraction" | "scraping" | "insider_exfiltration" | "key_sharing" | "flood" | "cost_harvesting";

/**
 * A workload a team has declared as expected (docs/analytics.md): what it declares stops counting
 * as unusual for that key or team, so a batch job or a support bot is measured against what it is
 * meant to do rather than against an office user.
 */
export interface ExpectedWorkload {
  /** Requests per hour this workload may send; volume up to it is never a surge. */
  requestsPerHour?: number;
  /** Prompt + completion tokens per hour this workload may use. */
  tokensPerHour?: number;
  /** It asks for logprobs / top_logprobs or temperature 0 by design (evaluation, classification). */
  logprobs?: boolean;
  /** It runs at any hour (nightly jobs). */
  offHours?: boolean;
  /** It sends personal data in bulk by design (a CRM or HR integration). */
  personalData?: boolean;
  /** Source IPs it runs from at once (a pool of application servers), and as many networks in an hour. */
  ips?: number;
  /** Detector categories switched off for it entirely. */
  ignore?: Category[];
}

/** What a detector sees: the identity's state, its team's, and how much it usually sends. */
export interface DetectorInput {
  state: IdentityState;
  now: number;
  expected: ExpectedWorkload | undefined;
  /**
   * The identity's usual requests per hour: its own 3-day baseline once it has 12 h of history,
   * else its team's per-key average; undefined when neither exists.
   */
  usual: { perHour: number; source: "own" | "team" } | undefined;
}

export interface Verdict {
  /** Risk in [0, 1]. */
  score: number;
  /** The counter scale the score came from (the detection's window). */
  scale: Scale;
  /** Sentences a person can read; built only when asked (the hot loop never needs them). */
  reasons(): string[];
}

export interface Detector {
  readonly category: Category;
  readonly description: string;
  /** MITRE ATLAS technique ids. */
  readonly atlas: readonly string[];
  /** OWASP Top 10 for LLM Applications 2025 ids. */
  readonly owasp: readonly string[];
  evaluate(input: DetectorInput): Verdict;
}

export const NONE: Verdict = Object.freeze({ score: 0, scale: 1 as Scale, reasons: () => [] });
