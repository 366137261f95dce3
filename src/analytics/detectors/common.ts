import { SCALES, SCALE_LABELS, type Scale } from "../state.js";
import type { DetectorInput } from "./types.js";

export const pct = (part: number, whole: number): string =>
  `${whole > 0 ? Math.round((100 * part) / whole) : 0}%`;
export const int = (x: number): string => String(Math.round(x));
export const within = (scale: Scale): string => `in ${SCALE_LABELS[scale]}`;

/** Requests per hour implied by a counter at `scale` (a decayed count over τ holds ≈ rate × τ). */
export function perHour(count: number, scale: Scale): number {
  return (count / SCALES[scale]) * 3_600_000;
}

/**
 * How many times its usual volume the identity is sending now, against its declared workload
 * first, then its own baseline, then its team's per-key average; undefined when nothing is known.
 */
export function surge(input: DetectorInput, rate: number): { ratio: number; text: string } | undefined {
  const declared = input.expected?.requestsPerHour;
  if (declared !== undefined) {
    const ratio = rate / Math.max(declared, 1);
    return { ratio, text: `${ratio.toFixed(1)}× its declared ${declared} requests/h` };
  }
  if (!input.usual) return undefined;
  const ratio = rate / Math.max(input.usual.perHour, 1);
  const shown = ratio >= 10 ? Math.round(ratio) : Math.round(ratio * 10) / 10;
  return {
    ratio,
    text:
      input.usual.source === "own"
        ? `${shown}× this key's usual volume`
        : `new key: ${shown}× its team's usual per-key volume`,
  };
}

/** Whether a detector is switched off for this identity by its declared workload. */
export function ignored(input: DetectorInput, category: string): boolean {
  return input.expected?.ignore?.includes(category as never) ?? false;
}
