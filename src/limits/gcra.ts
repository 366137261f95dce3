/**
 * The Generic Cell Rate Algorithm (ITU-T I.371, Annex A, "virtual scheduling"), generalised to a
 * cost of several units (tokens). A bucket is one number, the theoretical arrival time (TAT) of the
 * next unit: no counters to reset, no background refill, and the wait for a refused request is
 * exact.
 *
 * For a limit of `burst` units refilled one per `interval` ms, a request costing `cost` units is
 * admitted at `now` when   max(TAT, now) + cost·interval − now ≤ burst·interval
 * (for cost 1 this is I.371's `now ≥ TAT − τ` with τ = (burst − 1)·interval), and then
 * TAT ← max(TAT, now) + cost·interval.
 *
 * Consequence worth knowing: in any interval of length L at most `burst + L / interval` units are
 * admitted (less than `2 × burst` within one refill period); test/limits/gcra.test.ts checks it.
 */

/** How long until `cost` units would be admitted: ≤ 0 means now; Infinity means never (cost > burst). */
export function gcraWait(tat: number, now: number, interval: number, burst: number, cost: number): number {
  if (cost > burst) return Infinity;
  const start = tat > now ? tat : now;
  return start + cost * interval - now - burst * interval;
}

/** The TAT after admitting `cost` units at `now`. */
export function gcraCharge(tat: number, now: number, interval: number, cost: number): number {
  return (tat > now ? tat : now) + cost * interval;
}

/**
 * Moves a TAT by `delta` units after the fact (settling tokens): a refund (negative) gives back
 * capacity; an extra charge takes it, even beyond the burst (the bucket goes into debt and the next
 * requests wait it off), so usage reported after an answer is never forgiven.
 */
export function gcraAdjust(tat: number, now: number, interval: number, delta: number): number {
  if (delta >= 0) return gcraCharge(tat, now, interval, delta);
  const moved = tat + delta * interval;
  return moved > now ? moved : now;
}

/** Whole units still admissible at `now` given `tat`. */
export function gcraRemaining(tat: number, now: number, interval: number, burst: number): number {
  const used = tat > now ? tat - now : 0;
  const left = Math.floor((burst * interval - used) / interval + 1e-9);
  return left > 0 ? left : 0;
}

/** Milliseconds until the bucket is full again (OpenAI's `x-ratelimit-reset-*`). */
export function gcraReset(tat: number, now: number): number {
  return tat > now ? tat - now : 0;
}
