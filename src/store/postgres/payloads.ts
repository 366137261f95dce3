import type pg from "pg";
import type {
  KekVersionRecord,
  PayloadRecord,
  PayloadShredFilter,
  PayloadStore,
  TeamKeyRecord,
} from "../types.js";

/**
 * Encrypted payloads and their wrapped keys (docs/encryption.md) in PostgreSQL; tables from
 * migration 0002. Payload batches are one INSERT each, with the columns sent as arrays and
 * expanded by `unnest`; `ON CONFLICT DO NOTHING` makes a re-delivered batch harmless.
 */

const DAY_MS = 86_400_000;

interface TeamKeyRow {
  id: string;
  team: string;
  day: number;
  kek_version: number;
  wrapped: Buffer;
  created_at: string;
}

interface PayloadRow {
  id: string;
  team: string;
  team_key_id: string;
  mode: string;
  created_at: string;
  wrapped_dek: Buffer | null;
  ciphertext: Buffer | null;
  digest: string;
  shredded_at: string | null;
}

const teamKey = (r: TeamKeyRow): TeamKeyRecord => ({
  id: r.id,
  team: r.team,
  day: r.day,
  kekVersion: r.kek_version,
  wrapped: r.wrapped,
  createdAt: Number(r.created_at),
});

/** PostgreSQL text cannot hold U+0000 (a team name comes from an admin, but be total). */
const text = (value: string) => (value.includes("\0") ? value.replaceAll("\0", "") : value);

