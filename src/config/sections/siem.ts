import { z } from "zod";
import { secretRef } from "../secret-ref.js";

/**
 * `siem`: where security events go besides the store. Each exporter is one destination with its
 * own format, transport, filter and on-disk queue (docs/siem.md). The list of types here is checked
 * against the exporter registry in src/siem/ by a test (STYLE.md §7), so the two cannot drift.
 */

const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
const EVENT_CLASSES = ["api_activity", "admin_activity", "detection_finding", "system"] as const;

/** RFC 5424 §6.2.1, table 1: facility names as the syslog tools spell them. */
export const SYSLOG_FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "ntp",
  "audit",
  "alert",
  "clock",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;

const filterSchema = z
  .object({
    /** Only events at least this severe (the event's own severity or its most severe finding's). */
    minSeverity: z.enum(SEVERITIES).default("info"),
    /** Only events with a finding in one of these categories (e.g. prompt_injection, secret); empty: all. */
    categories: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/)).default([]),
    /** Only these event classes; empty: all. */
    classes: z.array(z.enum(EVENT_CLASSES)).default([]),
  })
  .strict();

const queueSchema = z
  .object({
    /** Bound of the exporter's on-disk queue while its receiver is down; overflow is counted and logged. */
    maxBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(64 * 1024 ** 3)
      .default(256 * 1024 * 1024),
    /** Attempts before a batch is moved to the dead-letter file; absent: retry until the receiver is back. */
    maxAttempts: z.number().int().positive().max(1_000_000).optional(),
    /** Wait between attempts: exponential from initialMs up to maxMs, with jitter; absent: the bus default. */
    backoff: z
      .object({
        initialMs: z.number().int().positive().max(60_000),
        maxMs: z.number().int().positive().max(3_600_000),
      })
      .strict()
      .refine((b) => b.maxMs >= b.initialMs, { message: "maxMs must be at least initialMs", path: ["maxMs"] })
      .optional(),
  })
  .strict();

/** Printable US-ASCII without space (RFC 5424 §6: PRINTUSASCII), as HOSTNAME and APP-NAME require. */
const printUsAscii = (max: number) => z.string().regex(new RegExp(`^[\\x21-\\x7e]{1,${max}}$`));

const common = {
  /** Names the exporter in logs, metrics and its queue directory. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, {
    message: "letters, digits, '_' and '-' (at most 63), starting with a letter or digit",
  }),
  filter: filterSchema.default(filterSchema.parse({})),
  queue: queueSchema.default(queueSchema.parse({})),
  /** Connect and send timeout per batch: a stuck receiver fails the batch (retried later), never hangs it. */
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
};

const tlsClientSchema = z
  .object({
    /** CA bundle (PEM file) for a receiver behind a private CA. */
    ca: z.string().min(1).optional(),
    /** Client certificate and key (PEM files) when the receiver requires mutual TLS. */
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** Name checked against the receiver's certificate when `host` is an IP address. */
    servername: z.string().min(1).max(255).optional(),
    /** Certificate verification is on by default (RFC 5425 §5.2 requires authenticating the receiver). */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict()
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: "cert and key go together",
    path: ["cert"],
  });

const syslogTransport = {
  /** `tcp` and `tls` frame messages by octet counting (RFC 6587 §3.4.1, RFC 5425 §4.3); `udp` is one datagram each (RFC 5426). */
  protocol: z.enum(["udp", "tcp", "tls"]).default("tcp"),
  host: z.string().min(1).max(255),
  /** Default 514 for udp and tcp, 6514 for tls (RFC 5425 §4.1). */
  port: z.number().int().min(1).max(65_535).optional(),
  tls: tlsClientSchema.optional(),
  facility: z.enum(SYSLOG_FACILITIES).default("local0"),
  /** HOSTNAME field (RFC 5424 §6.2.4); default: this machine's name. */
  hostname: printUsAscii(255).optional(),
  /** APP-NAME field (RFC 5424 §6.2.5). */
  appName: printUsAscii(48).default("portcullis"),
  /** Longest message sent; longer ones are truncated. Default 2048 for udp (RFC 5426 §3.2), 8192 otherwise (RFC 5425 §4.3.1). */
  maxMessageBytes: z
    .number()
    .int()
    .min(480)
    .max(1024 * 1024)
    .optional(),
  /**
   * Syslog over TCP has no acknowledgement: a batch counts as delivered when it was written and the
   * connection was still up this long afterwards, so a receiver that dies mid-batch gets it again.
   */
  settleMs: z.number().int().min(0).max(10_000).default(50),
};

