/**
 * One HTTP exchange with a target: undici `request` with a timeout, retries on 429 and 502–504
 * (honouring Retry-After, RFC 9110 §10.2.3), and the body read as text. Never logs headers: the
 * caller's key is in them.
 */
import { request } from "undici";

export interface HttpResult {
  status: number;
  body: string;
  latencyMs: number;
  /** Set when no response arrived (connection refused, timeout, aborted). */
  error?: string;
}

export interface HttpOptions {
  method?: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Extra attempts after a 429 or a 502/503/504. */
  retries?: number;
  signal?: AbortSignal;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
/** Longest answer read: a flood of output is measured, not kept whole. */
const MAX_BODY = 8 * 1024 * 1024;

function retryDelayMs(header: string | string[] | undefined, attempt: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value !== undefined ? Number(value) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 30_000);
  return Math.min(500 * 2 ** attempt, 8000);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

export async function httpSend(url: string, opts: HttpOptions): Promise<HttpResult> {
  const retries = opts.retries ?? 3;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
      : AbortSignal.timeout(opts.timeoutMs);
    try {
      const res = await request(url, {
        method: (opts.method ?? "POST") as "POST",
        headers: opts.headers,
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (size < MAX_BODY) chunks.push(buf.subarray(0, MAX_BODY - size));
        size += buf.length;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      if (RETRYABLE.has(res.statusCode) && attempt < retries && !opts.signal?.aborted) {
        await sleep(retryDelayMs(res.headers["retry-after"], attempt), opts.signal);
        continue;
      }
      return { status: res.statusCode, body, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      const err = error as Error & { code?: string };
      const timedOut = err.name === "TimeoutError" || err.code === "UND_ERR_HEADERS_TIMEOUT";
      const message = timedOut
        ? `no answer within ${opts.timeoutMs} ms`
        : `${err.code ?? err.name}: ${err.message}`.slice(0, 300);
      return { status: 0, body: "", latencyMs: Math.round(performance.now() - started), error: message };
    }
  }
}
