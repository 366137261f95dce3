const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * An expiry given as a duration from now ("90d", "12h") or an ISO-8601 time. Returns epoch ms, or
 * undefined when the text is neither. Past times are refused by the callers.
 */
export function parseExpiry(text: string, now = Date.now()): number | undefined {
  const duration = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (duration) return now + Number(duration[1]) * UNITS[duration[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}
