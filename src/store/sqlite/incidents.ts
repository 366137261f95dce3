import type Database from "better-sqlite3";
import type {
  FeedbackRecord,
  FeedbackSummaryRow,
  IncidentNoteRecord,
  IncidentPatch,
  IncidentRecord,
  IncidentStore,
  ResponseActionPatch,
  ResponseActionRecord,
} from "../types.js";

/**
 * Incidents, their history, response actions and feedback (docs/incidents.md) in the SQLite store;
 * the same tables as PostgreSQL migration 0003. Lists and evidence are JSON text in `data` columns:
 * they are read with the row, never filtered on.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  key_id TEXT NOT NULL,
  team TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at INTEGER,
  resolved_by TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_key_type ON incidents (key_id, type, last_seen);
CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, id);
CREATE TABLE IF NOT EXISTS incident_notes (
  id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  author TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incident_notes_incident ON incident_notes (incident_id, id);
CREATE TABLE IF NOT EXISTS response_actions (
  id TEXT PRIMARY KEY,
  incident_id TEXT,
  type TEXT NOT NULL,
  key_id TEXT NOT NULL,
  playbook TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  ended_at INTEGER,
  ended_by TEXT,
  detail TEXT,
  params TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS response_actions_state ON response_actions (state, id);
CREATE INDEX IF NOT EXISTS response_actions_incident ON response_actions (incident_id, id);
CREATE INDEX IF NOT EXISTS response_actions_key ON response_actions (key_id, id);
CREATE TABLE IF NOT EXISTS feedback (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  team TEXT NOT NULL,
  verdict TEXT NOT NULL,
  comment TEXT NOT NULL,
  subjects TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (request_id, key_id, verdict)
);
CREATE INDEX IF NOT EXISTS feedback_key ON feedback (key_id, id);
CREATE TABLE IF NOT EXISTS feedback_subjects (
  feedback_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  verdict TEXT NOT NULL,
  PRIMARY KEY (feedback_id, subject)
);
CREATE INDEX IF NOT EXISTS feedback_subjects_subject ON feedback_subjects (subject);
INSERT OR IGNORE INTO meta (name, value) VALUES ('incident_actions_version', 0);
`;

interface IncidentRow {
  id: string;
  type: string;
  rule_id: string;
  title: string;
  severity: string;
  status: string;
  key_id: string;
  team: string | null;
  first_seen: number;
  last_seen: number;
  event_count: number;
  created_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  data: string;
}

interface ActionRow {
  id: string;
  incident_id: string | null;
  type: string;
  key_id: string;
  playbook: string;
  rule_id: string;
  state: string;
  created_at: number;
  expires_at: number | null;
  ended_at: number | null;
  ended_by: string | null;
  detail: string | null;
  params: string;
}

interface NoteRow {
  id: string;
  incident_id: string;
  time: number;
  author: string;
  kind: string;
  text: string;
}

interface FeedbackRow {
  id: string;
  request_id: string;
  key_id: string;
  team: string;
  verdict: string;
  comment: string;
  subjects: string;
  created_at: number;
}

function toIncident(row: IncidentRow): IncidentRecord {
  const data = JSON.parse(row.data) as Pick<IncidentRecord, "owasp" | "atlas" | "evidence">;
  return {
    id: row.id,
    type: row.type,
    ruleId: row.rule_id,
    title: row.title,
    severity: row.severity as IncidentRecord["severity"],
    status: row.status as IncidentRecord["status"],
    keyId: row.key_id,
    team: row.team,
    owasp: data.owasp,
    atlas: data.atlas,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    eventCount: row.event_count,
    evidence: data.evidence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}

function incidentParams(r: IncidentRecord) {
  return {
    id: r.id,
    type: r.type,
    rule_id: r.ruleId,
    title: r.title,
    severity: r.severity,
    status: r.status,
    key_id: r.keyId,
    team: r.team,
    first_seen: r.firstSeen,
    last_seen: r.lastSeen,
    event_count: r.eventCount,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    acknowledged_at: r.acknowledgedAt,
    acknowledged_by: r.acknowledgedBy,
    resolved_at: r.resolvedAt,
    resolved_by: r.resolvedBy,
    data: JSON.stringify({ owasp: r.owasp, atlas: r.atlas, evidence: r.evidence }),
  };
}

function toAction(row: ActionRow): ResponseActionRecord {
  return {
    id: row.id,
    incidentId: row.incident_id,
    type: row.type as ResponseActionRecord["type"],
    keyId: row.key_id,
    playbook: row.playbook,
    ruleId: row.rule_id,
    params: JSON.parse(row.params) as Record<string, unknown>,
    state: row.state as ResponseActionRecord["state"],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    detail: row.detail,
  };
}

function actionParams(a: ResponseActionRecord) {
  return {
    id: a.id,
    incident_id: a.incidentId,
    type: a.type,
    key_id: a.keyId,
    playbook: a.playbook,
    rule_id: a.ruleId,
    state: a.state,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    ended_at: a.endedAt,
    ended_by: a.endedBy,
    detail: a.detail,
    params: JSON.stringify(a.params),
  };
}

function toFeedback(row: FeedbackRow): FeedbackRecord {
  return {
    id: row.id,
    requestId: row.request_id,
    keyId: row.key_id,
    team: row.team,
    verdict: row.verdict as FeedbackRecord["verdict"],
    comment: row.comment,
    subjects: JSON.parse(row.subjects) as string[],
    createdAt: row.created_at,
  };
}

const INCIDENT_COLUMNS = `id, type, rule_id, title, severity, status, key_id, team, first_seen, last_seen,
  event_count, created_at, updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, data`;
const ACTION_COLUMNS = `id, incident_id, type, key_id, playbook, rule_id, state, created_at, expires_at,
  ended_at, ended_by, detail, params`;
const placeholders = (columns: string) =>
  columns
    .split(",")
    .map((c) => `@${c.trim()}`)
    .join(", ");

/** `IN (?, ?, …)` for a list of values. */
const inList = (values: readonly unknown[]) => `(${values.map(() => "?").join(", ")})`;

