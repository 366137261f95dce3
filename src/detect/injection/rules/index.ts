import { adversarialSuffixRules } from "./adversarial-suffix.js";
import { delimiterInjectionRules } from "./delimiter-injection.js";
import { encodedPayloadRules } from "./encoded-payload.js";
import { indirectInstructionRules } from "./indirect-instruction.js";
import { instructionOverrideRules } from "./instruction-override.js";
import { personaHijackRules } from "./persona-hijack.js";
import { refusalSuppressionRules } from "./refusal-suppression.js";
import { systemPromptExtractionRules } from "./system-prompt-extraction.js";
import { toolHijackRules } from "./tool-hijack.js";
import type { InjectionRule } from "./types.js";

export type { InjectionRule, RuleCase, RuleFamily, InjectionCategory } from "./types.js";

/** The rule index: one line per family (STYLE.md, "What adding a unit should touch"). */
export const injectionRules: readonly InjectionRule[] = [
  ...instructionOverrideRules,
  ...personaHijackRules,
  ...systemPromptExtractionRules,
  ...delimiterInjectionRules,
  ...toolHijackRules,
  ...encodedPayloadRules,
  ...refusalSuppressionRules,
  ...adversarialSuffixRules,
  ...indirectInstructionRules,
];