export function openPostgresPayloads(
  pool: pg.Pool,
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
): PayloadStore {
  const bump = `UPDATE meta SET value = value + 1 WHERE name = 'payload_keys_version'`;
  return {
    async kekVersions() {
      const { rows } = await pool.query<{
        version: number;
        fingerprint: string;
        salt: Buffer;
        created_at: string;
      }>(`SELECT version, fingerprint, salt, created_at FROM payload_kek_versions ORDER BY version`);
      return rows.map((r) => ({
        version: r.version,
        fingerprint: r.fingerprint,
        salt: r.salt,
        createdAt: Number(r.created_at),
      }));
    },

    async addKekVersion(v: KekVersionRecord) {
      return transaction(async (client) => {
        const inserted = await client.query(
          `INSERT INTO payload_kek_versions (version, fingerprint, salt, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (version) DO NOTHING`,
          [v.version, v.fingerprint, v.salt, v.createdAt],
        );
        if (inserted.rowCount === 0) return false;
        await client.query(bump);
        return true;
      });
    },

    async payloadKeysVersion() {
      const { rows } = await pool.query<{ value: string }>(
        `SELECT value FROM meta WHERE name = 'payload_keys_version'`,
      );
      return Number(rows[0]?.value ?? 0);
    },

    async writePayloads(keys, payloads: readonly Omit<PayloadRecord, "shreddedAt">[]) {
      if (keys.length === 0 && payloads.length === 0) return;
      await transaction(async (client) => {
        if (keys.length > 0)
          await client.query(
            `INSERT INTO payload_team_keys (id, team, day, kek_version, wrapped, created_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[], $5::bytea[], $6::bigint[])
             ON CONFLICT (id) DO NOTHING`,
            [
              keys.map((k) => k.id),
              keys.map((k) => text(k.team)),
              keys.map((k) => k.day),
              keys.map((k) => k.kekVersion),
              keys.map((k) => k.wrapped),
              keys.map((k) => k.createdAt),
            ],
          );
        if (payloads.length > 0)
          await client.query(
            `INSERT INTO payloads (id, team, team_key_id, mode, created_at, wrapped_dek, ciphertext, digest)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[],
                                  $7::bytea[], $8::text[])
             ON CONFLICT (id) DO NOTHING`,
            [
              payloads.map((p) => p.id),
              payloads.map((p) => text(p.team)),
              payloads.map((p) => p.teamKeyId),
              payloads.map((p) => p.mode),
              payloads.map((p) => p.createdAt),
              payloads.map((p) => p.wrappedDek),
              payloads.map((p) => p.ciphertext),
              payloads.map((p) => p.digest),
            ],
          );
      });
    },

    async getPayload(id) {
      const { rows } = await pool.query<PayloadRow>(`SELECT * FROM payloads WHERE id = $1`, [id]);
      const r = rows[0];
      return (
        r && {
          id: r.id,
          team: r.team,
          teamKeyId: r.team_key_id,
          mode: r.mode,
          createdAt: Number(r.created_at),
          wrappedDek: r.wrapped_dek,
          ciphertext: r.ciphertext,
          digest: r.digest,
          shreddedAt: r.shredded_at === null ? null : Number(r.shredded_at),
        }
      );
    },

    async getTeamKey(id) {
      const { rows } = await pool.query<TeamKeyRow>(`SELECT * FROM payload_team_keys WHERE id = $1`, [id]);
      return rows[0] && teamKey(rows[0]);
    },

    async teamKeysNotUnder(version, limit) {
      const { rows } = await pool.query<TeamKeyRow>(
        `SELECT * FROM payload_team_keys WHERE kek_version <> $1 ORDER BY created_at, id LIMIT $2`,
        [version, limit],
      );
      return rows.map(teamKey);
    },

    async rewrapTeamKey(id, fromVersion, next) {
      const result = await pool.query(
        `UPDATE payload_team_keys SET kek_version = $1, wrapped = $2 WHERE id = $3 AND kek_version = $4`,
        [next.kekVersion, next.wrapped, id, fromVersion],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async payloadTeams() {
      const { rows } = await pool.query<{ team: string }>(
        `SELECT DISTINCT team FROM payload_team_keys ORDER BY team`,
      );
      return rows.map((r) => r.team);
    },

    async shredPayloads(filter: PayloadShredFilter, now = Date.now()) {
      if (filter.id === undefined && filter.team === undefined && filter.before === undefined)
        throw new RangeError("a shred needs an id, a team or a time");
      return transaction(async (client) => {
        const payloadWhere = ["shredded_at IS NULL"];
        const payloadParams: unknown[] = [now];
        const keyWhere: string[] = [];
        const keyParams: unknown[] = [];
        const add = (where: string[], params: unknown[], clause: string, value: unknown) => {
          params.push(value);
          where.push(clause.replace("?", `$${params.length}`));
        };
        if (filter.id !== undefined) add(payloadWhere, payloadParams, "id = ?", filter.id);
        if (filter.team !== undefined) {
          add(payloadWhere, payloadParams, "team = ?", text(filter.team));
          add(keyWhere, keyParams, "team = ?", text(filter.team));
        }
        if (filter.before !== undefined) {
          add(payloadWhere, payloadParams, "created_at < ?", filter.before);
          add(keyWhere, keyParams, "day < ?", Math.floor(filter.before / DAY_MS));
        }
        const shredded = await client.query(
          `UPDATE payloads SET wrapped_dek = NULL, ciphertext = NULL, shredded_at = $1 WHERE ${payloadWhere.join(" AND ")}`,
          payloadParams,
        );
        const deleted =
          filter.id === undefined
            ? await client.query(`DELETE FROM payload_team_keys WHERE ${keyWhere.join(" AND ")}`, keyParams)
            : { rowCount: 0 };
        const payloads = shredded.rowCount ?? 0;
        const teamKeys = deleted.rowCount ?? 0;
        if (payloads + teamKeys > 0) await client.query(bump);
        return { payloads, teamKeys };
      });
    },

    async payloadStats() {
      const counts = await pool.query<{ total: string; shredded: string }>(
        `SELECT count(*) AS total, count(shredded_at) AS shredded FROM payloads`,
      );
      const byVersion = await pool.query<{ v: number; n: string }>(
        `SELECT kek_version AS v, count(*) AS n FROM payload_team_keys GROUP BY kek_version ORDER BY kek_version`,
      );
      return {
        payloads: Number(counts.rows[0]?.total ?? 0),
        shredded: Number(counts.rows[0]?.shredded ?? 0),
        teamKeys: byVersion.rows.reduce((sum, r) => sum + Number(r.n), 0),
        teamKeysByVersion: Object.fromEntries(byVersion.rows.map((r) => [String(r.v), Number(r.n)])),
      };
    },
  };
}
