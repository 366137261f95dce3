import type { Pool, PoolClient } from "pg";
import { MIGRATIONS, type Migration } from "./migrations/index.js";

/**
 * Advisory lock class for migrations ("PCX" in ASCII); the second key is the schema's hash, so
 * stores in different schemas do not wait for each other.
 */
const LOCK_CLASS = 0x504358;

export class MigrationError extends Error {}

/** A schema name as a quoted SQL identifier (the name is validated by the caller as well). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Brings `schema` up to the newest migration. Everything runs in one transaction that first takes a
 * transaction-level advisory lock (PostgreSQL docs §13.3.5 "Advisory Locks"): when two replicas
 * start at once, the second waits, then finds the migrations recorded and applies nothing. DDL in
 * PostgreSQL is transactional, so a failed migration leaves no half-made schema behind.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
    // CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege; a user allowed only into an
    // existing schema (public, say) must not need it.
    const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await appliedVersions(client);
    const newest = migrations.at(-1)?.version ?? 0;
    const unknown = applied.filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new MigrationError(
        `the database schema "${schema}" has migration ${Math.max(...unknown)}, newer than this Portcullis knows (${newest}): upgrade Portcullis, or use another schema`,
      );
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.includes(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    await client.query("COMMIT");
    return done;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function appliedVersions(client: PoolClient): Promise<number[]> {
  const result = await client.query<{ version: number }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  return result.rows.map((r) => r.version);
}
