export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Ceiling: a receiver down for an hour is retried this often, not ever more rarely. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 for the first retry): exponential, capped, with "equal
 * jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015). Half the delay is fixed,
 * so a retry never comes at once; half is random, so gateway replicas that failed together do not
 * hammer a recovering receiver together.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
