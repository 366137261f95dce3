/**
 * Fixed calendar windows for token budgets, in UTC so every replica (and every time zone) agrees
 * on when a day or a month starts. A window is named by an integer: days since the Unix epoch, or
 * months since January 1970.
 */

export type Period = "day" | "month";

const DAY_MS = 86_400_000;

export function windowId(period: Period, now: number): number {
  if (period === "day") return Math.floor(now / DAY_MS);
  const date = new Date(now);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

/** When the window containing `now` ends (ms since the epoch). */
export function windowEnd(period: Period, now: number): number {
  if (period === "day") return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * Caches the current window of each period so the hot path computes it with one comparison; a
 * `Date` is built only when the clock crosses into the next window.
 */
export function windowStart(period: Period, now: number): number {
  if (period === "day") return Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/**
 * Caches the current window of each period so the hot path finds it with two comparisons; a
 * `Date` is built only when the clock leaves the cached window.
 */
export class WindowClock {
  private readonly start = { day: Infinity, month: Infinity };
  private readonly stop = { day: -Infinity, month: -Infinity };
  private readonly ids = { day: 0, month: 0 };

  id(period: Period, now: number): number {
    if (now < this.start[period] || now >= this.stop[period]) {
      this.ids[period] = windowId(period, now);
      this.start[period] = windowStart(period, now);
      this.stop[period] = windowEnd(period, now);
    }
    return this.ids[period];
  }

  end(period: Period, now: number): number {
    this.id(period, now);
    return this.stop[period];
  }
}
