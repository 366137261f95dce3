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
   * For each of `texts`, the rule groups that can match it (a superset of those that do), found
   * in one pass per group over all of them joined; undefined, meaning every group for every text,
   * when the texts are too long to be worth joining.
   */
  groupsIn(texts: readonly string[]): Array<ReadonlySet<number>> | undefined;
}

/** RE2 flags: case-insensitive; node-re2 always matches Unicode code points. */
const FLAGS = "i";

/**
 * Each group as one alternation, searched over many texts joined by line feeds. Multi-line, so
 * that `^` and `$` match at each text's ends as they do alone. Every text that a match found in
 * the joined text overlaps can match the group; a text with a match of its own is always among
 * them: the search cannot pass the start of that match without finding one that begins at or
 * before it, and that one either overlaps the text or ends before it. A match across two texts
 * only costs a needless per-text pass.
 */
const JOINED_FLAGS = "gim";
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
  let joined: RE2[] | undefined;

  return {
    rules,
    groupsIn(texts) {
      let chars = 0;
      for (const t of texts) chars += t.length + 1;
      if (chars > MAX_JOINED_CHARS) return undefined;
      joined ??= groups.map(
        ({ first }) =>
          new RE2(
            rules
              .slice(first, first + GROUP)
              .map((r) => `(?:${r.pattern})`)
              .join("|"),
            JOINED_FLAGS,
          ),
      );
      const bytes = Buffer.from(texts.join("\n"), "utf8");
      // The byte offset of each text's line feed (one past its end, for the last).
      const ends = new Int32Array(texts.length);
      let at = -1;
      texts.forEach((t, i) => (ends[i] = at += Buffer.byteLength(t, "utf8") + 1));
      const found = texts.map(() => new Set<number>());
      joined.forEach((re, g) => {
        re.lastIndex = 0;
        let row = 0;
        for (let m = re.exec(bytes); m !== null; m = re.exec(bytes)) {
          const start = m.index;
          const length = m[0].length;
          const last = start + Math.max(0, length - 1);
          while (row < texts.length - 1 && ends[row]! < start) row++;
          for (let r = row; r < texts.length; r++) {
            found[r]!.add(g);
            if (ends[r]! >= last) break;
          }
          if (length === 0) re.lastIndex = start + 1;
        }
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
