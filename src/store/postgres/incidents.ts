import type pg from "pg";
import type {
  FeedbackRecord,
  IncidentNoteRecord,
  IncidentRecord,
  IncidentStore,
  ResponseActionRecord,
} from "../types.js";

/**
 * Incidents, their history, response actions and feedback (docs/incidents.md) in PostgreSQL; tables
 * from migration 0003. Conditional updates (a status transition, ending an action) lock the row
 * (`FOR UPDATE`), so of two replicas or two admins exactly one wins.
 */

interface IncidentRow {
  id: string;
  type: string;
  rule_id: string;
  title: string;
  severity: string;
  status: string;
  key_id: string;
  team: string | null;
  first_seen: string;
  last_seen: string;
  event_count: number;
  created_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
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
  created_at: string;
  expires_at: string | null;
  ended_at: string | null;
  ended_by: string | null;
  detail: string | null;
  params: string;
}

interface NoteRow {
  id: string;
  incident_id: string;
  time: string;
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
  created_at: string;
}

/** bigint arrives as a string (it may exceed 2^53); epoch milliseconds do not. */
const num = (value: string | null): number | null => (value === null ? null : Number(value));

/** PostgreSQL text cannot hold U+0000 (docs §8.3); a comment or a key name comes from a client. */
function clean(value: string): string;
function clean(value: string | null): string | null;
function clean(value: string | null): string | null {
  return value !== null && value.includes("\0") ? value.replaceAll("\0", "") : value;
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
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    eventCount: row.event_count,
    evidence: data.evidence,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    acknowledgedAt: num(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: num(row.resolved_at),
    resolvedBy: row.resolved_by,
  };
}

/** The incident's columns in INCIDENT_COLUMNS order. */
function incidentValues(r: IncidentRecord): unknown[] {
  return [
    r.id,
    clean(r.type),
    clean(r.ruleId),
    clean(r.title),
    r.severity,
    r.status,
    clean(r.keyId),
    clean(r.team),
    r.firstSeen,
    r.lastSeen,
    r.eventCount,
    r.createdAt,
    r.updatedAt,
    r.acknowledgedAt,
    clean(r.acknowledgedBy),
    r.resolvedAt,
    clean(r.resolvedBy),
    JSON.stringify({ owasp: r.owasp, atlas: r.atlas, evidence: r.evidence }),
  ];
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
    createdAt: Number(row.created_at),
    expiresAt: num(row.expires_at),
    endedAt: num(row.ended_at),
    endedBy: row.ended_by,
    detail: row.detail,
  };
}

function actionValues(a: ResponseActionRecord): unknown[] {
  return [
    a.id,
    a.incidentId,
    a.type,
    clean(a.keyId),
    clean(a.playbook),
    clean(a.ruleId),
    a.state,
    a.createdAt,
    a.expiresAt,
    a.endedAt,
    clean(a.endedBy),
    clean(a.detail),
    JSON.stringify(a.params),
  ];
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
    createdAt: Number(row.created_at),
  };
}

const INCIDENT_COLUMNS = `id, type, rule_id, title, severity, status, key_id, team, first_seen, last_seen,
  event_count, created_at, updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, data`;
const ACTION_COLUMNS = `id, incident_id, type, key_id, playbook, rule_id, state, created_at, expires_at,
  ended_at, ended_by, detail, params`;
const params = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");
const BUMP = `UPDATE meta SET value = value + 1 WHERE name = 'incident_actions_version'`;

/** Builds `WHERE …` from clauses with one `?` each, numbering the parameters. */
function whereOf(filters: [clause: string, value: unknown][], values: unknown[]): string {
  const clauses = filters.map(([clause, value]) => {
    values.push(value);
    return clause.replace("?", `$${values.length}`);
  });
  return clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
}

