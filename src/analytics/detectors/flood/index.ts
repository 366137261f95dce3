import { M } from "../../state.js";
import { logRamp } from "../../sketch.js";
import { ignored, int, perHour, surge } from "../common.js";
import { NONE, type Detector } from "../types.js";

/**
 * Abusive floods (MITRE ATLAS AML.T0029 denial of AI service; OWASP LLM10:2025): request volume
 * in the last 10 minutes far above what this identity (or, for a new key, its team) usually sends.
 * The rate limiter caps a flood; this names it, so a responder can act on the key. Heavy steady
 * use — a batch job at its usual pace — has the volume but not the surge.
 */

/** Requests in about 10 minutes where the volume factor starts and where it is full. */
const VOLUME: [number, number] = [500, 2000];

export const flood: Detector = {
  category: "flood",
  description: "request volume far above this identity's usual",
  atlas: ["AML.T0029"],
  owasp: ["LLM10:2025"],
  evaluate(input) {
    if (ignored(input, "flood")) return NONE;
    const n = input.state.count(M.req, 0, input.now);
    if (n < VOLUME[0]) return NONE;
    const rate = perHour(n, 0);
    const rise = surge(input, rate);
    // Without any baseline (a new key in a new team) only the volume speaks, and it is trusted less.
    const score = logRamp(n, VOLUME[0], VOLUME[1]) * (rise ? logRamp(rise.ratio, 3, 20) : 0.8);
    return {
      score,
      scale: 0,
      reasons: () => [
        `${int(n)} requests in 10 min (${int(rate)}/h)`,
        ...(rise ? [rise.text] : ["new key: no baseline yet"]),
      ],
    };
  },
};
