import { z } from "zod";
import { secretRef } from "../secret-ref.js";

/**
 * The `audit:` section: the tamper-evident audit log (docs/audit.md). Every security event,
 * admin actions included, is appended to a Merkle tree in `<dataDir>/audit.db`; signed tree heads
 * (checkpoints) are written at the cadence below and copied to the export targets, so that a copy
 * lives outside the database an attacker might control.
 */

/** C2SP signed-note key names (the origin doubles as the key name): no spaces, no plus. */
const origin = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s+\p{Cc}]+$/u, { message: "an origin must not contain spaces, '+' or control characters" });

const checkpointSchema = z
  .object({
    /** Sign a checkpoint after this many new events… */
    everyEvents: z.number().int().positive().max(10_000_000).default(1000),
    /** …or this many seconds after the first event not yet covered, whichever comes first. */
    everySeconds: z.number().int().positive().max(86_400).default(60),
  })
  .strict();

const fileTargetSchema = z
  .object({
    /** Put it on storage the gateway's data directory does not share (another disk, a mount). */
    path: z.string().min(1),
    /** `append`: every checkpoint is added to the file; `latest`: the file holds the newest one, replaced atomically. */
    mode: z.enum(["append", "latest"]).default("append"),
  })
  .strict();

const syslogTargetSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(514),
    /** RFC 5424 messages; over TCP with RFC 6587 octet-counting framing. */
    protocol: z.enum(["udp", "tcp"]).default("udp"),
  })
  .strict();

const webhookTargetSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** When set, each POST carries `X-Portcullis-Signature: sha256=<HMAC-SHA-256 of the body>`. */
    hmacSecret: secretRef.optional(),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  })
  .strict();

export const auditSectionSchema = z
  .object({
    /** On by default: an audit trail that is off when it is needed is worth nothing. */
    enabled: z.boolean().default(true),
    /**
     * The log's identity, first line of every checkpoint and name of its signing key (e.g.
     * `gateway.example.com/audit`). Fixed when the log is created; a random one is chosen when
     * absent.
     */
    origin: origin.optional(),
    checkpoint: checkpointSchema.default({ everyEvents: 1000, everySeconds: 60 }),
    /** Where each checkpoint is copied; none by default (then only audit.db holds them). */
    export: z
      .object({
        file: fileTargetSchema.optional(),
        syslog: syslogTargetSchema.optional(),
        webhook: webhookTargetSchema.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type AuditSection = z.infer<typeof auditSectionSchema>;

export const AUDIT_DEFAULTS: AuditSection = auditSectionSchema.parse({});
