import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int, pct, perHour, surge, within } from "../common.js";
import { NONE, type Detector, type DetectorInput, type Verdict } from "../types.js";

/**
 * Model extraction (MITRE ATLAS AML.T0024.002; OWASP LLM10:2025 names model theft under unbounded
 * consumption): an identity harvesting outputs to train a copy. What gives it away is the
 * combination, never one signal: many novel prompts, spread over many templates (coverage of a
 * task space rather than one job's template), asked for in the form a distiller wants
 * (logprobs / top_logprobs, several completions, or temperature 0). Each factor alone is ordinary
 * — a support bot sends many novel prompts, a nightly classifier asks for logprobs on one template,
 * a developer repeats test prompts at temperature 0 — so the score is their product.
 *
 * The 2 h scale catches a fast harvest; the 12 h scale a slow one kept under per-minute limits.
 */

/** Novel prompts in the window where the volume factor starts and where it is full, per scale. */
const VOLUME: Record<1 | 2, [number, number]> = { 1: [30, 150], 2: [40, 160] };
/** Distinct templates in the window: below the first, one job's template; above the second, a task space. */
const TEMPLATES: [number, number] = [8, 30];

function atScale(input: DetectorInput, scale: 1 | 2): Verdict {
  const s = input.state;
  const now = input.now;
  const n = s.count(M.req, scale, now);
  if (n < VOLUME[scale][0]) return NONE;
  const novel = s.count(M.novel, scale, now);
  const templates = s.count(M.newTemplate, scale, now);
  const harvest = s.count(M.harvest, scale, now);
  const temp0 = s.count(M.temp0, scale, now);
  const slots = s.count(M.slotFill, scale, now);
  const declared = input.expected?.requestsPerHour;
  // A declared workload's own volume does not count towards the harvest.
  const excess =
    declared !== undefined ? Math.max(0, novel - (declared * (scale === 1 ? 2 : 12)) / 2) : novel;
  const volume = logRamp(excess, VOLUME[scale][0], VOLUME[scale][1]);
  const coverage = ramp(templates, TEMPLATES[0], TEMPLATES[1]);
  // Templated prompts with varying slots look alike to MinHash, so a distiller's novelty share is
  // often well under 1: low novelty weakens the score, it does not cancel it (coverage decides).
  const novelty = 0.5 + 0.5 * ramp(novel / n, 0.25, 0.6);
  const params = input.expected?.logprobs
    ? 0
    : Math.max(ramp(harvest / n, 0.1, 0.4), 0.85 * ramp(temp0 / n, 0.5, 0.9));
  const rise = surge(input, perHour(n, scale));
  const change = rise ? 0.75 + 0.25 * logRamp(rise.ratio, 1.5, 10) : 1;
  const score = volume * coverage * novelty * params * change;
  return {
    score,
    scale,
    reasons: () => [
      `${int(novel)} novel prompts from ${int(templates)} templates ${within(scale)}` +
        (slots >= 10 ? ` (${int(slots)} of them templated with varying slots)` : ""),
      ...(harvest / n >= 0.1
        ? [`${pct(harvest, n)} ask for logprobs/top_logprobs or several completions`]
        : []),
      ...(temp0 / n >= 0.3 ? [`${pct(temp0, n)} at temperature 0`] : []),
      ...(rise ? [rise.text] : ["new key: no baseline yet"]),
    ],
  };
}

export const modelExtraction: Detector = {
  category: "model_extraction",
  description: "harvesting outputs over a task space, in the form a distiller wants",
  atlas: ["AML.T0024.002"],
  owasp: ["LLM10:2025"],
  evaluate(input) {
    if (ignored(input, "model_extraction")) return NONE;
    const fast = atScale(input, 1);
    const slow = atScale(input, 2);
    return fast.score >= slow.score ? fast : slow;
  },
};
