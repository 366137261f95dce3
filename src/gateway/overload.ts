import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { LimitsSection } from "../config/sections/limits.js";
import { IpLimiter, retryAfterSeconds } from "../limits/index.js";
import { authenticate, isWellFormedKey, presentedKey, type KeyCache } from "./auth/index.js";
import { GatewayError, type ErrorCode } from "./errors.js";
import type { Provider, UpstreamCall, UpstreamResponse } from "./providers/index.js";

/**
 * Process-wide protection, in front of everything else: it runs in an onRequest hook, before the
 * body is read or a key hashed, so refusing costs almost nothing.
 *
 * - a ceiling on requests in flight (503 PCX_OVERLOADED);
 * - load shedding while the event loop lags (503): a process that stays responsive for some
 *   requests beats one that times out for all;
 * - a per-IP limit on requests with a missing or invalid key (429 PCX_IP_RATE_LIMITED);
 * - a circuit breaker per provider (503 PCX_UPSTREAM_CIRCUIT_OPEN), so a dead upstream costs a
 *   client a fast answer instead of a connect timeout.
 *
 * Health endpoints are never shed: an orchestrator must see a busy process as alive.
 */

/** A catalogue error that tells the client when to come back (RFC 9110 §10.2.3 Retry-After). */
export class RetryLaterError extends GatewayError {
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, retryAfterSeconds: number | undefined, message?: string) {
    // An expected refusal, answered at flood rates: capturing a stack trace would cost more than
    // the rest of the answer, and nobody reads it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(code, message);
    Error.stackTraceLimit = limit;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Sets Retry-After on a reply when the error carries one. */
export function retryAfterHeader(error: GatewayError, reply: FastifyReply): void {
  if (error instanceof RetryLaterError && error.retryAfterSeconds !== undefined) {
    reply.header("retry-after", String(error.retryAfterSeconds));
  }
}

const EXEMPT = new Set(["/healthz", "/readyz", "/metrics"]);

/** The URL's path, without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

/**
 * The window over which event-loop delay is judged. Shedding starts after two lagging windows in a
 * row and stops after the first good one: overload is sustained, while one long pause (a cold
 * start, a GC, one heavy request) fills one window and is over before shedding could help.
 */
const SAMPLE_MS = 500;
/** monitorEventLoopDelay's timer period; its samples include it. */
const RESOLUTION_MS = 10;
/**
 * The lag is the 90th percentile of the window's delays: sustained overload delays most timer
 * ticks, while one long pause (a GC, a cold start) delays one and must not shed a second of
 * traffic. (A mean would be diluted by the fast ticks between stalls.)
 */
const LAG_PERCENTILE = 90;

export interface OverloadStats {
  inflight: number;
  shedding: boolean;
  lagMs: number;
  trackedIps: number;
  circuits: Record<string, "closed" | "open" | "half-open">;
}

export interface OverloadGuard {
  onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  onResponse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** The provider behind a circuit breaker (the demo provider is in-process and is not wrapped). */
  guard(provider: Provider): Provider;
  stats(): OverloadStats;
  close(): void;
}

export function createOverloadGuard(
  config: LimitsSection,
  auth: { keys: KeyCache; serverSecret: Buffer },
): OverloadGuard {
  const global = config.global;
  const retryAfter = global.retryAfterSeconds;
  const ips =
    config.unauthenticated.requestsPerMinute !== null
      ? new IpLimiter(config.unauthenticated.requestsPerMinute, config.unauthenticated.maxTrackedIps)
      : undefined;

  let inflight = 0;
  const release = () => {
    inflight--;
  };

  // Event-loop lag, judged once per window off the request path; a request only reads a flag.
  const lagThreshold = global.maxEventLoopLagMs;
  const histogram = lagThreshold > 0 ? monitorEventLoopDelay({ resolution: RESOLUTION_MS }) : undefined;
  histogram?.enable();
  let lastLag = 0;
  let lagged = false;
  let shedding = false;
  const sampler = histogram
    ? setInterval(() => {
        lastLag = Math.max(histogram.percentile(LAG_PERCENTILE) / 1e6 - RESOLUTION_MS, 0);
        histogram.reset();
        const lagging = lastLag > lagThreshold;
        shedding = lagging && lagged;
        lagged = lagging;
      }, SAMPLE_MS)
    : undefined;
  sampler?.unref();
  const lagging = (): boolean => shedding;

  const overloaded = (why: string) =>
    new RetryLaterError("PCX_OVERLOADED", retryAfter, `The gateway is overloaded (${why}); retry shortly.`);

  const ipRefusal = (waitMs: number) => new RetryLaterError("PCX_IP_RATE_LIMITED", retryAfterSeconds(waitMs));

  const validKey = (request: FastifyRequest): boolean => {
    try {
      authenticate(request.headers, auth.keys, auth.serverSecret);
      return true;
    } catch {
      return false;
    }
  };

  const breakers = new Map<string, Breaker>();

  return {
    onRequest(request, reply, done) {
      if (EXEMPT.has(pathOf(request.url))) return done();
      if (lagging()) {
        reply.header("retry-after", String(retryAfter));
        return done(overloaded("event loop lag"));
      }
      if (inflight >= global.maxConcurrent) {
        reply.header("retry-after", String(retryAfter));
        return done(overloaded("too many requests in flight"));
      }
      inflight++;
      reply.raw.on("close", release);
      if (ips) {
        const key = presentedKey(request.headers);
        if (key === undefined || !isWellFormedKey(key)) {
          // Certainly unauthenticated: counted now, refused once over the limit.
          const wait = ips.hit(request.ip);
          if (wait > 0) {
            const error = ipRefusal(wait);
            reply.header("retry-after", String(error.retryAfterSeconds));
            return done(error);
          }
        } else if (ips.wait(request.ip) > 0 && !validKey(request)) {
          // The address is over its limit: its keys are checked now, before the body is read.
          const error = ipRefusal(ips.wait(request.ip));
          reply.header("retry-after", String(error.retryAfterSeconds));
          return done(error);
        }
      }
      done();
    },

    onResponse(request, reply, done) {
      // A well-formed key that failed authentication is known only after the auth stage.
      if (ips && reply.statusCode === 401) {
        const key = presentedKey(request.headers);
        if (key !== undefined && isWellFormedKey(key)) ips.hit(request.ip);
      }
      done();
    },

    guard(provider) {
      if (!config.breaker.enabled || provider.type === "demo") return provider;
      const breaker = new Breaker(config.breaker.failureThreshold, config.breaker.coolDownMs);
      breakers.set(provider.name, breaker);
      return {
        name: provider.name,
        type: provider.type,
        supports: (api) => provider.supports(api),
        secrets: () => provider.secrets(),
        close: () => provider.close(),
        call: (call: UpstreamCall) => breaker.run(provider, call),
      };
    },

    stats() {
      return {
        inflight,
        shedding: lagging(),
        lagMs: lastLag,
        trackedIps: ips?.size ?? 0,
        circuits: Object.fromEntries([...breakers].map(([name, b]) => [name, b.state])),
      };
    },

    close() {
      if (sampler) clearInterval(sampler);
      histogram?.disable();
    },
  };
}

/**
 * A circuit breaker (closed → open → half-open → closed). `threshold` consecutive failures — the
 * provider unreachable, timing out, or answering 5xx — open it; while open, calls fail at once;
 * after `coolDownMs` one probe call goes through, and its result closes or reopens the circuit.
 */
export class Breaker {
  state: "closed" | "open" | "half-open" = "closed";
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly coolDownMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async run(provider: Provider, call: UpstreamCall): Promise<UpstreamResponse> {
    this.admit(provider.name);
    let response: UpstreamResponse;
    try {
      response = await provider.call(call);
    } catch (error) {
      // A client that went away says nothing about the provider.
      if (error instanceof GatewayError) this.failed();
      else this.probing = false;
      throw error;
    }
    if (response.status >= 500) this.failed();
    else this.succeeded();
    return response;
  }

  private admit(name: string): void {
    if (this.state === "closed") return;
    const now = this.clock();
    if (this.state === "open" && now - this.openedAt >= this.coolDownMs) this.state = "half-open";
    if (this.state === "half-open" && !this.probing) {
      this.probing = true;
      return;
    }
    const wait = this.state === "open" ? this.coolDownMs - (now - this.openedAt) : 1000;
    throw new RetryLaterError(
      "PCX_UPSTREAM_CIRCUIT_OPEN",
      retryAfterSeconds(wait),
      `The model provider "${name}" is failing; requests to it are paused briefly.`,
    );
  }

  private failed(): void {
    this.probing = false;
    this.failures++;
    if (this.state === "half-open" || this.failures >= this.threshold) {
      this.state = "open";
      this.openedAt = this.clock();
    }
  }

  private succeeded(): void {
    this.probing = false;
    this.failures = 0;
    this.state = "closed";
  }
}
