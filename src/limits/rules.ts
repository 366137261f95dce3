import type { LimitOverride, LimitsSection, LimitValues } from "../config/sections/limits.js";
import type { Period } from "./windows.js";

/** Which figure a rule limits. */
export type Unit = "requests" | "tokens";

/**
 * One limit on one subject. A subject is a key (`k:<id>`) or a team's aggregate (`t:<team>`);
 * `slot` names the state the rule keeps for that subject (one TAT, one window counter, or one
 * in-flight count); `key` names it in a shared store.
 */
export type Rule = RuleBody & { subject: string; slot: Slot; key: string };

type RuleBody =
  | {
      kind: "rate";
      unit: Unit;
      /** Milliseconds per unit: the period divided by the amount. */
      interval: number;
      /** The configured amount, also the bucket size. */
      limit: number;
    }
  | { kind: "window"; unit: "tokens"; period: Period; limit: number }
  | { kind: "concurrency"; unit: "requests"; limit: number };

/** State slots of a subject; the memory store keeps them in one Float64Array. */
export const SLOT = {
  rps: 0,
  rpm: 1,
  tpm: 2,
  dayId: 3,
  day: 4,
  monthId: 5,
  month: 6,
  inflight: 7,
} as const;
export type Slot = (typeof SLOT)[keyof typeof SLOT];
export const SLOT_COUNT = 8;

/** The limits that apply to one key: its own and its team's, plus the per-request caps. */
export interface Plan {
  readonly keyId: string;
  readonly team: string;
  readonly rules: readonly Rule[];
  /** Largest prompt in tokens (the smaller of key and team), or Infinity. */
  readonly maxPromptTokens: number;
  /** Cap on max_tokens, or Infinity. */
  readonly maxCompletionTokens: number;
  /** Whether any rule counts tokens (when none does, the prompt need not be counted for charging). */
  readonly countsTokens: boolean;
  /**
   * A request-rate refusal is remembered until it expires: those buckets only ever move forward
   * (requests are never refunded), so nothing can admit the subject sooner. Later requests are
   * refused from this number without counting their prompt or asking the store.
   */
  refusedUntil: number;
  refusedRule: Rule | undefined;
}

type Resolved = { [K in keyof LimitValues]: number | null };

function merge(base: Resolved, override: LimitOverride | undefined): Resolved {
  if (!override) return base;
  const out = { ...base };
  for (const [name, value] of Object.entries(override) as [keyof Resolved, number | null | undefined][]) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Storage names share the team as a Redis Cluster hash tag (`{team}`), so every key one check
 * touches — the key's and its team's — lives in one slot and one Lua script can update them all.
 */
function hashTag(team: string): string {
  return `{${team.replace(/[{}]/g, "_")}}`;
}

function subjectRules(values: Resolved, subject: string, tag: string, out: Rule[]): void {
  const add = (slot: Slot, name: string, body: RuleBody) =>
    out.push({ ...body, subject, slot, key: `${tag}:${subject}:${name}` });
  const rate = (amount: number | null, slot: Slot, name: string, unit: Unit, periodMs: number) => {
    if (amount !== null) add(slot, name, { kind: "rate", unit, interval: periodMs / amount, limit: amount });
  };
  rate(values.requestsPerSecond, SLOT.rps, "rps", "requests", 1000);
  rate(values.requestsPerMinute, SLOT.rpm, "rpm", "requests", 60_000);
  rate(values.tokensPerMinute, SLOT.tpm, "tpm", "tokens", 60_000);
  if (values.tokensPerDay !== null) {
    add(SLOT.day, "tpd", { kind: "window", unit: "tokens", period: "day", limit: values.tokensPerDay });
  }
  if (values.tokensPerMonth !== null) {
    add(SLOT.month, "tpmo", {
      kind: "window",
      unit: "tokens",
      period: "month",
      limit: values.tokensPerMonth,
    });
  }
  if (values.maxConcurrent !== null) {
    add(SLOT.inflight, "conc", { kind: "concurrency", unit: "requests", limit: values.maxConcurrent });
  }
}

/**
 * Run-time limits only ever tighten: each given amount replaces the configured one when smaller (or
 * when the configured one is off). Incident response's `throttle` uses this.
 */
function tighten(base: Resolved, tighter: LimitOverride | undefined): Resolved {
  if (!tighter) return base;
  const out = { ...base };
  for (const [name, value] of Object.entries(tighter) as [keyof Resolved, number | null | undefined][]) {
    if (typeof value === "number") out[name] = Math.min(out[name] ?? Infinity, value);
  }
  return out;
}

/** Resolves the configuration into the rules for one key of one team (with a run-time tightening). */
export function buildPlan(config: LimitsSection, keyId: string, team: string, tighter?: LimitOverride): Plan {
  const key = tighten(merge(config.key, config.keys[keyId]), tighter);
  const teamValues = merge(config.team, config.teams[team]);
  const rules: Rule[] = [];
  const tag = hashTag(team);
  // A throttled key is counted in buckets of its own: the throttle starts from a clean slate, and
  // when it is lifted the key's usual buckets carry no debt run up under the tighter limit.
  subjectRules(key, tighter ? `k:${keyId}:throttled` : `k:${keyId}`, tag, rules);
  subjectRules(teamValues, `t:${team}`, tag, rules);
  const min = (a: number | null, b: number | null) => Math.min(a ?? Infinity, b ?? Infinity);
  return {
    keyId,
    team,
    rules,
    maxPromptTokens: min(key.maxPromptTokens, teamValues.maxPromptTokens),
    maxCompletionTokens: min(key.maxCompletionTokens, teamValues.maxCompletionTokens),
    countsTokens: rules.some((r) => r.unit === "tokens"),
    refusedUntil: 0,
    refusedRule: undefined,
  };
}
