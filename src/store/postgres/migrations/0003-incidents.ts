/**
 * Incidents, their history, response actions and feedback (docs/incidents.md): the same tables as
 * the SQLite store.
 *
 * - Ids are UUIDv7 text with the "C" collation, as `events.id`: pages compare them with `<`.
 * - Lists and evidence are JSON as `text` (see 0001): read with the row, never filtered on.
 * - `incident_actions_version` in `meta` changes with every action written, so each replica reloads
 *   the throttles and policies in force when another one acted, reverted or expired something.
 * - One feedback per request, key and verdict (a retried report counts once); `feedback_subjects`
 *   holds what the report is about (detector, policy, rule) for the per-subject counts.
 */
export const sql = `
CREATE TABLE incidents (
  id text COLLATE "C" PRIMARY KEY,
  type text NOT NULL,
  rule_id text NOT NULL,
  title text NOT NULL,
  severity text NOT NULL,
  status text NOT NULL,
  key_id text NOT NULL,
  team text,
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  event_count integer NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  acknowledged_at bigint,
  acknowledged_by text,
  resolved_at bigint,
  resolved_by text,
  data text NOT NULL
);
CREATE INDEX incidents_key_type ON incidents (key_id, type, last_seen);
CREATE INDEX incidents_status ON incidents (status, id);
CREATE TABLE incident_notes (
  id text COLLATE "C" PRIMARY KEY,
  incident_id text NOT NULL,
  time bigint NOT NULL,
  author text NOT NULL,
  kind text NOT NULL,
  text text NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes (incident_id, id);
CREATE TABLE response_actions (
  id text COLLATE "C" PRIMARY KEY,
  incident_id text,
  type text NOT NULL,
  key_id text NOT NULL,
  playbook text NOT NULL,
  rule_id text NOT NULL,
  state text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint,
  ended_at bigint,
  ended_by text,
  detail text,
  params text NOT NULL
);
CREATE INDEX response_actions_state ON response_actions (state, id);
CREATE INDEX response_actions_incident ON response_actions (incident_id, id);
CREATE INDEX response_actions_key ON response_actions (key_id, id);
CREATE TABLE feedback (
  id text COLLATE "C" PRIMARY KEY,
  request_id text NOT NULL,
  key_id text NOT NULL,
  team text NOT NULL,
  verdict text NOT NULL,
  comment text NOT NULL,
  subjects text NOT NULL,
  created_at bigint NOT NULL,
  UNIQUE (request_id, key_id, verdict)
);
CREATE INDEX feedback_key ON feedback (key_id, id);
CREATE TABLE feedback_subjects (
  feedback_id text NOT NULL,
  subject text NOT NULL,
  verdict text NOT NULL,
  PRIMARY KEY (feedback_id, subject)
);
CREATE INDEX feedback_subjects_subject ON feedback_subjects (subject);
INSERT INTO meta (name, value) VALUES ('incident_actions_version', 0);
`;