export function openSqliteIncidents(db: Database.Database): IncidentStore {
  db.exec(SCHEMA);
  const insertIncident = db.prepare(
    `INSERT INTO incidents (${INCIDENT_COLUMNS}) VALUES (${placeholders(INCIDENT_COLUMNS)})`,
  );
  const getIncident = db.prepare(`SELECT * FROM incidents WHERE id = ?`);
  const findOpen = db.prepare(
    `SELECT * FROM incidents WHERE key_id = ? AND type = ? AND status <> 'resolved' AND last_seen >= ?
     ORDER BY last_seen DESC LIMIT 1`,
  );
  const writeIncident = db.prepare(
    `UPDATE incidents SET title = @title, severity = @severity, status = @status, last_seen = @last_seen,
       event_count = @event_count, updated_at = @updated_at, acknowledged_at = @acknowledged_at,
       acknowledged_by = @acknowledged_by, resolved_at = @resolved_at, resolved_by = @resolved_by, data = @data
     WHERE id = @id`,
  );
  const insertNote = db.prepare(
    `INSERT INTO incident_notes (id, incident_id, time, author, kind, text) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const notes = db.prepare(`SELECT * FROM incident_notes WHERE incident_id = ? ORDER BY id`);
  const insertAction = db.prepare(
    `INSERT INTO response_actions (${ACTION_COLUMNS}) VALUES (${placeholders(ACTION_COLUMNS)})`,
  );
  const getAction = db.prepare(`SELECT * FROM response_actions WHERE id = ?`);
  const writeAction = db.prepare(
    `UPDATE response_actions SET state = @state, ended_at = @ended_at, ended_by = @ended_by, detail = @detail,
       params = @params WHERE id = @id`,
  );
  const bumpActions = db.prepare(`UPDATE meta SET value = value + 1 WHERE name = 'incident_actions_version'`);
  const actionsVersion = db.prepare(`SELECT value FROM meta WHERE name = 'incident_actions_version'`).pluck();
  const insertFeedback = db.prepare(
    `INSERT OR IGNORE INTO feedback (id, request_id, key_id, team, verdict, comment, subjects, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSubject = db.prepare(
    `INSERT OR IGNORE INTO feedback_subjects (feedback_id, subject, verdict) VALUES (?, ?, ?)`,
  );
  const summary = db.prepare(
    `SELECT subject,
            SUM(CASE WHEN verdict = 'false_positive' THEN 1 ELSE 0 END) AS fp,
            SUM(CASE WHEN verdict = 'missed_attack' THEN 1 ELSE 0 END) AS missed
     FROM feedback_subjects GROUP BY subject ORDER BY COUNT(*) DESC, subject`,
  );

  // Read, check and write in one transaction: better-sqlite3 runs it synchronously, so nothing can
  // interleave, and a second process waits on the database lock.
  const updateIncidentTx = db.transaction(
    (id: string, patch: IncidentPatch, from: readonly string[] | undefined): IncidentRecord | undefined => {
      const row = getIncident.get(id) as IncidentRow | undefined;
      if (!row) return undefined;
      const current = toIncident(row);
      if (from && !from.includes(current.status)) return undefined;
      const next: IncidentRecord = { ...current, ...patch, updatedAt: Date.now() };
      writeIncident.run(incidentParams(next));
      return next;
    },
  );
  const insertActionTx = db.transaction((action: ResponseActionRecord) => {
    insertAction.run(actionParams(action));
    bumpActions.run();
  });
  const updateActionTx = db.transaction(
    (
      id: string,
      patch: ResponseActionPatch,
      from: readonly string[] | undefined,
    ): ResponseActionRecord | undefined => {
      const row = getAction.get(id) as ActionRow | undefined;
      if (!row) return undefined;
      const current = toAction(row);
      if (from && !from.includes(current.state)) return undefined;
      const next: ResponseActionRecord = { ...current, ...patch };
      writeAction.run(actionParams(next));
      bumpActions.run();
      return next;
    },
  );
  const insertFeedbackTx = db.transaction((f: FeedbackRecord): boolean => {
    const inserted = insertFeedback.run(
      f.id,
      f.requestId,
      f.keyId,
      f.team,
      f.verdict,
      f.comment,
      JSON.stringify(f.subjects),
      f.createdAt,
    );
    if (inserted.changes === 0) return false;
    for (const subject of new Set(f.subjects)) insertSubject.run(f.id, subject, f.verdict);
    return true;
  });

  return {
    async insertIncident(record) {
      insertIncident.run(incidentParams(record));
    },
    async getIncident(id) {
      const row = getIncident.get(id) as IncidentRow | undefined;
      return row && toIncident(row);
    },
    async listIncidents(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => {
        where.push(clause);
        params.push(value);
      };
      if (query.status) add("status = ?", query.status);
      if (query.keyId) add("key_id = ?", query.keyId);
      if (query.type) add("type = ?", query.type);
      if (query.severity) add("severity = ?", query.severity);
      if (query.cursor) add("id < ?", query.cursor);
      const rows = db
        .prepare(
          `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, query.limit + 1) as IncidentRow[];
      const incidents = rows.slice(0, query.limit).map(toIncident);
      const last = incidents.at(-1);
      return { incidents, nextCursor: rows.length > query.limit && last ? last.id : null };
    },
    async findOpenIncident(keyId, type, since) {
      const row = findOpen.get(keyId, type, since) as IncidentRow | undefined;
      return row && toIncident(row);
    },
    async updateIncident(id, patch, fromStatus) {
      return updateIncidentTx(id, patch, fromStatus);
    },
    async addIncidentNote(note: IncidentNoteRecord) {
      insertNote.run(note.id, note.incidentId, note.time, note.author, note.kind, note.text);
    },
    async incidentNotes(incidentId) {
      return (notes.all(incidentId) as NoteRow[]).map((row) => ({
        id: row.id,
        incidentId: row.incident_id,
        time: row.time,
        author: row.author,
        kind: row.kind as IncidentNoteRecord["kind"],
        text: row.text,
      }));
    },
    async insertAction(action) {
      insertActionTx(action);
    },
    async getAction(id) {
      const row = getAction.get(id) as ActionRow | undefined;
      return row && toAction(row);
    },
    async listActions(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.incidentId) {
        where.push("incident_id = ?");
        params.push(query.incidentId);
      }
      if (query.keyId) {
        where.push("key_id = ?");
        params.push(query.keyId);
      }
      if (query.states?.length) {
        where.push(`state IN ${inList(query.states)}`);
        params.push(...query.states);
      }
      const rows = db
        .prepare(
          `SELECT * FROM response_actions ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
           ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, query.limit) as ActionRow[];
      return rows.map(toAction);
    },
    async updateAction(id, patch, fromState) {
      return updateActionTx(id, patch, fromState);
    },
    async actionsVersion() {
      return actionsVersion.get() as number;
    },
    async insertFeedback(record) {
      return insertFeedbackTx(record);
    },
    async listFeedback(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.verdict) {
        where.push("verdict = ?");
        params.push(query.verdict);
      }
      if (query.keyId) {
        where.push("key_id = ?");
        params.push(query.keyId);
      }
      if (query.cursor) {
        where.push("id < ?");
        params.push(query.cursor);
      }
      const rows = db
        .prepare(
          `SELECT * FROM feedback ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, query.limit + 1) as FeedbackRow[];
      const feedback = rows.slice(0, query.limit).map(toFeedback);
      const last = feedback.at(-1);
      return { feedback, nextCursor: rows.length > query.limit && last ? last.id : null };
    },
    async feedbackSummary(): Promise<FeedbackSummaryRow[]> {
      return (summary.all() as { subject: string; fp: number; missed: number }[]).map((r) => ({
        subject: r.subject,
        falsePositive: r.fp,
        missedAttack: r.missed,
      }));
    },
  };
}
