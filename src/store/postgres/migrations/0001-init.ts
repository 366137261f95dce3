/**
 * The first schema: the same tables and indexes as the SQLite store, so the two backends answer the
 * same queries the same way.
 *
 * - `events.id` sorts with the "C" collation: ids are UUIDv7 text and paging compares them with `<`,
 *   which must be byte order, not the database's locale order (PostgreSQL docs, §24.2 "Collation
 *   Support").
 * - `data` and `models` are JSON as `text`, not `jsonb`: jsonb refuses the escape `\u0000`
 *   (docs §8.14), which a hostile client can put in any field; text stores what JSON.stringify made.
 * - Times are epoch milliseconds in `bigint`, as in the SQLite store and the events themselves.
 */
export const sql = `
CREATE TABLE keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  team text NOT NULL,
  role text NOT NULL,
  models text NOT NULL,
  status text NOT NULL,
  hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint
);
CREATE TABLE meta (name text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO meta (name, value) VALUES ('keys_version', 0);
CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  time bigint NOT NULL,
  key_id text,
  team text,
  activity text NOT NULL,
  model text,
  decision text NOT NULL,
  status integer,
  data text NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_key_time ON events (key_id, time);
CREATE INDEX events_decision_time ON events (decision, time);
`;
