import { z } from "zod";
import { analyticsSectionSchema, ANALYTICS_DEFAULTS } from "./sections/analytics.js";
import { auditSectionSchema, AUDIT_DEFAULTS } from "./sections/audit.js";
import { guardsSectionSchema } from "./sections/guards.js";
import { incidentsSectionSchema } from "./sections/incidents.js";
import { policySchema } from "./sections/policy.js";
import { limitsSectionSchema } from "./sections/limits.js";
import { requireManifestSchema } from "./sections/model-manifest.js";
import { payloadsSectionSchema, PAYLOADS_DEFAULTS } from "./sections/payloads.js";
import { secretRef } from "./secret-ref.js";
import { siemSectionSchema } from "./sections/siem.js";
import { storeSectionSchema } from "./sections/store.js";

/**
 * The configuration schema. Every field says why it exists; every object is strict so that a
 * typo ("prot: 80") is an error at start-up rather than a silently ignored setting.
 */

/** Secrets are references, never literals: the config file can be committed and reviewed. */
export { secretRef };

const durationMs = (fallback: number) => z.number().int().positive().max(3_600_000).default(fallback);

const timeoutsSchema = z
  .object({
    /** TCP + TLS connect to the provider. */
    connectMs: durationMs(10_000),
    /** Until the provider sends response headers (time to first token for streams). */
    headersMs: durationMs(120_000),
    /** Longest silence between two body chunks. */
    bodyMs: durationMs(120_000),
  })
  .strict();

