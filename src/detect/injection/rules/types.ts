/**
 * Rule shape for the injection detector (STYLE.md §3: rules are data that carry their own tests).
 *
 * A rule is a linear-time (RE2) pattern plus a cheap keyword prefilter, a calibrated confidence,
 * and the cases that prove it: true positives it must match and false positives (benign
 * look-alikes) it must not. `test/detect/injection/rules.test.ts` runs every rule on its cases.
 */

/** Attack families from issue 3; one file per family under `rules/`. */
export type RuleFamily =
  | "instruction_override"
  | "persona_hijack"
  | "system_prompt_extraction"
  | "delimiter_injection"
  | "tool_hijack"
  | "encoded_payload"
  | "refusal_suppression"
  | "adversarial_suffix"
  | "indirect_instruction";

export type InjectionCategory = "prompt_injection" | "jailbreak";

export interface RuleCase {
  text: string;
  /** Why this case is (or is not) an attack: the comment STYLE.md §3 asks for. */
  why: string;
}

export interface InjectionRule {
  /** Stable id, `<family>.<name>`; reported in findings as `rule`. */
  id: string;
  family: RuleFamily;
  category: InjectionCategory;
  description: string;
  /**
   * RE2 syntax (no look-around, no back-references), compiled case-insensitive and Unicode-aware.
   * Word boundaries `\b` are ASCII-only in RE2, so non-Latin alternatives do without them.
   */
  pattern: string;
  /**
   * Lower-case substrings; the rule is evaluated only if the lower-cased view contains at least
   * one. Every true-positive case must contain one (the rule test checks this).
   */
  keywords: readonly string[];
  /** Confidence in [0, 1] when the rule fires on a user prompt. */
  score: number;
  /**
   * Confidence when the text is retrieved content (`context: "document"`); absent means the same as
   * `score`, 0 means the rule does not apply to documents, where quoting such text is normal.
   */
  documentScore?: number;
  /** Rules that only make sense in retrieved content (e.g. text addressing "your response"). */
  documentOnly?: boolean;
  /**
   * Never demoted by the classifier (fusion): for patterns that are attacks whatever the words
   * around them say, such as chat-template control tokens.
   */
  noFusion?: boolean;
  truePositives: readonly RuleCase[];
  falsePositives: readonly RuleCase[];
}
