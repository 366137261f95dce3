import Database from "better-sqlite3";
import { join } from "node:path";

/**
 * The audit log's own SQLite file, `<dataDir>/audit.db`, apart from the event store: it has one
 * writer (the gateway's audit subscriber), and `audit verify` / `audit proof` read it offline or
 * beside a running gateway (WAL mode, read-only connections).
 *
 *   leaves       one row per record: its position, its bytes, and SHA-256(0x00 || bytes)
 *   checkpoints  every signed tree head, in signing order (AUTOINCREMENT ids never reused, so a
 *                deleted checkpoint leaves a visible gap)
 *   meta         the log's origin and the cached right edge of the tree (rebuilt when in doubt)
 *
 * The triggers refuse updates and deletes. They stop accidents, not attackers (who can drop
 * them); the Merkle tree and the checkpoints are what make tampering evident.
 */
export const AUDIT_DB_FILE = "audit.db";

export function auditDbFile(dataDir: string): string {
  return join(dataDir, AUDIT_DB_FILE);
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leaves (idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  note TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS leaves_no_update BEFORE UPDATE ON leaves
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS leaves_no_delete BEFORE DELETE ON leaves
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
`;

export function openWriter(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // NORMAL: appends do not wait for the disk (no fsync per batch on the event loop). The log makes
  // them durable before it signs a checkpoint (AuditLog.checkpoint): an exported checkpoint is
  // never ahead of records a power cut could take.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  return db;
}

/** A read-only connection; works while the gateway writes (WAL readers see a consistent snapshot). */
export function openReader(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

export interface CheckpointRow {
  id: number;
  size: number;
  created_at: number;
  note: string;
}

export interface LeafRow {
  idx: number;
  leaf: Buffer;
  hash: Buffer;
}

export function readMeta(db: Database.Database, name: string): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE name = ?").get(name) as { value: string } | undefined;
  return row?.value;
}