export function openPostgresIncidents(
  pool: pg.Pool,
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
): IncidentStore {
  return {
    async insertIncident(record) {
      await pool.query(
        `INSERT INTO incidents (${INCIDENT_COLUMNS}) VALUES (${params(18)})`,
        incidentValues(record),
      );
    },

    async getIncident(id) {
      const { rows } = await pool.query<IncidentRow>(`SELECT * FROM incidents WHERE id = $1`, [id]);
      return rows[0] && toIncident(rows[0]);
    },

    async listIncidents(query) {
      const values: unknown[] = [];
      const filters: [string, unknown][] = [];
      if (query.status) filters.push(["status = ?", query.status]);
      if (query.keyId) filters.push(["key_id = ?", clean(query.keyId)]);
      if (query.type) filters.push(["type = ?", clean(query.type)]);
      if (query.severity) filters.push(["severity = ?", query.severity]);
      if (query.cursor) filters.push(["id < ?", query.cursor]);
      const where = whereOf(filters, values);
      values.push(query.limit + 1);
      const { rows } = await pool.query<IncidentRow>(
        `SELECT * FROM incidents ${where} ORDER BY id DESC LIMIT $${values.length}`,
        values,
      );
      const incidents = rows.slice(0, query.limit).map(toIncident);
      const last = incidents.at(-1);
      return { incidents, nextCursor: rows.length > query.limit && last ? last.id : null };
    },

    async findOpenIncident(keyId, type, since) {
      const { rows } = await pool.query<IncidentRow>(
        `SELECT * FROM incidents WHERE key_id = $1 AND type = $2 AND status <> 'resolved' AND last_seen >= $3
         ORDER BY last_seen DESC LIMIT 1`,
        [clean(keyId), clean(type), since],
      );
      return rows[0] && toIncident(rows[0]);
    },

    async updateIncident(id, patch, fromStatus) {
      return transaction(async (client) => {
        const { rows } = await client.query<IncidentRow>(`SELECT * FROM incidents WHERE id = $1 FOR UPDATE`, [
          id,
        ]);
        if (!rows[0]) return undefined;
        const current = toIncident(rows[0]);
        if (fromStatus && !fromStatus.includes(current.status)) return undefined;
        const next: IncidentRecord = { ...current, ...patch, updatedAt: Date.now() };
        // Only the columns an update may change (a parameter the statement does not use has no type).
        await client.query(
          `UPDATE incidents SET title = $2, severity = $3, status = $4, last_seen = $5, event_count = $6,
             updated_at = $7, acknowledged_at = $8, acknowledged_by = $9, resolved_at = $10,
             resolved_by = $11, data = $12
           WHERE id = $1`,
          [
            next.id,
            clean(next.title),
            next.severity,
            next.status,
            next.lastSeen,
            next.eventCount,
            next.updatedAt,
            next.acknowledgedAt,
            clean(next.acknowledgedBy),
            next.resolvedAt,
            clean(next.resolvedBy),
            JSON.stringify({ owasp: next.owasp, atlas: next.atlas, evidence: next.evidence }),
          ],
        );
        return next;
      });
    },

    async addIncidentNote(note: IncidentNoteRecord) {
      await pool.query(
        `INSERT INTO incident_notes (id, incident_id, time, author, kind, text) VALUES ($1, $2, $3, $4, $5, $6)`,
        [note.id, note.incidentId, note.time, clean(note.author), note.kind, clean(note.text)],
      );
    },

    async incidentNotes(incidentId) {
      const { rows } = await pool.query<NoteRow>(
        `SELECT * FROM incident_notes WHERE incident_id = $1 ORDER BY id`,
        [incidentId],
      );
      return rows.map((row) => ({
        id: row.id,
        incidentId: row.incident_id,
        time: Number(row.time),
        author: row.author,
        kind: row.kind as IncidentNoteRecord["kind"],
        text: row.text,
      }));
    },

    async insertAction(action) {
      await transaction(async (client) => {
        await client.query(
          `INSERT INTO response_actions (${ACTION_COLUMNS}) VALUES (${params(13)})`,
          actionValues(action),
        );
        await client.query(BUMP);
      });
    },

    async getAction(id) {
      const { rows } = await pool.query<ActionRow>(`SELECT * FROM response_actions WHERE id = $1`, [id]);
      return rows[0] && toAction(rows[0]);
    },

    async listActions(query) {
      const values: unknown[] = [];
      const filters: [string, unknown][] = [];
      if (query.incidentId) filters.push(["incident_id = ?", query.incidentId]);
      if (query.keyId) filters.push(["key_id = ?", clean(query.keyId)]);
      if (query.states?.length) filters.push(["state = ANY(?::text[])", [...query.states]]);
      const where = whereOf(filters, values);
      values.push(query.limit);
      const { rows } = await pool.query<ActionRow>(
        `SELECT * FROM response_actions ${where} ORDER BY id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(toAction);
    },

    async updateAction(id, patch, fromState) {
      return transaction(async (client) => {
        const { rows } = await client.query<ActionRow>(
          `SELECT * FROM response_actions WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!rows[0]) return undefined;
        const current = toAction(rows[0]);
        if (fromState && !fromState.includes(current.state)) return undefined;
        const next: ResponseActionRecord = { ...current, ...patch };
        await client.query(
          `UPDATE response_actions SET state = $2, ended_at = $3, ended_by = $4, detail = $5, params = $6
           WHERE id = $1`,
          [
            next.id,
            next.state,
            next.endedAt,
            clean(next.endedBy),
            clean(next.detail),
            JSON.stringify(next.params),
          ],
        );
        await client.query(BUMP);
        return next;
      });
    },

    async actionsVersion() {
      const { rows } = await pool.query<{ value: string }>(
        `SELECT value FROM meta WHERE name = 'incident_actions_version'`,
      );
      return Number(rows[0]?.value ?? 0);
    },

    async insertFeedback(f) {
      return transaction(async (client) => {
        const inserted = await client.query(
          `INSERT INTO feedback (id, request_id, key_id, team, verdict, comment, subjects, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (request_id, key_id, verdict) DO NOTHING`,
          [
            f.id,
            clean(f.requestId),
            clean(f.keyId),
            clean(f.team),
            f.verdict,
            clean(f.comment),
            JSON.stringify(f.subjects),
            f.createdAt,
          ],
        );
        if (inserted.rowCount === 0) return false;
        const subjects = [...new Set(f.subjects.map(clean))];
        if (subjects.length > 0) {
          await client.query(
            `INSERT INTO feedback_subjects (feedback_id, subject, verdict)
             SELECT $1, s, $2 FROM unnest($3::text[]) AS s ON CONFLICT DO NOTHING`,
            [f.id, f.verdict, subjects],
          );
        }
        return true;
      });
    },

    async listFeedback(query) {
      const values: unknown[] = [];
      const filters: [string, unknown][] = [];
      if (query.verdict) filters.push(["verdict = ?", query.verdict]);
      if (query.keyId) filters.push(["key_id = ?", clean(query.keyId)]);
      if (query.cursor) filters.push(["id < ?", query.cursor]);
      const where = whereOf(filters, values);
      values.push(query.limit + 1);
      const { rows } = await pool.query<FeedbackRow>(
        `SELECT * FROM feedback ${where} ORDER BY id DESC LIMIT $${values.length}`,
        values,
      );
      const feedback = rows.slice(0, query.limit).map(toFeedback);
      const last = feedback.at(-1);
      return { feedback, nextCursor: rows.length > query.limit && last ? last.id : null };
    },

    async feedbackSummary() {
      const { rows } = await pool.query<{ subject: string; fp: string; missed: string }>(
        `SELECT subject,
                COUNT(*) FILTER (WHERE verdict = 'false_positive') AS fp,
                COUNT(*) FILTER (WHERE verdict = 'missed_attack') AS missed
         FROM feedback_subjects GROUP BY subject ORDER BY COUNT(*) DESC, subject COLLATE "C"`,
      );
      return rows.map((r) => ({
        subject: r.subject,
        falsePositive: Number(r.fp),
        missedAttack: Number(r.missed),
      }));
    },
  };
}
