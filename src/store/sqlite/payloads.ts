import type Database from "better-sqlite3";
import type {
  KekVersionRecord,
  PayloadRecord,
  PayloadShredFilter,
  PayloadStore,
  TeamKeyRecord,
} from "../types.js";

/**
 * Encrypted payloads and their wrapped keys (docs/encryption.md) in the SQLite store. No plaintext
 * and no unwrapped key ever reaches these tables.
 *
 * Crypto-shredding needs deleted bytes to be gone from the files, not only from the tables:
 * `secure_delete` makes SQLite overwrite deleted content with zeros (sqlite.org/pragma.html
 * #pragma_secure_delete), and after a shred a TRUNCATE checkpoint copies the zeroed pages into the
 * database file and empties the WAL, which still held the old page images.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS payload_kek_versions (
  version INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  salt BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS payload_team_keys (
  id TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  day INTEGER NOT NULL,
  kek_version INTEGER NOT NULL,
  wrapped BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS payload_team_keys_team_day ON payload_team_keys (team, day);
CREATE INDEX IF NOT EXISTS payload_team_keys_version ON payload_team_keys (kek_version);
CREATE TABLE IF NOT EXISTS payloads (
  id TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  team_key_id TEXT NOT NULL,
  mode TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  wrapped_dek BLOB,
  ciphertext BLOB,
  digest TEXT NOT NULL,
  shredded_at INTEGER
);
CREATE INDEX IF NOT EXISTS payloads_team_time ON payloads (team, created_at);
CREATE INDEX IF NOT EXISTS payloads_time ON payloads (created_at);
INSERT OR IGNORE INTO meta (name, value) VALUES ('payload_keys_version', 0);
`;

const DAY_MS = 86_400_000;

interface TeamKeyRow {
  id: string;
  team: string;
  day: number;
  kek_version: number;
  wrapped: Buffer;
  created_at: number;
}

interface PayloadRow {
  id: string;
  team: string;
  team_key_id: string;
  mode: string;
  created_at: number;
  wrapped_dek: Buffer | null;
  ciphertext: Buffer | null;
  digest: string;
  shredded_at: number | null;
}

const teamKey = (r: TeamKeyRow): TeamKeyRecord => ({
  id: r.id,
  team: r.team,
  day: r.day,
  kekVersion: r.kek_version,
  wrapped: r.wrapped,
  createdAt: r.created_at,
});

/** Builds the WHERE clauses of a shred: payloads by id/team/time, team keys whose whole day is before the cut. */
function shredWhere(filter: PayloadShredFilter) {
  const payloads: string[] = ["shredded_at IS NULL"];
  const payloadParams: unknown[] = [];
  const keys: string[] = [];
  const keyParams: unknown[] = [];
  if (filter.id !== undefined) {
    payloads.push("id = ?");
    payloadParams.push(filter.id);
  }
  if (filter.team !== undefined) {
    payloads.push("team = ?");
    payloadParams.push(filter.team);
    keys.push("team = ?");
    keyParams.push(filter.team);
  }
  if (filter.before !== undefined) {
    payloads.push("created_at < ?");
    payloadParams.push(filter.before);
    // A day's key goes only when the whole day is before the cut; the payloads of a partly
    // covered day lose their own DEKs above.
    keys.push("day < ?");
    keyParams.push(Math.floor(filter.before / DAY_MS));
  }
  return { payloads, payloadParams, keys: filter.id !== undefined ? undefined : keys, keyParams };
}