const upstreamTlsSchema = z
  .object({
    /** Extra CA bundle (PEM file) for providers behind a private CA. */
    ca: z.string().optional(),
    /** Certificate verification is on by default; turning it off is reported by `config check`. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const providerBase = {
  /** Extra headers sent upstream (values may be secret references). */
  headers: z.record(z.string(), z.string()).default({}),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  tls: upstreamTlsSchema.default({ rejectUnauthorized: true }),
  /** Connections kept open to this provider. */
  maxConnections: z.number().int().positive().max(4096).default(256),
};

const openaiProvider = z
  .object({
    type: z.literal("openai"),
    /** Any OpenAI-compatible API: OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio. Include the /v1 path. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: secretRef.optional(),
    /** How the key is sent: `bearer` (OpenAI, vLLM) or `api-key` (Azure OpenAI). */
    auth: z.enum(["bearer", "api-key", "none"]).default("bearer"),
    /** Query parameters added to every call, e.g. Azure's api-version. */
    query: z.record(z.string(), z.string()).default({}),
    ...providerBase,
  })
  .strict();

const anthropicProvider = z
  .object({
    type: z.literal("anthropic"),
    baseUrl: z.url({ protocol: /^https?$/ }).default("https://api.anthropic.com/v1"),
    apiKey: secretRef.optional(),
    /** Sent as anthropic-version unless the client sends its own. */
    version: z.string().default("2023-06-01"),
    ...providerBase,
  })
  .strict();

const demoProvider = z
  .object({
    type: z.literal("demo"),
    /** Delay per streamed token, to make streams observable in a terminal. */
    tokenDelayMs: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export const providerSchema = z.discriminatedUnion("type", [openaiProvider, anthropicProvider, demoProvider]);

const modelSchema = z
  .object({
    /** The name clients ask for. */
    name: z.string().min(1).max(200),
    /** Key of an entry under `providers`. */
    provider: z.string().min(1),
    /** The provider's own model id, when it differs from `name`. */
    upstreamModel: z.string().min(1).optional(),
    /** Other names clients may use for this model. */
    aliases: z.array(z.string().min(1).max(200)).default([]),
    /** `embedding` models only serve /v1/embeddings; `chat` models serve the other routes. */
    kind: z.enum(["chat", "embedding"]).default("chat"),
    /** Route only while the model's folder matches a signed manifest (docs/scanning.md). */
    requireManifest: requireManifestSchema.optional(),
  })
  .strict();

const tlsSchema = z
  .object({
    cert: z.string().min(1),
    key: z.string().min(1),
    /** CA bundle used to verify client certificates (mTLS). */
    clientCa: z.string().optional(),
    /** `require`: every client presents a certificate signed by clientCa (mTLS). */
    clientAuth: z.enum(["none", "optional", "require"]).default("none"),
  })
  .strict()
  .refine((tls) => tls.clientAuth === "none" || tls.clientCa, {
    message: "clientCa is required when clientAuth is optional or require",
    path: ["clientCa"],
  });

const serverSchema = z
  .object({
    /** Loopback by default: exposing the gateway is a deliberate act. */
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65_535).default(8787),
    /** Largest request body accepted, in bytes. */
    bodyLimit: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** Deepest JSON nesting accepted; chat bodies need < 10, attackers send thousands. */
    maxJsonDepth: z.number().int().min(4).max(1000).default(64),
    /** Slowloris protection: a client must send all headers within this time… */
    headersTimeoutMs: durationMs(10_000),
    /** …and the whole request within this time. */
    requestTimeoutMs: durationMs(60_000),
    keepAliveTimeoutMs: durationMs(5_000),
    /** On SIGTERM, how long in-flight requests may take to finish. */
    shutdownGraceMs: durationMs(15_000),
    /** Honour X-Forwarded-For only behind a proxy you control. */
    trustProxy: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    tls: tlsSchema.optional(),
    /** Where keys, events and the server secret live. */
    dataDir: z.string().default(".portcullis"),
    /** Keys and events: SQLite in the data directory, or PostgreSQL for several replicas. */
    store: storeSectionSchema.default(storeSectionSchema.parse({ type: "sqlite" })),
    logging: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      })
      .strict()
      .default({ level: "info" }),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** Require an admin or auditor key for /metrics (set when the gateway is reachable beyond loopback). */
        requireAuth: z.boolean().default(false),
      })
      .strict()
      .default({ enabled: true, requireAuth: false }),
    /** The tamper-evident audit log (docs/audit.md). */
    audit: auditSectionSchema.default(AUDIT_DEFAULTS),
    /** Payload logging: off by default, always encrypted when on (docs/encryption.md). */
    payloads: payloadsSectionSchema.default(PAYLOADS_DEFAULTS),
    /** SIEM exporters (docs/siem.md). */
    siem: siemSectionSchema.default({ exporters: [] }),
    /** Rate limits, token budgets, concurrency and overload protection (docs/configuration.md). */
    limits: limitsSectionSchema.default(limitsSectionSchema.parse({})),
    /** Incident rules, playbooks and automated response (docs/incidents.md). */
    incidents: incidentsSectionSchema.prefault({}),
    /** Behaviour analytics: model extraction, scraping, insider misuse, key sharing (docs/analytics.md). */
    analytics: analyticsSectionSchema.default(ANALYTICS_DEFAULTS),
    /** Inbound and outbound inspection. */
    guards: guardsSectionSchema.default({ enabled: true }),
    /** Policies as code (docs/policies.md); the shipped default policy applies when there are none. */
    policies: z.array(policySchema).default([]),
    /** A folder of policy files (*.yaml), added to `policies`; `*.test.yaml` files hold policy tests. */
    policyDir: z.string().optional(),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i), providerSchema),
    models: z.array(modelSchema).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.models.forEach((model, index) => {
      if (!config.providers[model.provider]) {
        ctx.addIssue({
          code: "custom",
          path: ["models", index, "provider"],
          message: `unknown provider "${model.provider}"; defined providers: ${Object.keys(config.providers).join(", ") || "none"}`,
        });
      }
      for (const name of [model.name, ...model.aliases]) {
        const previous = seen.get(name);
        if (previous !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["models", index],
            message: `model name or alias "${name}" is already used by models[${previous}]`,
          });
        }
        seen.set(name, index);
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
