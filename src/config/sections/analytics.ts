import { z } from "zod";

/**
 * `analytics`: per-identity behaviour analytics (docs/analytics.md) — model extraction, scraping,
 * insider exfiltration, key sharing, floods, cost harvesting. Fed by the event bus, never on the
 * reply's path; its detections go back on the bus as `detection_finding` events for incidents and
 * SIEM exporters. On by default: it reads only what the events already carry.
 */

// Same shape as `secretRef` in ../schema.ts, repeated because that module imports this one: a
// Redis URL can carry a password, so it is a reference, never a literal.
const secretRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, {
  message: "expected a secret reference like env:REDIS_URL or file:/path (never the URL itself)",
});

const CATEGORIES = [
  "model_extraction",
  "scraping",
  "insider_exfiltration",
  "key_sharing",
  "flood",
  "cost_harvesting",
] as const;

/**
 * A workload a team declares as expected, so heavy but legitimate use is measured against what it
 * is meant to do: what is declared stops counting as unusual for that key or team.
 */
export const expectedWorkloadSchema = z
  .object({
    /** Requests per hour the workload may send; volume up to it is never a surge. */
    requestsPerHour: z.number().positive().max(1e9).optional(),
    /** Prompt + completion tokens per hour it may use. */
    tokensPerHour: z.number().positive().max(1e12).optional(),
    /** It asks for logprobs / top_logprobs or temperature 0 by design (evaluation, classification). */
    logprobs: z.boolean().optional(),
    /** It runs at any hour (a nightly job). */
    offHours: z.boolean().optional(),
    /** It sends personal data in bulk by design (a CRM or HR integration). */
    personalData: z.boolean().optional(),
    /**
     * Source IPs it runs from at once (a pool of application servers), and as many networks within
     * an hour (a pool may span data centres); key sharing counts only what is beyond them.
     */
    ips: z.number().int().min(1).max(10_000).optional(),
    /** Detectors switched off for it entirely. */
    ignore: z.array(z.enum(CATEGORIES)).default([]),
  })
  .strict();

const memoryState = z.object({ type: z.literal("memory") }).strict();

const redisState = z
  .object({
    type: z.literal("redis"),
    /** `env:NAME` or `file:PATH` holding a redis:// or rediss:// URL. */
    url: secretRef,
    /** Prefix of every key, so several deployments can share one Redis. */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/)
      .default("pcx:an:"),
    /** An idle identity's shared state expires after this many hours. */
    ttlHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(72),
    /** A Redis call slower than this fails its batch, which is then judged on this replica's state alone. */
    timeoutMs: z.number().int().min(5).max(60_000).default(2000),
  })
  .strict();

export const analyticsSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Risk score in [0, 1] at which an identity is flagged and a detection published. */
    threshold: z.number().gt(0).max(1).default(0.7),
    /** The same detection for the same key is published again at most this often. */
    cooldownMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(30),
    /** Keys tracked at once (about 5 KB each); the least recently seen is forgotten first. */
    maxIdentities: z.number().int().min(100).max(10_000_000).default(50_000),
    /** Teams tracked at once (team baselines). */
    maxTeams: z.number().int().min(10).max(1_000_000).default(2_000),
    /** What makes a request "maximal" for cost harvesting. */
    maximal: z
      .object({
        promptTokens: z.number().int().min(1).max(10_000_000).default(16_000),
        maxTokens: z.number().int().min(1).max(10_000_000).default(16_000),
      })
      .strict()
      .default({ promptTokens: 16_000, maxTokens: 16_000 }),
    /** Declared workloads: per key (by id or name) and per team. */
    expected: z
      .object({
        keys: z.record(z.string().min(1).max(200), expectedWorkloadSchema).default({}),
        teams: z.record(z.string().min(1).max(200), expectedWorkloadSchema).default({}),
      })
      .strict()
      .default({ keys: {}, teams: {} }),
    /** Where the state lives: this process (default) or Redis, shared by every replica. */
    state: z.discriminatedUnion("type", [memoryState, redisState]).default({ type: "memory" }),
  })
  .strict();

export type AnalyticsSection = z.infer<typeof analyticsSectionSchema>;
export const ANALYTICS_DEFAULTS: AnalyticsSection = analyticsSectionSchema.parse({});
