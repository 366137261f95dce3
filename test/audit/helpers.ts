import Database from "better-sqlite3";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditDbFile, openAuditLog, type AuditLog, type AuditSettings } from "../../src/audit/index.js";
import type { SecurityEvent } from "../../src/events/index.js";

export const ORIGIN = "test.example/audit";

export function sampleEvent(i: number, extra: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: `0190c0de-0000-7000-8000-${String(i).padStart(12, "0")}`,
    time: 1_750_000_000_000 + i,
    class: i % 7 === 3 ? "admin_activity" : "api_activity",
    activity: i % 7 === 3 ? "key.created" : "chat.completions",
    severity: "info",
    actor: { key_id: `key_${i % 3}`, team: "default" },
    http: { method: "POST", path: "/v1/chat/completions", status: 200 },
    decision: { action: "allow", monitor_only: false, reasons: [] },
    findings: [],
    payload_ref: i % 2 ? `payload/${i}` : null,
    ...extra,
  };
}

export function settings(overrides: Partial<AuditSettings> = {}): AuditSettings {
  return { origin: ORIGIN, checkpoint: { everyEvents: 5, everySeconds: 3600 }, export: {}, ...overrides };
}

export function tempDir(prefix = "pcx-audit-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A data directory holding a log of `count` records, appended one by one, closed cleanly. */
export async function buildLog(
  count: number,
  overrides: Partial<AuditSettings> = {},
): Promise<{ dataDir: string; log: AuditLog }> {
  const dataDir = tempDir();
  const log = openAuditLog({ dataDir, settings: settings(overrides) });
  for (let i = 0; i < count; i++) log.append([sampleEvent(i)]);
  await log.close();
  return { dataDir, log };
}

/** A copy of a data directory, for one tampering experiment. */
export function copyDataDir(dataDir: string): string {
  const copy = tempDir("pcx-tamper-");
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

/** Opens audit.db as an attacker would: read-write, triggers dropped first. */
export function attack(dataDir: string, sql: (db: Database.Database) => void): void {
  const db = new Database(auditDbFile(dataDir));
  db.exec(`
    DROP TRIGGER IF EXISTS leaves_no_update; DROP TRIGGER IF EXISTS leaves_no_delete;
    DROP TRIGGER IF EXISTS checkpoints_no_update; DROP TRIGGER IF EXISTS checkpoints_no_delete;`);
  sql(db);
  db.close();
}
