import { occurrences, type EventFinding, type SecurityEvent } from "../../events/index.js";
import { RecentMap } from "../recent.js";
import type { IncidentRule, Trigger } from "../types.js";

/**
 * Rules turn single events — a guard's block, an analytics detection — into triggers: "this key did
 * this often enough". Each rule counts matching events per key in a sliding window; when the count
 * is reached it fires once and starts counting again. Deduplication into incidents is the
 * responder's job, not this one's.
 */

/** Windows up to this many events are exact (a ring of timestamps); larger ones are estimated. */
const EXACT_MAX = 64;
/** Event ids and request ids kept per window as evidence. */
const SAMPLE = 10;
const REASON_MAX = 300;
/** "LLM01", or with the list's edition as the analytics engine writes it ("LLM10:2025"). */
const OWASP = /^LLM(0[1-9]|10)(:2025)?$/;
const ATLAS = /^AML\.T[0-9]{4}(\.[0-9]{3})?$/;

/**
 * Per rule and key: the times of the last matching events (exact), or for large thresholds two
 * fixed-window counters weighted into a sliding estimate (bounded memory whatever the count).
 */
interface WindowState {
  times: number[];
  windowStart: number;
  current: number;
  previous: number;
  sample: { id: string; requestId?: string }[];
}

/** `*` matches any run of characters; no regular expression, so a pattern cannot be slow. */
export function globMatcher(pattern: string): (text: string) => boolean {
  if (!pattern.includes("*")) return (text) => text === pattern;
  const parts = pattern.split("*");
  const first = parts[0]!;
  const last = parts.at(-1)!;
  const middle = parts.slice(1, -1).filter(Boolean);
  return (text) => {
    if (text.length < first.length + last.length) return false;
    if (!text.startsWith(first) || !text.endsWith(last)) return false;
    let at = first.length;
    const end = text.length - last.length;
    for (const part of middle) {
      const found = text.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

interface CompiledRule {
  rule: IncidentRule;
  activity?: (text: string) => boolean;
  categories?: ReadonlySet<string>;
}

function detailString(event: SecurityEvent, name: string): string | undefined {
  const value = event.details?.[name];
  return typeof value === "string" ? value : undefined;
}

function detailStrings(event: SecurityEvent, name: string): string[] {
  const value = event.details?.[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Findings that count: not allow-listed (an allowed finding is, by decision, no evidence). */
function countedFindings(event: SecurityEvent, categories: ReadonlySet<string> | undefined): EventFinding[] {
  return event.findings.filter((f) => f.action !== "allow" && (!categories || categories.has(f.category)));
}

/** The event's score for this rule, and whether the rule matches at all. */
function evaluate(
  compiled: CompiledRule,
  event: SecurityEvent,
): { matched: boolean; score: number | undefined } {
  const { rule, activity, categories } = compiled;
  const match = rule.match;
  const no = { matched: false, score: undefined };
  if (match.class && event.class !== match.class) return no;
  if (activity && !activity(event.activity)) return no;
  if (match.decision && event.decision.action !== match.decision) return no;
  const detailScore = event.details?.score;
  const detectionCategory = detailString(event, "category");
  let score = typeof detailScore === "number" && Number.isFinite(detailScore) ? detailScore : undefined;
  if (categories) {
    const hit = countedFindings(event, categories);
    const detectionHit = detectionCategory !== undefined && categories.has(detectionCategory);
    if (hit.length === 0 && !detectionHit) return no;
    if (score === undefined && hit.length > 0) score = Math.max(...hit.map((f) => f.score));
  } else if (score === undefined && event.findings.length > 0) {
    const counted = countedFindings(event, undefined);
    if (counted.length > 0) score = Math.max(...counted.map((f) => f.score));
  }
  if (match.minScore !== undefined && (score === undefined || score < match.minScore)) return no;
  return { matched: true, score };
}

function clip(text: string): string {
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX - 1)}…` : text;
}

export interface RuleEngine {
  readonly rules: readonly IncidentRule[];
  /** Cheap pre-filter for the bus: could any rule count this event? */
  relevant(event: SecurityEvent): boolean;
  /** Counts the event into every rule it matches; returns the rules that fired. */
  observe(event: SecurityEvent): Trigger[];
  /** Windows tracked (for tests and metrics). */
  readonly tracked: number;
}

export function compileRules(rules: readonly IncidentRule[], maxTracked = 100_000): RuleEngine {
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new Error(`incident rule id "${rule.id}" is used twice`);
    ids.add(rule.id);
  }
  const compiled: CompiledRule[] = rules.map((rule) => ({
    rule,
    ...(rule.match.activity ? { activity: globMatcher(rule.match.activity) } : {}),
    ...(rule.match.categories ? { categories: new Set(rule.match.categories) } : {}),
  }));
  const classes = new Set(rules.map((r) => r.match.class));
  const anyClass = classes.has(undefined);
  // Bounded memory: a flood of new keys forgets the least recently active windows first.
  const windows = new RecentMap<WindowState>(maxTracked);

  function track(name: string): WindowState {
    let state = windows.get(name);
    if (!state) {
      state = { times: [], windowStart: 0, current: 0, previous: 0, sample: [] };
      windows.set(name, state);
    }
    return state;
  }

  /**
   * Counts one event, which stands for `weight` occurrences (a penalty-box summary's `count`);
   * true when the rule's threshold is reached now.
   */
  function count(rule: IncidentRule, state: WindowState, now: number, weight: number): boolean {
    const threshold = rule.threshold;
    if (!threshold) return true;
    const { count: needed, window } = threshold;
    if (needed <= EXACT_MAX) {
      for (let i = Math.min(weight, needed); i > 0; i--) state.times.push(now);
      while (state.times.length > 0 && state.times[0]! <= now - window) state.times.shift();
      if (state.times.length > needed) state.times.splice(0, state.times.length - needed);
      return state.times.length >= needed;
    }
    // Sliding-window estimate: the previous fixed window's count weighted by its overlap.
    const elapsed = now - state.windowStart;
    if (elapsed >= 2 * window) {
      state.previous = 0;
      state.current = 0;
      state.windowStart = now;
    } else if (elapsed >= window) {
      state.previous = state.current;
      state.current = 0;
      state.windowStart += window;
    }
    state.current += weight;
    const overlap = 1 - (now - state.windowStart) / window;
    return state.previous * overlap + state.current >= needed;
  }

  return {
    rules,
    get tracked() {
      return windows.size;
    },
    relevant(event) {
      if (!event.actor.key_id) return false;
      if (!anyClass && !classes.has(event.class)) return false;
      // Guard events matter only when something was found or blocked; plain traffic never counts.
      return event.class !== "api_activity" || event.findings.length > 0 || event.decision.action === "block";
    },
    observe(event) {
      const keyId = event.actor.key_id;
      if (!keyId) return [];
      const fired: Trigger[] = [];
      for (const c of compiled) {
        const { matched, score } = evaluate(c, event);
        if (!matched) continue;
        const rule = c.rule;
        const state = track(`${rule.id}\u0000${keyId}`);
        state.sample.push({ id: event.id, ...(event.request_id ? { requestId: event.request_id } : {}) });
        if (state.sample.length > SAMPLE) state.sample.shift();
        if (!count(rule, state, event.time, occurrences(event))) continue;
        // A detection repeats its reasons in decision.reasons: each is said once.
        const reasons = [
          ...new Set(
            [
              rule.threshold
                ? `${rule.description} (${rule.threshold.count} in ${Math.round(rule.threshold.window / 1000)} s)`
                : rule.description,
              ...detailStrings(event, "reasons").slice(0, 5),
              ...event.decision.reasons.slice(0, 3),
            ].map(clip),
          ),
        ];
        fired.push({
          rule,
          keyId,
          ...(event.actor.key_name ? { keyName: event.actor.key_name } : {}),
          team: event.actor.team ?? null,
          time: event.time,
          event,
          count: rule.threshold?.count ?? 1,
          eventIds: state.sample.map((s) => s.id),
          requestIds: state.sample.flatMap((s) => (s.requestId ? [s.requestId] : [])),
          reasons,
          owasp: [
            ...new Set([
              ...rule.owasp,
              ...detailStrings(event, "owasp")
                .filter((o) => OWASP.test(o))
                .map((o) => o.slice(0, 5)),
            ]),
          ],
          atlas: [...new Set([...rule.atlas, ...detailStrings(event, "atlas").filter((a) => ATLAS.test(a))])],
          score,
        });
        // Fired: the next trigger needs a fresh count (the responder deduplicates meanwhile).
        windows.delete(`${rule.id}\u0000${keyId}`);
      }
      return fired;
    },
  };
}
