import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int, pct, perHour, surge } from "../common.js";
import { NONE, type Detector } from "../types.js";

/**
 * Abusive floods (MITRE ATLAS AML.T0029 denial of AI service; OWASP LLM10:2025): request volume
 * in the last 10 minutes far above what this identity (or, for a new key, its team) usually sends.
 * The rate limiter caps a flood; this names it, so a responder can act on the key. Heavy steady
 * use — a batch job at its usual pace — has the volume but not the surge.
 */

/** Requests in about 10 minutes where the volume factor starts and where it is full. */
const VOLUME: [number, number] = [500, 2000];
/**
 * Share of a key's requests refused by its own limits (HTTP 429) where, without a baseline, the
 * refusals start to count and where they are conclusive. A client library backs off on 429 and
 * Retry-After; one whose traffic is mostly refusals is sending far above what the deployment
 * allows it, whatever its history.
 */
const REFUSED: [number, number] = [0.25, 0.75];
/** The most the volume alone can score for a key with no baseline at all. */
const NO_BASELINE = 0.75;

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
    const limited = input.state.count(M.limited, 0, input.now);
    // Without any baseline (a new key in a new team) the volume alone is trusted less: at most
    // NO_BASELINE, a detection below the shipped incident rule (abuse-flood, 0.8), since a new
    // batch job's first run looks the same. A key that kept sending through its own limits'
    // refusals is another matter: the configured limits are then the baseline it is far above.
    const unknown = NO_BASELINE + (1 - NO_BASELINE) * ramp(limited / n, REFUSED[0], REFUSED[1]);
    const score = logRamp(n, VOLUME[0], VOLUME[1]) * (rise ? logRamp(rise.ratio, 3, 20) : unknown);
    return {
      score,
      scale: 0,
      reasons: () => [
        `${int(n)} requests in 10 min (${int(rate)}/h)`,
        ...(rise ? [rise.text] : ["new key: no baseline yet"]),
        ...(limited >= 1
          ? [`${pct(limited, n)} of them refused by its own rate or concurrency limits (429)`]
          : []),
      ],
    };
  },
};
