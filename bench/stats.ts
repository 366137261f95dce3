/**
 * Percentiles over raw samples. The load generators keep every sample (a 10 s run at 1,000 req/s
 * is 10,000 numbers), so there is no need for a histogram and its bucket rounding: autocannon's
 * histogram stores whole milliseconds, too coarse for a sub-millisecond target.
 */

export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least p% of samples at or below it), on an
 * array sorted ascending. No interpolation: every figure reported is a latency that happened.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  let sum = 0;
  for (const v of values) sum += v;
  return {
    count: values.length,
    min: values.length ? values[0]! : Number.NaN,
    mean: values.length ? sum / values.length : Number.NaN,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? values[values.length - 1]! : Number.NaN,
  };
}
