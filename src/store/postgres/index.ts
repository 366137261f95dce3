import pg from "pg";
import type { SecurityEvent } from "../../events/index.js";
import type { EventPage, EventQuery, KeyPatch, KeyRecord, Store } from "../types.js";
import { migrate, quoteIdent } from "./migrate.js";
import { openPostgresIncidents } from "./incidents.js";
import { openPostgresPayloads } from "./payloads.js";

export interface PostgresStoreOptions {
  /** Connection string: postgres://user:password@host:port/database (already resolved from env:/file:). */
  url: string;
  /** TLS: `true` verifies the server against the system CAs; `ca` is PEM text for a private CA. */
  ssl?: boolean | { ca?: string; rejectUnauthorized?: boolean };
  /** Connections in the pool. */
  poolSize?: number;
  /** Schema for the tables, created when missing (default `public`). */
  schema?: string;
  /** An idle pooled connection broke (server restart, network): reported, and the pool reconnects. */
  onError?: (error: unknown) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Fail fast while the server is down, so the event queue backs off instead of hanging. */
const CONNECT_TIMEOUT_MS = 5_000;
/** No store call may hang forever on a half-open connection. */
const QUERY_TIMEOUT_MS = 30_000;

interface KeyRow {
  id: string;
  name: string;
  team: string;
  role: string;
  models: string;
  status: string;
  hash: string;
  prefix: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

function toRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    role: row.role as KeyRecord["role"],
    models: JSON.parse(row.models) as string[],
    status: row.status as KeyRecord["status"],
    hash: row.hash,
    prefix: row.prefix,
    // bigint arrives as a string (it may exceed 2^53); epoch milliseconds do not.
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/**
 * PostgreSQL text cannot hold U+0000 (docs §8.3), and a client controls fields such as the model
 * name. The indexed columns drop it — filters get the same treatment, so they still match — while
 * `data` keeps the exact event (JSON escapes it as \u0000).
 */
function column(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.includes("\0") ? value.replaceAll("\0", "") : value;
}

const KEY_COLUMNS = `id, name, team, role, models, status, hash, prefix, created_at, updated_at, expires_at`;

/**
 * The store for several gateway replicas: keys and events in one PostgreSQL database. Migrations run
 * at open (see migrate.ts). Key writes bump a version counter in the same statement, and every
 * replica's key cache polls it. Event batches are one INSERT each, with the columns sent as arrays
 * and expanded by `unnest`, so a batch is one statement with nine parameters whatever its size;
 * `ON CONFLICT DO NOTHING` makes a re-delivered batch (the event queue is at-least-once) harmless.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? "public";
  if (!SCHEMA_NAME.test(schema))
    throw new RangeError(`postgres schema "${schema}" is not a plain SQL identifier`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    // Every connection resolves the unqualified table names in our schema.
    options: `-c search_path=${quoteIdent(schema)}`,
    application_name: "portcullis",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
  });
  // Without a listener, an idle connection's error would crash the process (node-postgres docs, Pool).
  pool.on("error", (error) => options.onError?.(error));
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    kind: "postgres",
    payloads: openPostgresPayloads(pool, transaction),
    incidents: openPostgresIncidents(pool, transaction),

    async insertKey(record) {
      await pool.query(
        `WITH inserted AS (
           INSERT INTO keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING 1
         )
         UPDATE meta SET value = value + 1 WHERE name = 'keys_version' AND EXISTS (SELECT 1 FROM inserted)`,
        [
          record.id,
          record.name,
          record.team,
          record.role,
          JSON.stringify(record.models),
          record.status,
          record.hash,
          record.prefix,
          record.createdAt,
          record.updatedAt,
          record.expiresAt,
        ],
      );
    },

    async getKey(id) {
      const { rows } = await pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1`, [id]);
      return rows[0] && toRecord(rows[0]);
    },

    async listKeys() {
      const { rows } = await pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys ORDER BY created_at, id`);
      return rows.map(toRecord);
    },

    async updateKey(id: string, patch: KeyPatch) {
      return transaction(async (client) => {
        const { rows } = await client.query<KeyRow>(
          `SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!rows[0]) return undefined;
        const next: KeyRecord = { ...toRecord(rows[0]), ...patch, updatedAt: Date.now() };
        await client.query(
          `UPDATE keys SET name = $2, team = $3, role = $4, models = $5, status = $6, expires_at = $7, updated_at = $8
           WHERE id = $1`,
          [
            id,
            next.name,
            next.team,
            next.role,
            JSON.stringify(next.models),
            next.status,
            next.expiresAt,
            next.updatedAt,
          ],
        );
        await client.query(`UPDATE meta SET value = value + 1 WHERE name = 'keys_version'`);
        return next;
      });
    },

    async keysVersion() {
      const { rows } = await pool.query<{ value: string }>(
        `SELECT value FROM meta WHERE name = 'keys_version'`,
      );
      return Number(rows[0]?.value ?? 0);
    },

    async appendEvents(events: readonly SecurityEvent[]) {
      if (events.length === 0) return;
      const columns: unknown[][] = [[], [], [], [], [], [], [], [], []];
      for (const e of events) {
        columns[0]!.push(e.id);
        columns[1]!.push(e.time);
        columns[2]!.push(column(e.actor.key_id));
        columns[3]!.push(column(e.actor.team));
        columns[4]!.push(column(e.activity));
        columns[5]!.push(column(e.model));
        columns[6]!.push(column(e.decision.action));
        columns[7]!.push(e.http?.status ?? null);
        columns[8]!.push(JSON.stringify(e));
      }
      await pool.query(
        `INSERT INTO events (id, time, key_id, team, activity, model, decision, status, data)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::text[], $8::integer[], $9::text[])
         ON CONFLICT (id) DO NOTHING`,
        columns,
      );
    },

    async queryEvents(query: EventQuery): Promise<EventPage> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => {
        params.push(value);
        where.push(clause.replace("?", `$${params.length}`));
      };
      if (query.since !== undefined) add("time >= ?", query.since);
      if (query.until !== undefined) add("time < ?", query.until);
      if (query.keyId) add("key_id = ?", column(query.keyId));
      if (query.team) add("team = ?", column(query.team));
      if (query.decision) add("decision = ?", query.decision);
      if (query.model) add("model = ?", column(query.model));
      if (query.activity) add("activity = ?", column(query.activity));
      if (query.cursor) add("id < ?", query.cursor);
      params.push(query.limit + 1);
      const { rows } = await pool.query<{ data: string }>(
        `SELECT data FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      const events = rows.slice(0, query.limit).map((r) => JSON.parse(r.data) as SecurityEvent);
      const last = events.at(-1);
      return { events, nextCursor: rows.length > query.limit && last ? last.id : null };
    },

    async close() {
      await pool.end();
    },
  };
}
