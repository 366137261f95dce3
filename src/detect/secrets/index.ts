import RE2 from "re2";
import { z } from "zod";
import { maskEvidence } from "../mask.js";
import type { Detector, Finding, PreparedText, ScanOptions, TextView } from "../types.js";
import { anchorsOf, LiteralIndex } from "./literals.js";
import { entropy, obviouslyFake, type SecretRule } from "./rule.js";
import { RULES } from "./rules/index.js";

export { RULES } from "./rules/index.js";
export type { SecretRule, RuleCase } from "./rule.js";

const customRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_.-]+$/),
    kind: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .default("custom_secret"),
    description: z.string().default("user-supplied secret pattern"),
    /** RE2 syntax: user patterns never run on a backtracking engine (ARCHITECTURE.md). */
    pattern: z.string().min(1).max(4096),
    keywords: z.array(z.string().min(2)).min(1),
    severity: z.enum(["info", "low", "medium", "high", "critical"]).default("high"),
  })
  .strict();

export const secretsOptionsSchema = z
  .object({
    /** Rule ids to leave out (e.g. "generic.password"). */
    disable: z.array(z.string()).default([]),
    /** Only these rule ids, when given. */
    only: z.array(z.string()).optional(),
    minScore: z.number().min(0).max(1).default(0.5),
    /** Views besides the original: normalised text and decoded segments (base64, hex, URL). */
    views: z.array(z.enum(["normalized", "decoded", "skeleton"])).default(["normalized", "decoded"]),
    customRules: z.array(customRuleSchema).default([]),
  })
  .strict();
export type SecretsOptions = z.input<typeof secretsOptionsSchema>;

interface Compiled {
  rule: SecretRule;
  re: RegExp;
  /** `re` made sticky, when every match starts with one of a few literals (literals.ts). */
  sticky?: RegExp;
}

/**
 * Texts from this length on are searched for a rule's leading literals and the rule is tried only
 * there (literals.ts); shorter texts are scanned by each rule directly, which costs less than
 * finding the literals.
 */
const ANCHORED_MIN_LENGTH = 65_536;
/** Above one literal per this many characters, scanning with the rule is cheaper. */
const ANCHORS_PER_CHAR = 1 / 64;
const MAX_MATCHES = 10_000;
const NO_POSITIONS: readonly number[] = [];

interface RawHit {
  rule: SecretRule;
  start: number;
  end: number;
  score: number;
}

