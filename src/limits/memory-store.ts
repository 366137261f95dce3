import { gcraAdjust, gcraCharge, gcraRemaining, gcraReset, gcraWait } from "./gcra.js";
import { Lru } from "./lru.js";
import { SLOT, SLOT_COUNT, type Rule } from "./rules.js";
import { Admission, type LimitStore } from "./store.js";
import { WindowClock, windowId } from "./windows.js";

export type Clock = () => number;

/**
 * A concurrency refusal has no exact end (it depends on when another request finishes); clients
 * are told to retry after this long.
 */
export const CONCURRENCY_RETRY_MS = 1000;

/**
 * Limits in this process: one Float64Array of slots per subject (key or team), in a bounded LRU.
 * A check is a handful of Map lookups and float comparisons, all synchronous, so it is atomic by
 * construction (nothing else runs on the event loop in between).
 *
 * Budgets live only as long as the process: use the Redis store for budgets that survive restarts
 * or are shared by replicas.
 */
export class MemoryStore implements LimitStore {
  readonly kind = "memory" as const;
  private readonly subjects: Lru<Float64Array>;
  private readonly windows = new WindowClock();

  constructor(
    maxSubjects: number,
    private readonly clock: Clock = Date.now,
  ) {
    // A subject with requests in flight is not evicted while others can be: forgetting it would
    // forget its slots.
    this.subjects = new Lru(maxSubjects, (state) => state[SLOT.inflight]! > 0);
  }

  get size(): number {
    return this.subjects.size;
  }

  private state(subject: string): Float64Array {
    let state = this.subjects.get(subject);
    if (state === undefined) {
      state = new Float64Array(SLOT_COUNT);
      state[SLOT.dayId] = -1;
      state[SLOT.monthId] = -1;
      this.subjects.set(subject, state);
    }
    return state;
  }

  acquire(rules: readonly Rule[], tokens: number, requestId: string): Admission {
    const now = this.clock();
    const admission = new Admission(rules, requestId, now, tokens);
    // Rules come grouped by subject (the key's, then the team's): two lookups at most.
    let subject = "";
    let state: Float64Array | undefined;
    for (const rule of rules) {
      if (rule.subject !== subject) {
        subject = rule.subject;
        state = this.state(subject);
        if (admission.stateA === undefined) admission.stateA = state;
        else admission.stateB = state;
      }
      this.check(rule, state!, now, tokens, admission);
    }
    if (admission.refusedBy !== undefined) return admission;

    // Every rule admits: charge them all (and report the figures after this request).
    admission.allowed = true;
    admission.requestLimit = 0;
    admission.tokenLimit = 0;
    for (const rule of rules) {
      const s = rule.subject === rules[0]!.subject ? admission.stateA! : admission.stateB!;
      this.charge(rule, s, now, tokens, admission);
    }
    return admission;
  }

  private check(rule: Rule, state: Float64Array, now: number, tokens: number, out: Admission): void {
    if (rule.kind === "rate") {
      const cost = rule.unit === "tokens" ? tokens : 1;
      const tat = state[rule.slot]!;
      const wait = gcraWait(tat, now, rule.interval, rule.limit, cost);
      if (wait > 0) out.refuse(rule, wait);
      out.note(rule, gcraRemaining(tat, now, rule.interval, rule.limit), gcraReset(tat, now));
    } else if (rule.kind === "window") {
      const used = state[rule.slot - 1] === this.windows.id(rule.period, now) ? state[rule.slot]! : 0;
      if (used + tokens > rule.limit) {
        out.refuse(rule, tokens > rule.limit ? Infinity : this.windows.end(rule.period, now) - now);
      }
    } else if (state[SLOT.inflight]! + 1 > rule.limit) {
      out.refuse(rule, CONCURRENCY_RETRY_MS);
    }
  }

  private charge(rule: Rule, state: Float64Array, now: number, tokens: number, out: Admission): void {
    if (rule.kind === "rate") {
      const cost = rule.unit === "tokens" ? tokens : 1;
      const tat = gcraCharge(state[rule.slot]!, now, rule.interval, cost);
      state[rule.slot] = tat;
      out.note(rule, gcraRemaining(tat, now, rule.interval, rule.limit), gcraReset(tat, now));
    } else if (rule.kind === "window") {
      const id = this.windows.id(rule.period, now);
      if (state[rule.slot - 1] !== id) {
        state[rule.slot - 1] = id;
        state[rule.slot] = 0;
      }
      state[rule.slot] = state[rule.slot]! + tokens;
    } else {
      state[SLOT.inflight] = state[SLOT.inflight]! + 1;
    }
  }

  settle(admission: Admission, tokens: number): void {
    const now = this.clock();
    const delta = tokens - admission.tokens;
    const rules = admission.rules;
    for (const rule of rules) {
      const state = rule.subject === rules[0]!.subject ? admission.stateA! : admission.stateB!;
      if (rule.kind === "concurrency") {
        if (state[SLOT.inflight]! > 0) state[SLOT.inflight] = state[SLOT.inflight]! - 1;
      } else if (delta !== 0 && rule.unit === "tokens") {
        if (rule.kind === "rate") {
          state[rule.slot] = gcraAdjust(state[rule.slot]!, now, rule.interval, delta);
        } else if (state[rule.slot - 1] === windowId(rule.period, admission.at)) {
          // Only while the window it was charged in is still the stored one: a refund must not
          // credit tomorrow's budget with today's reservation.
          const next = state[rule.slot]! + delta;
          state[rule.slot] = next > 0 ? next : 0;
        }
      }
    }
  }

  async close(): Promise<void> {}
}
