import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int, pct, within } from "../common.js";
import { NONE, type Detector, type DetectorInput, type Verdict } from "../types.js";

/**
 * System-prompt or knowledge scraping through many paraphrased attempts (MITRE ATLAS AML.T0056
 * meta-prompt extraction, AML.T0057 data leakage; OWASP LLM07:2025 system prompt leakage,
 * LLM01:2025 prompt injection). One blocked attempt is a guard's business; this detector looks at
 * the campaign: many attempts, a large share of the identity's traffic, most of them different
 * (paraphrased rather than one retried string), many blocked. A support bot relaying the odd
 * jailbreak from its users has the count at times, never the share.
 */

function atScale(input: DetectorInput, scale: 1 | 2): Verdict {
  const s = input.state;
  const now = input.now;
  const n = s.count(M.req, scale, now);
  const attempts = s.count(M.inject, scale, now);
  if (attempts < 3) return NONE;
  const sys = s.count(M.sysPrompt, scale, now);
  const blocked = s.count(M.blocked, scale, now);
  const novel = s.count(M.novel, scale, now);
  const score =
    logRamp(attempts, 4, 20) *
    ramp(attempts / n, 0.08, 0.35) *
    (0.7 + 0.3 * ramp(novel / n, 0.3, 0.7)) *
    (0.8 + 0.2 * ramp(sys / attempts, 0.1, 0.5));
  return {
    score,
    scale,
    reasons: () => [
      `${int(attempts)} prompt-injection or extraction attempts ${within(scale)} (${pct(attempts, n)} of its requests)`,
      ...(sys >= 1 ? [`${int(sys)} aimed at the system prompt`] : []),
      `${pct(novel, n)} of its prompts are new wordings, not retries`,
      ...(blocked >= 1 ? [`${pct(blocked, n)} blocked by the guards`] : []),
    ],
  };
}

export const scraping: Detector = {
  category: "scraping",
  description: "many paraphrased attempts at the system prompt or hidden knowledge",
  atlas: ["AML.T0056", "AML.T0057", "AML.T0051"],
  owasp: ["LLM07:2025", "LLM01:2025"],
  evaluate(input) {
    if (ignored(input, "scraping")) return NONE;
    const a = atScale(input, 1);
    const b = atScale(input, 2);
    return a.score >= b.score ? a : b;
  },
};
