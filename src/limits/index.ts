import type { LimitOverride, LimitsSection } from "../config/sections/limits.js";
import { Lru } from "./lru.js";
import { MemoryStore, type Clock } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import { buildPlan, type Plan } from "./rules.js";
import { Admission, type LimitStore } from "./store.js";

export { Admission, type LimitStore } from "./store.js";
export { MemoryStore, CONCURRENCY_RETRY_MS, type Clock } from "./memory-store.js";
export { RedisStore, LimitStoreUnavailableError, type RedisStoreOptions } from "./redis-store.js";
export { IpLimiter } from "./ip-limiter.js";
export { PenaltyBox } from "./penalty-box.js";
export { buildPlan, type Plan, type Rule, type Unit } from "./rules.js";
export { TokenCounter, encodingFor, loadEncodings, COUNT_BUDGET_MS, type EncodingName } from "./tokens.js";
export { countPrompt, requestedCompletion, completionField, choices, type PromptApi } from "./prompt.js";
export { formatDuration, retryAfterSeconds } from "./format.js";

/**
 * The limits of every key and team, over one store. Plans (the rules of one key and its team) are
 * resolved from the configuration once per key and cached.
 */
export class Limiter {
  private readonly plans: Lru<Plan>;
  /** Run-time tightenings per key (incident response's `throttle`); few, so a plain map. */
  private readonly tighter = new Map<string, LimitOverride>();

  constructor(
    readonly config: LimitsSection,
    readonly store: LimitStore,
    private readonly clock: Clock = Date.now,
  ) {
    this.plans = new Lru(config.store.maxTrackedIdentities);
  }

  plan(keyId: string, team: string): Plan {
    const cached = this.plans.get(keyId);
    // A key moved to another team (admin API) gets a new plan.
    if (cached !== undefined && cached.team === team) return cached;
    const plan = buildPlan(this.config, keyId, team, this.tighter.get(keyId));
    this.plans.set(keyId, plan);
    return plan;
  }

  /**
   * Tightens one key's limits at run time, on top of its configured ones (a smaller amount wins, a
   * larger one is ignored); undefined lifts it. Takes effect from the key's next request.
   */
  tighten(keyId: string, limits: LimitOverride | undefined): void {
    if (limits) this.tighter.set(keyId, limits);
    else this.tighter.delete(keyId);
    this.plans.delete(keyId);
  }

  /** Whether incident response has tightened this key's limits at run time. */
  isTightened(keyId: string): boolean {
    return this.tighter.has(keyId);
  }

  /**
   * A refusal known without asking the store: a request-rate bucket that refused earlier and has
   * not refilled yet (those never move back, so the answer cannot have changed). Lets a flooding
   * key be turned away before its prompt is counted.
   */
  refused(plan: Plan, requestId: string): Admission | undefined {
    if (plan.refusedRule === undefined) return undefined;
    const now = this.clock();
    if (now >= plan.refusedUntil) {
      plan.refusedRule = undefined;
      return undefined;
    }
    const admission = new Admission(plan.rules, requestId, now, 0);
    admission.refusedBy = plan.refusedRule;
    admission.retryAfterMs = plan.refusedUntil - now;
    admission.requestLimit = plan.refusedRule.limit;
    admission.requestRemaining = 0;
    admission.requestResetMs = admission.retryAfterMs;
    return admission;
  }

  acquire(plan: Plan, tokens: number, requestId: string): Admission | Promise<Admission> {
    if (plan.rules.length === 0) {
      // Only per-request caps apply: nothing to count or charge (and no round trip to Redis).
      const admission = new Admission(plan.rules, requestId, this.clock(), 0);
      admission.allowed = true;
      return admission;
    }
    const result = this.store.acquire(plan.rules, tokens, requestId);
    if (result instanceof Promise) return result.then((admission) => this.remember(plan, admission));
    return this.remember(plan, result);
  }

  private remember(plan: Plan, admission: Admission): Admission {
    const rule = admission.refusedBy;
    if (
      rule !== undefined &&
      rule.kind === "rate" &&
      rule.unit === "requests" &&
      Number.isFinite(admission.retryAfterMs)
    ) {
      plan.refusedRule = rule;
      plan.refusedUntil = this.clock() + admission.retryAfterMs;
    } else if (admission.allowed && admission.requestRemaining === 0) {
      // This admission took a request bucket's last unit: until the next unit drips in, the
      // bucket refuses whatever comes, so the refusal can be known now. A key sending faster than
      // its limit is then refused early right after each admitted request instead of once more
      // on the full path (and the penalty box keeps answering it).
      const bucket = admission.requestRule;
      if (bucket?.kind === "rate" && bucket.unit === "requests") {
        const wait = admission.requestResetMs - (bucket.limit - 1) * bucket.interval;
        if (wait > 0) {
          plan.refusedRule = bucket;
          plan.refusedUntil = this.clock() + wait;
        }
      }
    }
    return admission;
  }

  settle(admission: Admission, tokens: number): void | Promise<void> {
    return this.store.settle(admission, tokens);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

export interface CreateLimiterOptions {
  /** Resolves the Redis URL reference (env:/file:). */
  resolveSecret(ref: string, where: string): string;
  report(error: unknown, what: string): void;
  clock?: Clock;
}

/** Builds the limiter and its store from the `limits:` section. */
export async function createLimiter(config: LimitsSection, options: CreateLimiterOptions): Promise<Limiter> {
  const store = config.store;
  const memory = new MemoryStore(store.maxTrackedIdentities, options.clock);
  if (store.type === "memory") return new Limiter(config, memory, options.clock);
  const url = options.resolveSecret(store.url, "limits.store.url");
  if (!/^rediss?:\/\//.test(url)) {
    // The message never repeats the value: it may hold a password.
    throw new Error("limits.store.url must resolve to a redis:// or rediss:// URL");
  }
  const redis = await RedisStore.open({
    url,
    keyPrefix: store.keyPrefix,
    timeoutMs: store.timeoutMs,
    leaseMs: store.leaseMs,
    onError: store.onError,
    fallback: memory,
    report: options.report,
  });
  return new Limiter(config, redis, options.clock);
}
