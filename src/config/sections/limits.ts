import { z } from "zod";

/**
 * The `limits:` section: rate limits, token budgets and concurrency per key and per team, the
 * per-IP limit for unauthenticated traffic, and the gateway-wide overload protection. Every object
 * is strict, like the rest of the configuration.
 *
 * Semantics, documented in docs/configuration.md:
 * - `…PerSecond` / `…PerMinute` are token buckets (GCRA, ITU-T I.371): a burst of the full amount,
 *   refilled evenly over the period.
 * - `tokensPerDay` / `tokensPerMonth` are budgets over UTC calendar windows.
 * - `null` switches a limit off; in `teams.*` and `keys.*` a missing field inherits the default.
 */

// Same shape as `secretRef` in ../schema.ts, repeated because that module imports this one (an
// import back would be a cycle): a Redis URL can carry a password, so it is a reference too.
const secretRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, {
  message: "expected a secret reference like env:REDIS_URL or file:/path (never the URL itself)",
});

const amount = z.number().int().positive().max(1e12);

/** The limits one subject (a key, or a team's aggregate) can have. */
const limitFields = {
  /** Requests admitted per second (bucket of this size, refilled over a second). */
  requestsPerSecond: amount.nullable(),
  /** Requests admitted per minute. OpenAI's `x-ratelimit-*-requests` headers report this one. */
  requestsPerMinute: amount.nullable(),
  /** Prompt + completion tokens per minute; reported in `x-ratelimit-*-tokens`. */
  tokensPerMinute: amount.nullable(),
  /** Token budget per UTC day (00:00–24:00). */
  tokensPerDay: amount.nullable(),
  /** Token budget per UTC calendar month. */
  tokensPerMonth: amount.nullable(),
  /** Requests in flight at once (a stream counts until it ends). */
  maxConcurrent: amount.nullable(),
  /** Largest prompt, counted with the model family's tokenizer before forwarding. */
  maxPromptTokens: amount.nullable(),
  /**
   * Cap on `max_tokens` / `max_completion_tokens`. A request asking for more is refused (400);
   * one that does not say gets the cap inserted, so no answer can run past it.
   */
  maxCompletionTokens: amount.nullable(),
};

type LimitFields = typeof limitFields;
const optionalFields = Object.fromEntries(
  Object.entries(limitFields).map(([name, schema]) => [name, schema.optional()]),
) as { [K in keyof LimitFields]: z.ZodOptional<LimitFields[K]> };

/** An override: only the fields given change; `null` removes a limit the defaults set. */
export const limitOverrideSchema = z.object(optionalFields).strict();

/**
 * Per-key defaults: generous enough that no ordinary client notices them, tight enough that one
 * runaway key cannot take the whole gateway (OWASP LLM10, unbounded consumption).
 */
const keyDefaultsSchema = z
  .object({
    requestsPerSecond: limitFields.requestsPerSecond.default(null),
    requestsPerMinute: limitFields.requestsPerMinute.default(6000),
    tokensPerMinute: limitFields.tokensPerMinute.default(4_000_000),
    tokensPerDay: limitFields.tokensPerDay.default(null),
    tokensPerMonth: limitFields.tokensPerMonth.default(null),
    maxConcurrent: limitFields.maxConcurrent.default(64),
    maxPromptTokens: limitFields.maxPromptTokens.default(null),
    maxCompletionTokens: limitFields.maxCompletionTokens.default(null),
  })
  .strict();

/** Team aggregates are off unless configured: teams are an organisational choice. */
const teamDefaultsSchema = z
  .object(
    Object.fromEntries(Object.entries(limitFields).map(([n, s]) => [n, s.default(null)])) as {
      [K in keyof LimitFields]: z.ZodDefault<LimitFields[K]>;
    },
  )
  .strict();

const memoryStore = z
  .object({
    type: z.literal("memory"),
    /** Keys and teams tracked at once; beyond it the least recently seen is forgotten (bounded memory). */
    maxTrackedIdentities: z.number().int().min(100).max(10_000_000).default(100_000),
  })
  .strict();

