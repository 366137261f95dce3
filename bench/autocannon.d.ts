/**
 * The part of autocannon's programmatic API the benchmark uses (autocannon ships no types, and
 * @types/autocannon would be one more dev dependency for a handful of fields).
 */
declare module "autocannon" {
  interface Histogram {
    average: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
  }

  interface Request {
    method?: "GET" | "POST";
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  interface Options {
    url: string;
    method?: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** A sequence each connection loops over; `setupRequest` rebuilds a request before every send. */
    requests?: (Request & { setupRequest?: (request: Request) => Request })[];
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
  }

  interface Result {
    /** Requests completed per second, one sample per second of the run. */
    requests: Histogram & { total: number };
    /** Milliseconds, recorded as whole numbers. */
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  }

  interface Instance {
    stop(): void;
  }

  function autocannon(options: Options, done: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
