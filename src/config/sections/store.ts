import { z } from "zod";
import { secretRef } from "../secret-ref.js";

/**
 * `store`: where keys and events live. SQLite (one file in the data directory) needs nothing; a
 * PostgreSQL server lets several gateway replicas share keys and events. Either way, events reach
 * the store through a durable queue on disk, so an outage of the store delays them, never loses them.
 */

const queueSchema = z
  .object({
    /**
     * Disk bound of the store's event queue (`<dataDir>/queues/store/`): how much backlog an outage
     * of the store may build before new events are dropped (counted in
     * portcullis_events_dropped_total and logged). At ~0.5 KB per event, 256 MiB is ~500k events.
     */
    maxBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(64 * 1024 * 1024 * 1024)
      .default(256 * 1024 * 1024),
  })
  .strict();

const sqliteStore = z
  .object({
    type: z.literal("sqlite"),
    queue: queueSchema.default(queueSchema.parse({})),
  })
  .strict();

const postgresSsl = z
  .object({
    /** CA bundle (PEM file) for a server behind a private CA. */
    ca: z.string().min(1).optional(),
    /** Certificate verification is on by default. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const postgresStore = z
  .object({
    type: z.literal("postgres"),
    /** Connection string, as a secret reference: it usually carries a password. */
    url: secretRef,
    /** TLS to the server: `true` verifies against the system CAs; an object sets a CA. */
    ssl: z.union([z.boolean(), postgresSsl]).optional(),
    /** Connections per gateway process; several replicas multiply it against max_connections. */
    poolSize: z.number().int().min(1).max(100).default(10),
    /** Schema that holds Portcullis' tables (created when missing), so one database can host several. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
        message: "expected a lower-case SQL identifier (letters, digits, _)",
      })
      .default("public"),
    queue: queueSchema.default(queueSchema.parse({})),
  })
  .strict();

export const storeSectionSchema = z.discriminatedUnion("type", [sqliteStore, postgresStore]);

export type StoreConfig = z.infer<typeof storeSectionSchema>;