function compileCustom(c: z.output<typeof customRuleSchema>): SecretRule {
  // RE2 rejects backreferences and lookaround, so a user pattern cannot backtrack catastrophically.
  const re = new RE2(c.pattern, "g") as unknown as RegExp;
  return {
    id: `custom.${c.id}`,
    kind: c.kind,
    description: c.description,
    pattern: re,
    keywords: c.keywords.map((k) => k.toLowerCase()),
    severity: c.severity,
    score: 0.8,
    tp: [],
    fp: [],
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function wantView(view: TextView, original: string, views: ReadonlySet<string>): boolean {
  if (view.origin === "original") return true;
  if (view.text === original) return false;
  if (view.origin.startsWith("decoded:")) return views.has("decoded");
  return views.has(view.origin);
}

/**
 * Tuning of the literal-anchored search, for tests that compare it with plain scanning; not part
 * of the options schema.
 */
export interface SecretsTuning {
  anchoredMinLength?: number;
  anchorsPerChar?: number;
}

export function createSecretsDetector(options: SecretsOptions = {}, tuning: SecretsTuning = {}): Detector {
  const anchoredMinLength = tuning.anchoredMinLength ?? ANCHORED_MIN_LENGTH;
  const anchorsPerChar = tuning.anchorsPerChar ?? ANCHORS_PER_CHAR;
  const opts = secretsOptionsSchema.parse(options);
  const disabled = new Set(opts.disable);
  const only = opts.only ? new Set(opts.only) : undefined;
  const rules = [...RULES, ...opts.customRules.map(compileCustom)].filter(
    (r) => !disabled.has(r.id) && (only === undefined || only.has(r.id)),
  );
  const compiled: Compiled[] = rules.map((rule) => {
    // `d` gives capture-group offsets; RE2 patterns (custom rules) are used as they are.
    if (!(rule.pattern instanceof RegExp) || rule.pattern instanceof RE2) return { rule, re: rule.pattern };
    const flags = rule.pattern.flags.includes("d") ? rule.pattern.flags : rule.pattern.flags + "d";
    const re = new RegExp(rule.pattern.source, flags);
    if (!re.global || anchorsOf(re) === null) return { rule, re };
    return { rule, re, sticky: new RegExp(re.source, flags.replace("g", "") + "y") };
  });
  const literalIndex = new LiteralIndex(
    compiled.flatMap((c, owner) =>
      c.sticky ? [{ owner, literals: anchorsOf(c.re) as string[], caseless: c.re.ignoreCase }] : [],
    ),
  );

  /**
   * The matches of a rule in `text`, one per call, as `re.exec` in a loop from 0 would give them
   * (at most MAX_MATCHES, then null). `at` lists where the rule's leading literals start (long
   * texts only).
   */
  function matcher(
    c: Compiled,
    text: string,
    at: readonly number[] | undefined,
  ): () => RegExpExecArray | null {
    let count = 0;
    if (at === undefined || c.sticky === undefined) {
      const re = c.re;
      re.lastIndex = 0;
      return () => {
        for (;;) {
          if (count >= MAX_MATCHES) return null;
          const m = re.exec(text);
          if (m === null) return null;
          count++;
          if (m[0].length > 0) return m;
          re.lastIndex++;
        }
      };
    }
    // Positions without a leading literal cannot start a match, so trying the sticky pattern at
    // each literal in order finds what the scan finds (a match holding a literal is never empty).
    const sticky = c.sticky;
    let k = 0;
    let from = 0;
    return () => {
      if (count >= MAX_MATCHES) return null;
      while (k < at.length) {
        const p = at[k++] as number;
        if (p < from) continue;
        sticky.lastIndex = p;
        const m = sticky.exec(text);
        if (m === null) continue;
        from = p + m[0].length;
        count++;
        return m;
      }
      return null;
    };
  }

  // Keyword prefilter: one RE2 Set pass (a DFA over all keywords) says which keywords occur;
  // only rules with a present keyword run, so text without any keyword costs one linear pass.
  const keywords = [...new Set(rules.flatMap((r) => r.keywords.map((k) => k.toLowerCase())))];
  const byKeyword = new Map<number, number[]>();
  compiled.forEach((c, i) => {
    for (const k of c.rule.keywords) {
      const ki = keywords.indexOf(k.toLowerCase());
      const list = byKeyword.get(ki) ?? [];
      list.push(i);
      byKeyword.set(ki, list);
    }
  });
  const prefilter = keywords.length > 0 ? new RE2.Set(keywords.map(escapeRe), "i") : undefined;
  const views = new Set<string>(opts.views);

  function scanText(text: string): RawHit[] {
    if (prefilter === undefined) return [];
    const active = new Set<number>();
    for (const ki of prefilter.match(text)) for (const ri of byKeyword.get(ki) ?? []) active.add(ri);
    if (active.size === 0) return [];
    const hits: RawHit[] = [];
    const order = [...active].sort((a, b) => a - b);
    // In a long text, where each rule's leading literals start (one pass for all rules), when
    // some rule that runs has such literals.
    const anchored =
      text.length >= anchoredMinLength && order.some((ri) => compiled[ri]!.sticky !== undefined)
        ? literalIndex.positions(text, text.length * anchorsPerChar)
        : undefined;
    for (const ri of order) {
      const c = compiled[ri]!;
      const rule = c.rule;
      const at =
        anchored === undefined || anchored.over.has(ri)
          ? undefined
          : (anchored.found.get(ri) ?? NO_POSITIONS);
      const next = matcher(c, text, at);
      for (let m = next(); m !== null; m = next()) {
        let start: number;
        let end: number;
        let score = rule.score ?? 0.9;
        if (rule.extract) {
          const x = rule.extract(m, text);
          if (x === null) continue;
          start = x.start;
          end = x.end;
          if (x.score !== undefined) score = x.score;
        } else {
          const g = rule.group ?? 0;
          const idx = (m as RegExpExecArray & { indices?: [number, number][] }).indices?.[g];
          if (idx === undefined) {
            if (m[g] === undefined) continue;
            start = m.index + m[0].indexOf(m[g]!);
            end = start + m[g]!.length;
          } else {
            [start, end] = idx;
          }
        }
        const secret = text.slice(start, end);
        if (!rule.extract && rule.fakeCheck !== false && obviouslyFake(secret)) continue;
        if (rule.entropy !== undefined && entropy(secret) < rule.entropy) continue;
        if (rule.validate) {
          const v = rule.validate(secret, text, start);
          if (v === false) continue;
          if (typeof v === "number") score = v;
        }
        hits.push({ rule, start, end, score });
      }
    }
    // A generic rule gives way to a specific rule on the same text; among overlapping hits of one
    // class (specific or generic) the first, longest one stays. One sweep in start order.
    hits.sort((x, y) => x.start - y.start || y.end - x.end);
    const specific = hits.filter((h) => !h.rule.generic);
    const starts = specific.map((h) => h.start);
    const maxEnd: number[] = [];
    let m = -1;
    for (const h of specific) maxEnd.push((m = Math.max(m, h.end)));
    const overlapsSpecific = (h: RawHit): boolean => {
      let lo = 0;
      let hi = starts.length - 1;
      let k = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! < h.end) {
          k = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return k >= 0 && maxEnd[k]! > h.start;
    };
    const kept: RawHit[] = [];
    let specificEnd = -1;
    let genericEnd = -1;
    for (const h of hits) {
      if (h.rule.generic) {
        if (h.start < genericEnd || overlapsSpecific(h)) continue;
        genericEnd = h.end;
      } else {
        if (h.start < specificEnd) continue;
        specificEnd = h.end;
      }
      kept.push(h);
    }
    return kept;
  }

  return {
    id: "secrets",
    categories: ["secret"],
    scan(input: PreparedText, _options: ScanOptions): Finding[] {
      const findings: Finding[] = [];
      const seen = new Set<string>();
      for (const view of input.views) {
        if (!wantView(view, input.original, views)) continue;
        for (const h of scanText(view.text)) {
          if (h.score < opts.minScore) continue;
          const span = view.toOriginal(h.start, h.end);
          const key = `${span[0]}:${span[1]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const decoded = view.depth > 0 ? ` (found in ${view.origin} text)` : "";
          findings.push({
            detector: "secrets",
            kind: h.rule.kind,
            category: "secret",
            severity: h.rule.severity,
            score: h.score,
            span,
            evidence: maskEvidence(view.text.slice(h.start, h.end)),
            rule: h.rule.id,
            reason: h.rule.description + decoded,
          });
        }
      }
      return findings.sort((a, b) => (a.span?.[0] ?? 0) - (b.span?.[0] ?? 0));
    },
  };
}
