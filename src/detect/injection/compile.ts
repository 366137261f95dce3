import RE2 from "re2";
import type { DetectContext } from "../types.js";
import type { InjectionRule } from "./rules/types.js";

/** One rule that fired on one view, with its span in that view's coordinates. */
export interface RuleHit {
  rule: InjectionRule;
  /** Confidence for the context the text came from. */
  score: number;
  start: number;
  end: number;
}

/**
 * The rule set compiled once: the patterns in RE2 `Set`s of GROUP rules each (a few linear passes
 * say which rules match), one RE2 per rule to locate the span of the few that did, and a keyword
 * guard per rule. Each text is converted to UTF-8 once and the passes share the bytes (given a
 * JavaScript string, every RE2 call would convert it again).
 *
 * Why groups: the rules are long multilingual, case-insensitive alternations (about 14,000 pattern
 * characters). One `Set` of all of them is fastest on text like what it saw before (its DFA states
 * stay cached: 7 µs per 1 KB English prompt on this machine), but on varied text, many languages and
 * scripts, its DFA outgrows RE2's state cache and is rebuilt over and over (600 µs per 1 KB). One
 * RE2 per rule never thrashes but pays 24 passes (54 µs and 127 µs). Sets of six measured 9 µs and
 * 67 µs: close to the best on both.
 */
const GROUP = 6;

export interface CompiledRules {
  readonly rules: readonly InjectionRule[];
  /**
   * Hits on `text`; `lower` is `text.toLowerCase()` (computed once by the caller). With `groups`
   * (from `groupsIn` over texts that include this one), only those groups' patterns are tried: the
   * others cannot match.
   */
  match(text: string, lower: string, context: DetectContext, groups?: ReadonlySet<number>): RuleHit[];
  /**
   * For each of `texts`, the rule groups that can match it (a superset of those that do): one
   * pass per group over all of them joined, and for a group that matched there, one over each
   * text; undefined, meaning every group for every text, when the texts are too long to be worth
   * joining.
   */
  groupsIn(texts: readonly string[]): Array<ReadonlySet<number>> | undefined;
}

/** RE2 flags: case-insensitive; node-re2 always matches Unicode code points. */
const FLAGS = "i";

/**
 * The same groups over many texts joined by line feeds, then over each text of a batch that
 * matched. Multi-line, so that `^` and `$` match at each text's ends as they do alone (inside a
 * text they also match at its line breaks: a superset of what the per-text pass matches, as a
 * pre-filter must be). A match across two texts only costs a needless per-text test.
 */
const JOINED_FLAGS = "im";
/** Joined texts longer than this are not pre-filtered (the groups run per text as usual). */
const MAX_JOINED_CHARS = 4_000_000;

export function compileRules(rules: readonly InjectionRule[]): CompiledRules {
  if (rules.length === 0) return { rules, match: () => [], groupsIn: (texts) => texts.map(() => new Set()) };
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw new Error(`injection rule id "${r.id}" is duplicated`);
    ids.add(r.id);
    if (r.keywords.length === 0) throw new Error(`injection rule "${r.id}" has no keywords`);
    for (const k of r.keywords) {
      if (k !== k.toLowerCase())
        throw new Error(`injection rule "${r.id}": keyword "${k}" is not lower-case`);
    }
  }
  const groups = Array.from({ length: Math.ceil(rules.length / GROUP) }, (_, g) => ({
    set: new RE2.Set(
      rules.slice(g * GROUP, (g + 1) * GROUP).map((r) => r.pattern),
      FLAGS,
    ),
    first: g * GROUP,
  }));
  const single = rules.map((r) => new RE2(r.pattern, FLAGS));
  const keywords = rules.map((r) => r.keywords);
  let joinedSets: Array<(typeof groups)[number]["set"]> | undefined;

  return {
    rules,
    groupsIn(texts) {
      let chars = 0;
      for (const t of texts) chars += t.length + 1;
      if (chars > MAX_JOINED_CHARS) return undefined;
      joinedSets ??= groups.map(
        ({ first }) =>
          new RE2.Set(
            rules.slice(first, first + GROUP).map((r) => r.pattern),
            JOINED_FLAGS,
          ),
      );
      const bytes = Buffer.from(texts.join("\n"), "utf8");
      // Each text's byte range in the joined bytes (the texts' own bytes, no copy).
      const views: Buffer[] = [];
      let at = 0;
      for (const t of texts) {
        const length = Buffer.byteLength(t, "utf8");
        views.push(bytes.subarray(at, at + length));
        at += length + 1;
      }
      const found = texts.map(() => new Set<number>());
      // Most batches match no group; those that do, in one or two of their texts: a test of each
      // text then spares the others the group's full matching.
      joinedSets.forEach((set, g) => {
        if (!set.test(bytes)) return;
        views.forEach((view, i) => {
          if (set.test(view)) found[i]!.add(g);
        });
      });
      return found;
    },
    match(text, lower, context, only) {
      const hits: RuleHit[] = [];
      if (only && only.size === 0) return hits;
      const bytes = Buffer.from(text, "utf8");
      const matched: number[] = [];
      groups.forEach(({ set, first }, g) => {
        if (only && !only.has(g)) return;
        for (const j of set.match(bytes)) matched.push(first + j);
      });
      matched.sort((a, b) => a - b);
      for (const i of matched) {
        const rule = rules[i]!;
        // Keyword guard: a rule counts only if one of its keywords is present. Checked after the
        // patterns matched, for the few rules that did: ~300 substring scans up front cost more
        // than the patterns themselves.
        const ks = keywords[i]!;
        let ok = false;
        for (let k = 0; k < ks.length && !ok; k++) ok = lower.includes(ks[k]!);
        if (!ok) continue;
        const score =
          context === "document" ? (rule.documentScore ?? rule.score) : rule.documentOnly ? 0 : rule.score;
        if (score <= 0) continue;
        // The span in UTF-16 units: exec on the string (rare: only rules that fired get here).
        const re = single[i]!;
        re.lastIndex = 0;
        const m = re.exec(text);
        const start = m ? m.index : 0;
        const end = m ? m.index + m[0].length : text.length;
        hits.push({ rule, score, start, end });
      }
      return hits;
    },
  };
}