/**
 * SD-ID of the structured data element (RFC 5424 §6.3.2): a private name is `name@<enterprise number>`.
 * 32473 is the number IANA reserves for documentation (RFC 5612); set your own if you have one.
 */
const sdId = z
  .string()
  .regex(/^[\x21-\x7e]{1,32}$/)
  .regex(/^[^=\]"@\s]+@[0-9]+(\.[0-9]+)*$/, { message: "expected name@<private enterprise number>" });

const url = z.url({ protocol: /^https?$/ }).refine((value) => !/^[a-z]+:\/\/[^/]*@/i.test(value), {
  message: "credentials in the URL are not allowed; use a secret reference setting",
});

const httpTlsSchema = z
  .object({
    ca: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

/** Header names that carry credentials: their values must be secret references. */
const SENSITIVE_HEADER = /(authorization|cookie|token|secret|password|api[-_]?key)/i;

const httpBase = {
  url,
  tls: httpTlsSchema.optional(),
};

/** `ocsf` and `file` write OCSF records; `event` writes Portcullis' own SecurityEvent JSON. */
const format = z.enum(["ocsf", "event"]).default("ocsf");

const syslogExporter = z
  .object({
    type: z.literal("syslog"),
    ...common,
    ...syslogTransport,
    sdId: sdId.default("portcullis@32473"),
  })
  .strict();

const cefExporter = z.object({ type: z.literal("cef"), ...common, ...syslogTransport }).strict();

const ocsfExporter = z
  .object({
    type: z.literal("ocsf"),
    ...common,
    ...httpBase,
    /** Sent as the Authorization header. */
    authorization: secretRef.optional(),
    /** Extra headers; values of credential-like headers must be secret references. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(4096)).default({}),
  })
  .strict()
  .superRefine((exporter, ctx) => {
    for (const [name, value] of Object.entries(exporter.headers)) {
      if (SENSITIVE_HEADER.test(name) && !secretRef.safeParse(value).success) {
        ctx.addIssue({
          code: "custom",
          path: ["headers", name],
          message: "a credential header must be a secret reference (env:NAME or file:PATH)",
        });
      }
    }
  });

const splunkHecExporter = z
  .object({
    type: z.literal("splunk_hec"),
    ...common,
    /** The HEC base URL (https://splunk:8088) or the full /services/collector/event URL. */
    ...httpBase,
    /** The HEC token, sent as `Authorization: Splunk <token>`. */
    token: secretRef,
    index: z.string().min(1).max(256).optional(),
    source: z.string().min(1).max(256).default("portcullis"),
    /** Default: `ocsf` for OCSF records, `portcullis:event` for raw events. */
    sourcetype: z.string().min(1).max(256).optional(),
    format,
  })
  .strict();

const webhookExporter = z
  .object({
    type: z.literal("webhook"),
    ...common,
    ...httpBase,
    /** HMAC-SHA-256 key for the X-Portcullis-Signature header. */
    secret: secretRef,
    format,
  })
  .strict();

const fileExporter = z
  .object({
    type: z.literal("file"),
    ...common,
    /** JSON lines are appended (relative to the configuration file); works with logrotate's `create`. */
    path: z.string().min(1),
    format,
  })
  .strict();

export const siemExporterSchema = z.discriminatedUnion("type", [
  syslogExporter,
  cefExporter,
  ocsfExporter,
  splunkHecExporter,
  webhookExporter,
  fileExporter,
]);

export const siemSectionSchema = z
  .object({ exporters: z.array(siemExporterSchema).max(32).default([]) })
  .strict()
  .superRefine((siem, ctx) => {
    const seen = new Set<string>();
    siem.exporters.forEach((exporter, index) => {
      if (seen.has(exporter.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["exporters", index, "name"],
          message: `exporter name "${exporter.name}" is used twice`,
        });
      }
      seen.add(exporter.name);
    });
  });

export type SiemSection = z.infer<typeof siemSectionSchema>;
export type SiemExporterConfig = z.infer<typeof siemExporterSchema>;
