/**
 * The few statistics the dataset scanner needs, in log space so that counts in the millions do
 * not overflow: Fisher's exact test (one-sided, hypergeometric upper tail), Benjamini–Hochberg
 * false-discovery control, and a two-proportion z statistic.
 */

const LOG_FACTORIAL_CACHE = 1 << 16;
const logFactorialTable = new Float64Array(LOG_FACTORIAL_CACHE);
for (let i = 2; i < LOG_FACTORIAL_CACHE; i++)
  logFactorialTable[i] = (logFactorialTable[i - 1] as number) + Math.log(i);

/** ln(n!) — exact table below 65 536, Stirling's series (error < 1e-10) above. */
export function logFactorial(n: number): number {
  if (n < LOG_FACTORIAL_CACHE) return logFactorialTable[n] as number;
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n * n * n);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** ln of log-sum-exp for two terms. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * ln P(X ≥ k) for X ~ Hypergeometric(population N, K successes, n draws): the one-sided Fisher
 * exact p-value of seeing at least `k` of a feature's `n` rows in a label that has `K` of the
 * `N` rows. Terms shrink geometrically past the mode, so the sum stops once they stop mattering
 * (bounded time for any counts).
 */
export function logFisherUpper(k: number, n: number, K: number, N: number): number {
  const lo = Math.max(0, n - (N - K));
  const hi = Math.min(n, K);
  if (k <= lo) return 0;
  if (k > hi) return -Infinity;
  const denom = logChoose(N, n);
  let total = -Infinity;
  for (let x = k; x <= hi; x++) {
    const term = logChoose(K, x) + logChoose(N - K, n - x) - denom;
    total = logAdd(total, term);
    if (x > k + 50 && term < total - 40) break;
  }
  return Math.min(0, total);
}

/**
 * Benjamini–Hochberg: given ln p-values of `m` tests (only the smallest ones need be passed;
 * `m` counts all tests made), returns the indices rejected at false-discovery rate `q`.
 */
export function benjaminiHochberg(logP: readonly number[], m: number, q: number): Set<number> {
  const order = logP.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const logQ = Math.log(q);
  let cutoff = -1;
  for (let r = 0; r < order.length; r++) {
    if ((order[r] as readonly [number, number])[0] <= logQ + Math.log((r + 1) / m)) cutoff = r;
  }
  const out = new Set<number>();
  for (let r = 0; r <= cutoff; r++) out.add((order[r] as readonly [number, number])[1]);
  return out;
}

/** z for p1 > p2 (pooled two-proportion test); 0 when either sample is empty. */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return 0;
  return (x1 / n1 - x2 / n2) / se;
}

/** Running mean and variance (Welford), for length statistics in one pass. */
export class Moments {
  n = 0;
  mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  get sd(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }
}
