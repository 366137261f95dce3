/**
 * Encrypted payloads (docs/encryption.md): the key ring's versions (salt and KEK fingerprint, no
 * secret), team keys wrapped under a version, and payloads with their wrapped data keys. The same
 * tables as the SQLite store.
 *
 * - Key material and ciphertexts are `bytea`; ids sort with the "C" collation as `events.id` does.
 * - `payload_keys_version` in `meta` changes with every rotation and shred, so running gateways
 *   reload their keys.
 * - Deleted rows stay in the heap until VACUUM and in WAL archives and backups: see
 *   docs/encryption.md on what crypto-shredding means on PostgreSQL (rotate the KEK).
 */
export const sql = `
CREATE TABLE payload_kek_versions (
  version integer PRIMARY KEY,
  fingerprint text NOT NULL,
  salt bytea NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE payload_team_keys (
  id text COLLATE "C" PRIMARY KEY,
  team text NOT NULL,
  day integer NOT NULL,
  kek_version integer NOT NULL,
  wrapped bytea NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX payload_team_keys_team_day ON payload_team_keys (team, day);
CREATE INDEX payload_team_keys_version ON payload_team_keys (kek_version);
CREATE TABLE payloads (
  id text COLLATE "C" PRIMARY KEY,
  team text NOT NULL,
  team_key_id text NOT NULL,
  mode text NOT NULL,
  created_at bigint NOT NULL,
  wrapped_dek bytea,
  ciphertext bytea,
  digest text NOT NULL,
  shredded_at bigint
);
CREATE INDEX payloads_team_time ON payloads (team, created_at);
CREATE INDEX payloads_time ON payloads (created_at);
INSERT INTO meta (name, value) VALUES ('payload_keys_version', 0);
`;
