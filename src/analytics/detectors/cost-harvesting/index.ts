import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int, pct, perHour, within } from "../common.js";
import { NONE, type Detector, type Verdict } from "../types.js";

/**
 * Cost harvesting (MITRE ATLAS AML.T0034; OWASP LLM10:2025): requests built to be as expensive as
 * possible — maximal prompts and maximal `max_tokens` — sent again and again, or a token bill far
 * above the identity's usual. A long-context analyst sends a few maximal prompts a day; a harvester
 * sends dozens an hour and little else.
 */

/** Tokens per hour where the volume factor starts and where it is full (when nothing is declared). */
const TOKENS_PER_HOUR: [number, number] = [3_000_000, 15_000_000];

export const costHarvesting: Detector = {
  category: "cost_harvesting",
  description: "maximal prompts and max_tokens, or a token bill far above the usual",
  atlas: ["AML.T0034"],
  owasp: ["LLM10:2025"],
  evaluate(input): Verdict {
    if (ignored(input, "cost_harvesting")) return NONE;
    const s = input.state;
    const now = input.now;
    const n = s.count(M.req, 1, now);
    const maximal = s.count(M.maximal, 1, now);
    const tokens = s.count(M.tokensIn, 1, now) + s.count(M.tokensOut, 1, now);
    const tokenRate = perHour(tokens, 1);
    if (maximal < 5 && tokenRate < TOKENS_PER_HOUR[0]) return NONE;
    const shape = logRamp(maximal, 6, 30) * ramp(maximal / n, 0.3, 0.8);
    const declared = input.expected?.tokensPerHour;
    const bill = logRamp(
      declared !== undefined ? tokenRate / Math.max(declared, 1) : tokenRate,
      declared !== undefined ? 3 : TOKENS_PER_HOUR[0],
      declared !== undefined ? 20 : TOKENS_PER_HOUR[1],
    );
    const score = Math.max(shape, bill);
    return {
      score,
      scale: 1,
      reasons: () => [
        `${int(maximal)} maximal requests ${within(1)} (${pct(maximal, n)} of its requests: huge prompts or max_tokens)`,
        `${(tokenRate / 1e6).toFixed(1)} M tokens/h` +
          (declared !== undefined ? ` against a declared ${(declared / 1e6).toFixed(1)} M` : ""),
      ],
    };
  },
};
