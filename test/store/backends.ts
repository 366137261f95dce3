import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { uuidv7, type SecurityEvent } from "../../src/events/index.js";
import { openPostgresStore, openSqliteStore, type KeyRecord, type Store } from "../../src/store/index.js";

/**
 * The PostgreSQL server the store tests use. Locally it is opt-in (PORTCULLIS_TEST_DATABASE_URL or
 * DATABASE_URL); on CI (CI=true) it is required, with the CI machine's server as the default, so a
 * missing server fails the run instead of skipping it.
 */
export const PG_URL =
  process.env.PORTCULLIS_TEST_DATABASE_URL ||
  process.env.DATABASE_URL ||
  (process.env.CI === "true" ? "postgres://postgres@127.0.0.1:5432/test" : undefined);

export const PG_SKIP_MESSAGE =
  "PostgreSQL store tests SKIPPED: set PORTCULLIS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them (they always run when CI=true)";

export interface Backend {
  name: string;
  skip: boolean;
  /** A fresh, empty database (a new SQLite file, a new PostgreSQL schema). */
  fresh(): Promise<Database>;
  /** Drops what `fresh` made. */
  cleanup(): Promise<void>;
}

export interface Database {
  /** The SQLite file, or the PostgreSQL schema. */
  name: string;
  /** Opens a store on this database; call twice for two replicas sharing it. */
  open(): Promise<Store>;
}

export function sqliteBackend(): Backend {
  const dirs: string[] = [];
  return {
    name: "sqlite",
    skip: false,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), "pcx-store-"));
      dirs.push(dir);
      const file = join(dir, "portcullis.db");
      return { name: file, open: async () => openSqliteStore(file) };
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each `fresh()` is a schema of its own (unique per run and per call), dropped by `cleanup()`. */
export function postgresBackend(url = PG_URL): Backend {
  const run = `pcx_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const schemas: string[] = [];
  return {
    name: "postgres",
    skip: !url,
    async fresh() {
      const schema = `${run}_${schemas.length}`;
      schemas.push(schema);
      return { name: schema, open: () => openPostgresStore({ url: url!, schema, poolSize: 4 }) };
    },
    async cleanup() {
      if (!url || schemas.length === 0) return;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas.splice(0))
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export const T0 = 1_700_000_000_000;

export function event(i: number, over: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: uuidv7(T0 + i),
    time: T0 + i,
    class: "api_activity",
    activity: i % 7 === 0 ? "embeddings" : "chat.completions",
    severity: "info",
    actor: { key_id: i % 2 ? "key_odd" : "key_even", team: i % 4 < 2 ? "red" : "blue" },
    model: i % 3 ? "a" : "b",
    http: { method: "POST", path: "/v1/chat/completions", status: 200 },
    decision: { action: i % 5 === 0 ? "block" : "allow", monitor_only: false, reasons: [] },
    findings: [],
    ...over,
  };
}

export function key(id: string, over: Partial<KeyRecord> = {}): KeyRecord {
  const now = Date.now();
  return {
    id,
    name: `name-${id}`,
    team: "t",
    role: "user",
    models: ["*"],
    status: "active",
    hash: randomBytes(32).toString("hex"),
    prefix: "pcx_Ab12…",
    createdAt: now,
    updatedAt: now,
    expiresAt: null,
    ...over,
  };
}
