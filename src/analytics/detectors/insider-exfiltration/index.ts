import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int, pct, perHour, surge, within } from "../common.js";
import { NONE, type Detector, type DetectorInput, type Verdict } from "../types.js";

/**
 * Insider exfiltration: personal data or secrets leaving in bulk through prompts (OWASP
 * LLM02:2025 sensitive information disclosure; MITRE ATLAS AML.T0025 exfiltration via cyber
 * means). The guards see one prompt with an e-mail address; this sees an identity whose traffic
 * is mostly records — many findings, in most of its requests — and weighs it up when that happens
 * at hours this identity does not usually work, or far above its usual volume. A support bot whose
 * customers type their own address has the findings, never the share.
 */

function atScale(input: DetectorInput, scale: 1 | 2): Verdict {
  const s = input.state;
  const now = input.now;
  if (input.expected?.personalData) return NONE;
  const n = s.count(M.req, scale, now);
  const carrying = s.count(M.piiReq, scale, now) + s.count(M.secretReq, scale, now);
  const items = s.count(M.piiItems, scale, now);
  if (items < 10) return NONE;
  const off = input.expected?.offHours ? 0 : s.count(M.offHours, scale, now);
  const rise = surge(input, perHour(n, scale));
  const unusual = Math.max(ramp(off / n, 0.2, 0.6), rise ? logRamp(rise.ratio, 2, 10) : 0);
  const score = logRamp(items, 15, 80) * ramp(carrying / n, 0.15, 0.5) * (0.72 + 0.28 * unusual);
  const secrets = s.count(M.secretReq, scale, now);
  return {
    score,
    scale,
    reasons: () => [
      `${int(items)} PII or secret findings in prompts ${within(scale)}, in ${pct(carrying, n)} of its requests`,
      ...(secrets >= 1 ? [`${int(secrets)} requests carried secrets`] : []),
      ...(off / n >= 0.2 ? [`${pct(off, n)} sent outside this key's usual hours`] : []),
      ...(rise && rise.ratio >= 2 ? [rise.text] : []),
    ],
  };
}

export const insiderExfiltration: Detector = {
  category: "insider_exfiltration",
  description: "personal data or secrets leaving in bulk through prompts",
  atlas: ["AML.T0025"],
  owasp: ["LLM02:2025"],
  evaluate(input) {
    if (ignored(input, "insider_exfiltration")) return NONE;
    const a = atScale(input, 1);
    const b = atScale(input, 2);
    return a.score >= b.score ? a : b;
  },
};
