/**
 * How limits are told to clients.
 *
 * `Retry-After` (RFC 9110 §10.2.3) is a whole number of seconds; it is rounded up so a client that
 * obeys it is never refused again for the same reason. OpenAI's `x-ratelimit-reset-*` headers use
 * Go's duration notation (`1s`, `6m0s`, `20ms`, `1h2m3.5s`), reproduced here to the millisecond.
 */

export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  // Seconds with at most three decimals, trailing zeros dropped: 1.5 → "1.5", 2 → "2".
  const s = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}