const redisStore = z
  .object({
    type: z.literal("redis"),
    /** `env:NAME` or `file:PATH` holding a redis:// or rediss:// URL. */
    url: secretRef,
    /** Prefix of every key, so several gateways (or environments) can share one Redis. */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/)
      .default("pcx:lim:"),
    /** A check that takes longer than this counts as Redis being unavailable. */
    timeoutMs: z.number().int().min(5).max(10_000).default(1000),
    /**
     * When Redis is unreachable: `memory` keeps enforcing the limits in this process alone (each
     * replica then admits up to the full limit); `deny` refuses with 503.
     */
    onError: z.enum(["memory", "deny"]).default("memory"),
    /** Concurrency slots are leases: a crashed replica's slots free themselves after this. */
    leaseMs: z.number().int().min(1000).max(3_600_000).default(30_000),
    maxTrackedIdentities: z.number().int().min(100).max(10_000_000).default(100_000),
  })
  .strict();

const unauthenticatedSchema = z
  .object({
    /**
     * Requests per minute per client IP whose key is missing or invalid. Over it, the IP is refused
     * (429) before its body is parsed or a key hashed; valid keys from that IP still pass.
     */
    requestsPerMinute: amount.nullable().default(300),
    /** Client IPs tracked at once (least recently seen forgotten first), so a flood of new IPs cannot exhaust memory. */
    maxTrackedIps: z.number().int().min(100).max(10_000_000).default(50_000),
  })
  .strict();

const globalSchema = z
  .object({
    /** Requests in flight in this process; over it, `503 PCX_OVERLOADED`. Health endpoints are exempt. */
    maxConcurrent: z.number().int().positive().max(1_000_000).default(512),
    /**
     * Shed load (503) while the event loop lags more than this (90th percentile of
     * perf_hooks.monitorEventLoopDelay over two 0.5 s windows in a row); 0 turns it off. A safety
     * valve, not a throttle: at this lag every request already waits that long to be looked at.
     */
    maxEventLoopLagMs: z.number().int().min(0).max(60_000).default(1000),
    /** Retry-After sent with 503s from overload protection (RFC 9110 §10.2.3). */
    retryAfterSeconds: z.number().int().min(1).max(3600).default(1),
  })
  .strict();

const penaltyBoxSchema = z
  .object({
    /**
     * Answer a key its request-rate limit has just refused from the first hook, before its body is
     * read, and summarise those refusals into one security event (with `count`) per key, address
     * and route per `summaryIntervalMs`. Off: every refusal takes the full path and writes its own
     * event, which lets one flooding key slow every other (docs/configuration.md, "The penalty box").
     */
    enabled: z.boolean().default(true),
    /** Longest time a key stays boxed before its next request is checked the normal way again. */
    maxBoxMs: z.number().int().min(10).max(60_000).default(1000),
    /** How often the summaries are published. */
    summaryIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    /** Keys boxed at once; beyond it, keys simply take the normal path. */
    maxKeys: z.number().int().min(10).max(1_000_000).default(10_000),
  })
  .strict();

const breakerSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Consecutive transport failures or 5xx answers from a provider that open its circuit. */
    failureThreshold: z.number().int().min(1).max(1000).default(5),
    /** How long an open circuit fails fast before one probe request is let through. */
    coolDownMs: z.number().int().min(100).max(3_600_000).default(10_000),
  })
  .strict();

export const limitsSectionSchema = z
  .object({
    store: z
      .discriminatedUnion("type", [memoryStore, redisStore])
      .default(memoryStore.parse({ type: "memory" })),
    /** Defaults for every key. */
    key: keyDefaultsSchema.default(keyDefaultsSchema.parse({})),
    /** Defaults for every team's aggregate (all keys of the team together). */
    team: teamDefaultsSchema.default(teamDefaultsSchema.parse({})),
    /** Per-team overrides of `team`, by team name. */
    teams: z.record(z.string().min(1).max(200), limitOverrideSchema).default({}),
    /** Per-key overrides of `key`, by key id. */
    keys: z.record(z.string().min(1).max(200), limitOverrideSchema).default({}),
    /**
     * Completion tokens reserved up front when a request does not say `max_tokens` (and no cap
     * applies); the difference is settled from the provider's usage after the answer.
     */
    reserveCompletionTokens: z.number().int().min(0).max(10_000_000).default(1024),
    unauthenticated: unauthenticatedSchema.default(unauthenticatedSchema.parse({})),
    global: globalSchema.default(globalSchema.parse({})),
    breaker: breakerSchema.default(breakerSchema.parse({})),
    penaltyBox: penaltyBoxSchema.default(penaltyBoxSchema.parse({})),
  })
  .strict();

export type LimitsSection = z.infer<typeof limitsSectionSchema>;
export type LimitOverride = z.infer<typeof limitOverrideSchema>;
export type LimitValues = z.infer<typeof keyDefaultsSchema>;
