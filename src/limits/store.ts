import type { Rule } from "./rules.js";

/**
 * A store's answer to a check, and — when admitted — the ticket to settle the request with later.
 * One flat object per request (the only allocation a memory-store check makes).
 */
export class Admission {
  allowed = false;
  /** The rule that refused (the one with the longest wait), when refused. */
  refusedBy: Rule | undefined = undefined;
  /** Milliseconds until the refusing rule could admit this request; Infinity when it never can. */
  retryAfterMs = 0;
  /** The tightest request-rate rule after this request (OpenAI's `x-ratelimit-*-requests`). */
  requestLimit = 0;
  requestRemaining = 0;
  requestResetMs = 0;
  /** The rule those three figures come from. */
  requestRule: Rule | undefined = undefined;
  /** The tightest token-rate rule (`x-ratelimit-*-tokens`). */
  tokenLimit = 0;
  tokenRemaining = 0;
  tokenResetMs = 0;
  /** Memory store: the subjects' state arrays, so settling needs no lookup. */
  stateA: Float64Array | undefined = undefined;
  stateB: Float64Array | undefined = undefined;
  /** Redis store: admitted by the in-process fallback while Redis was unreachable. */
  viaFallback = false;

  constructor(
    readonly rules: readonly Rule[],
    readonly requestId: string,
    /** Wall-clock ms at the check: budgets are settled in the window they were charged in. */
    readonly at: number,
    /** Tokens charged up front. */
    readonly tokens: number,
  ) {}

  /** Keeps the tighter figure of a rate rule for the headers (fewest remaining, then longest reset). */
  note(rule: Rule, remaining: number, resetMs: number): void {
    if (rule.kind !== "rate") return;
    if (rule.unit === "requests") {
      if (this.requestLimit === 0 || remaining < this.requestRemaining) {
        this.requestLimit = rule.limit;
        this.requestRemaining = remaining;
        this.requestResetMs = resetMs;
        this.requestRule = rule;
      }
    } else if (this.tokenLimit === 0 || remaining < this.tokenRemaining) {
      this.tokenLimit = rule.limit;
      this.tokenRemaining = remaining;
      this.tokenResetMs = resetMs;
    }
  }

  refuse(rule: Rule, waitMs: number): void {
    if (this.refusedBy === undefined || waitMs > this.retryAfterMs) {
      this.refusedBy = rule;
      this.retryAfterMs = waitMs;
    }
  }
}

/**
 * A limits store. A check is atomic across all the rules given: either every rule admits the
 * request and all are charged, or none is charged. The memory store answers synchronously (no
 * promise on the hot path); the Redis store in one round trip.
 */
export interface LimitStore {
  readonly kind: "memory" | "redis";
  acquire(rules: readonly Rule[], tokens: number, requestId: string): Admission | Promise<Admission>;
  /**
   * Settles an admitted request exactly once: `tokens` is what it really cost (the provider's
   * usage); the difference from the reservation is refunded or charged, and its concurrency slots
   * are released. Request counts are never refunded.
   */
  settle(admission: Admission, tokens: number): void | Promise<void>;
  close(): Promise<void>;
}
