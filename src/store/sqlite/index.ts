import Database from "better-sqlite3";
import type { SecurityEvent } from "../../events/index.js";
import type { EventPage, EventQuery, KeyPatch, KeyRecord, Store } from "../types.js";
import { openSqliteIncidents } from "./incidents.js";
import { openSqlitePayloads } from "./payloads.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  team TEXT NOT NULL,
  role TEXT NOT NULL,
  models TEXT NOT NULL,
  status TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('keys_version', 0);
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  time INTEGER NOT NULL,
  key_id TEXT,
  team TEXT,
  activity TEXT NOT NULL,
  model TEXT,
  decision TEXT NOT NULL,
  status INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events (time);
CREATE INDEX IF NOT EXISTS events_key_time ON events (key_id, time);
CREATE INDEX IF NOT EXISTS events_decision_time ON events (decision, time);
`;

interface KeyRow {
  id: string;
  name: string;
  team: string;
  role: string;
  models: string;
  status: string;
  hash: string;
  prefix: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

/**
 * The embedded default store. WAL mode lets the CLI change keys while a gateway runs; writes of
 * events arrive in batches from the event bus, one transaction per batch.
 */
export function openSqliteStore(file: string): Store {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  const payloads = openSqlitePayloads(db);
  const incidents = openSqliteIncidents(db);

  const insertKey = db.prepare(
    `INSERT INTO keys (id, name, team, role, models, status, hash, prefix, created_at, updated_at, expires_at)
     VALUES (@id, @name, @team, @role, @models, @status, @hash, @prefix, @createdAt, @updatedAt, @expiresAt)`,
  );
  const bumpKeys = db.prepare(`UPDATE meta SET value = value + 1 WHERE name = 'keys_version'`);
  const keysVersion = db.prepare(`SELECT value FROM meta WHERE name = 'keys_version'`).pluck();
  const getKey = db.prepare(`SELECT * FROM keys WHERE id = ?`);
  const listKeys = db.prepare(`SELECT * FROM keys ORDER BY created_at, id`);
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (id, time, key_id, team, activity, model, decision, status, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const appendBatch = db.transaction((events: readonly SecurityEvent[]) => {
    for (const e of events) {
      insertEvent.run(
        e.id,
        e.time,
        e.actor.key_id,
        e.actor.team ?? null,
        e.activity,
        e.model ?? null,
        e.decision.action,
        e.http?.status ?? null,
        JSON.stringify(e),
      );
    }
  });
  const writeKey = db.transaction((record: KeyRecord) => {
    insertKey.run({ ...record, models: JSON.stringify(record.models) });
    bumpKeys.run();
  });

  return {
    kind: "sqlite",
    payloads,
    incidents,
    async insertKey(record) {
      writeKey(record);
    },
    async getKey(id) {
      const row = getKey.get(id) as KeyRow | undefined;
      return row && toRecord(row);
    },
    async listKeys() {
      return (listKeys.all() as KeyRow[]).map(toRecord);
    },
    async updateKey(id: string, patch: KeyPatch) {
      const update = db.transaction(() => {
        const row = getKey.get(id) as KeyRow | undefined;
        if (!row) return undefined;
        const next: KeyRecord = { ...toRecord(row), ...patch, updatedAt: Date.now() };
        db.prepare(
          `UPDATE keys SET name = @name, team = @team, role = @role, models = @models, status = @status,
             expires_at = @expiresAt, updated_at = @updatedAt WHERE id = @id`,
        ).run({ ...next, models: JSON.stringify(next.models) });
        bumpKeys.run();
        return next;
      });
      return update();
    },
    async keysVersion() {
      return keysVersion.get() as number;
    },
    async appendEvents(events) {
      appendBatch(events);
    },
    async queryEvents(query: EventQuery): Promise<EventPage> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => {
        where.push(clause);
        params.push(value);
      };
      if (query.since !== undefined) add("time >= ?", query.since);
      if (query.until !== undefined) add("time < ?", query.until);
      if (query.keyId) add("key_id = ?", query.keyId);
      if (query.team) add("team = ?", query.team);
      if (query.decision) add("decision = ?", query.decision);
      if (query.model) add("model = ?", query.model);
      if (query.activity) add("activity = ?", query.activity);
      if (query.cursor) add("id < ?", query.cursor);
      const sql = `SELECT data FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                   ORDER BY id DESC LIMIT ?`;
      const rows = db
        .prepare(sql)
        .pluck()
        .all(...params, query.limit + 1) as string[];
      const events = rows.slice(0, query.limit).map((data) => JSON.parse(data) as SecurityEvent);
      const last = events.at(-1);
      return { events, nextCursor: rows.length > query.limit && last ? last.id : null };
    },
    async close() {
      db.close();
    },
  };
}