export function openSqlitePayloads(db: Database.Database): PayloadStore {
  db.pragma("secure_delete = ON");
  db.exec(SCHEMA);
  const versions = db.prepare(
    `SELECT version, fingerprint, salt, created_at FROM payload_kek_versions ORDER BY version`,
  );
  const addVersion = db.prepare(
    `INSERT OR IGNORE INTO payload_kek_versions (version, fingerprint, salt, created_at) VALUES (?, ?, ?, ?)`,
  );
  const bump = db.prepare(`UPDATE meta SET value = value + 1 WHERE name = 'payload_keys_version'`);
  const keysVersion = db.prepare(`SELECT value FROM meta WHERE name = 'payload_keys_version'`).pluck();
  const insertTeamKey = db.prepare(
    `INSERT OR IGNORE INTO payload_team_keys (id, team, day, kek_version, wrapped, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertPayload = db.prepare(
    `INSERT OR IGNORE INTO payloads (id, team, team_key_id, mode, created_at, wrapped_dek, ciphertext, digest)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const getPayload = db.prepare(`SELECT * FROM payloads WHERE id = ?`);
  const getTeamKey = db.prepare(`SELECT * FROM payload_team_keys WHERE id = ?`);
  const notUnder = db.prepare(
    `SELECT * FROM payload_team_keys WHERE kek_version <> ? ORDER BY created_at, id LIMIT ?`,
  );
  const rewrap = db.prepare(
    `UPDATE payload_team_keys SET kek_version = ?, wrapped = ? WHERE id = ? AND kek_version = ?`,
  );
  const teams = db.prepare(`SELECT DISTINCT team FROM payload_team_keys ORDER BY team`).pluck();

  const addVersionTx = db.transaction((v: KekVersionRecord) => {
    const changed = addVersion.run(v.version, v.fingerprint, v.salt, v.createdAt).changes > 0;
    if (changed) bump.run();
    return changed;
  });
  const write = db.transaction(
    (keys: readonly TeamKeyRecord[], payloads: readonly Omit<PayloadRecord, "shreddedAt">[]) => {
      for (const k of keys) insertTeamKey.run(k.id, k.team, k.day, k.kekVersion, k.wrapped, k.createdAt);
      for (const p of payloads)
        insertPayload.run(
          p.id,
          p.team,
          p.teamKeyId,
          p.mode,
          p.createdAt,
          p.wrappedDek,
          p.ciphertext,
          p.digest,
        );
    },
  );
  let compactionPending = false;
  const shred = db.transaction((filter: PayloadShredFilter, now: number) => {
    const where = shredWhere(filter);
    const payloads = db
      .prepare(
        `UPDATE payloads SET wrapped_dek = NULL, ciphertext = NULL, shredded_at = ? WHERE ${where.payloads.join(" AND ")}`,
      )
      .run(now, ...where.payloadParams).changes;
    const teamKeys = where.keys
      ? db.prepare(`DELETE FROM payload_team_keys WHERE ${where.keys.join(" AND ")}`).run(...where.keyParams)
          .changes
      : 0;
    if (payloads + teamKeys > 0) bump.run();
    return { payloads, teamKeys };
  });

  return {
    async kekVersions() {
      return (
        versions.all() as { version: number; fingerprint: string; salt: Buffer; created_at: number }[]
      ).map((r) => ({
        version: r.version,
        fingerprint: r.fingerprint,
        salt: r.salt,
        createdAt: r.created_at,
      }));
    },
    async addKekVersion(version) {
      return addVersionTx(version);
    },
    async payloadKeysVersion() {
      return keysVersion.get() as number;
    },
    async writePayloads(keys, payloads) {
      write(keys, payloads);
    },
    async getPayload(id) {
      const r = getPayload.get(id) as PayloadRow | undefined;
      return (
        r && {
          id: r.id,
          team: r.team,
          teamKeyId: r.team_key_id,
          mode: r.mode,
          createdAt: r.created_at,
          wrappedDek: r.wrapped_dek,
          ciphertext: r.ciphertext,
          digest: r.digest,
          shreddedAt: r.shredded_at,
        }
      );
    },
    async getTeamKey(id) {
      const r = getTeamKey.get(id) as TeamKeyRow | undefined;
      return r && teamKey(r);
    },
    async teamKeysNotUnder(version, limit) {
      return (notUnder.all(version, limit) as TeamKeyRow[]).map(teamKey);
    },
    async rewrapTeamKey(id, fromVersion, next) {
      const changed = rewrap.run(next.kekVersion, next.wrapped, id, fromVersion).changes > 0;
      return changed;
    },
    async payloadTeams() {
      return teams.all() as string[];
    },
    async shredPayloads(filter, now = Date.now()) {
      if (filter.id === undefined && filter.team === undefined && filter.before === undefined)
        throw new RangeError("a shred needs an id, a team or a time");
      const result = shred(filter, now);
      if (result.payloads + result.teamKeys === 0 && !compactionPending)
        return { ...result, compacted: true };
      // Copy the zeroed pages into the database file and empty the WAL (its frames still hold the
      // old page images). A TRUNCATE checkpoint waits for readers of older snapshots through the
      // busy handler; this connection also serves the gateway's event loop, so it waits briefly,
      // reports `compacted: false` when another process still reads, and the next shred (the
      // retention job's next run) tries again.
      const timeout = db.pragma("busy_timeout", { simple: true }) as number;
      db.pragma("busy_timeout = 200");
      try {
        const [busy] = (db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[]).map((r) => r.busy);
        compactionPending = busy !== 0;
        return { ...result, compacted: busy === 0 };
      } finally {
        db.pragma(`busy_timeout = ${Number(timeout) || 5000}`);
      }
    },
    async payloadStats() {
      const counts = db
        .prepare(`SELECT count(*) AS total, count(shredded_at) AS shredded FROM payloads`)
        .get() as { total: number; shredded: number };
      const byVersion = db
        .prepare(
          `SELECT kek_version AS v, count(*) AS n FROM payload_team_keys GROUP BY kek_version ORDER BY kek_version`,
        )
        .all() as { v: number; n: number }[];
      return {
        payloads: counts.total,
        shredded: counts.shredded,
        teamKeys: byVersion.reduce((sum, r) => sum + r.n, 0),
        teamKeysByVersion: Object.fromEntries(byVersion.map((r) => [String(r.v), r.n])),
      };
    },
  };
}
