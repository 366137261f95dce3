import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type {
  IncidentNoteRecord,
  IncidentQuery,
  IncidentRecord,
  ResponseActionQuery,
  ResponseActionRecord,
} from "../../store/index.js";
import type { Identity } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import type { GatewayRuntime } from "../runtime.js";
import { requireRole } from "./require-role.js";

/**
 * The incidents admin API (docs/incidents.md): the lifecycle open → acknowledged → resolved with
 * notes and who did it, and the response actions with their revert. The gateway does not know the
 * responder: the composition root attaches anything of this shape (src/incidents' Responder).
 */
export interface IncidentActor {
  keyId: string;
  keyName: string;
  team: string;
  role: string;
  ip?: string;
}

type Outcome<T> =
  { ok: true; value: T } | { ok: false; reason: "not_found" | "conflict" | "unavailable"; message: string };

export interface IncidentControl {
  list(query: IncidentQuery): Promise<{ incidents: IncidentRecord[]; nextCursor: string | null }>;
  get(
    id: string,
  ): Promise<
    { incident: IncidentRecord; notes: IncidentNoteRecord[]; actions: ResponseActionRecord[] } | undefined
  >;
  acknowledge(id: string, actor: IncidentActor, note?: string): Promise<Outcome<IncidentRecord>>;
  resolve(id: string, actor: IncidentActor, note?: string): Promise<Outcome<IncidentRecord>>;
  addNote(id: string, actor: IncidentActor, text: string): Promise<Outcome<IncidentRecord>>;
  listActions(query: ResponseActionQuery): Promise<ResponseActionRecord[]>;
  revert(actionId: string, actor: IncidentActor, note?: string): Promise<Outcome<ResponseActionRecord>>;
}

const controls = new WeakMap<GatewayRuntime, IncidentControl>();

/** Called by the composition root once the responder exists; without it the routes answer 404. */
export function attachIncidentControl(runtime: GatewayRuntime, control: IncidentControl): void {
  controls.set(runtime, control);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function incidentJson(r: IncidentRecord) {
  return {
    id: r.id,
    type: r.type,
    rule_id: r.ruleId,
    title: r.title,
    severity: r.severity,
    status: r.status,
    key_id: r.keyId,
    team: r.team,
    owasp: r.owasp,
    atlas: r.atlas,
    first_seen: iso(r.firstSeen),
    last_seen: iso(r.lastSeen),
    event_count: r.eventCount,
    evidence: {
      rules: r.evidence.rules,
      reasons: r.evidence.reasons,
      event_ids: r.evidence.eventIds,
      request_ids: r.evidence.requestIds,
      playbooks: r.evidence.playbooks,
    },
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    acknowledged_at: iso(r.acknowledgedAt),
    acknowledged_by: r.acknowledgedBy,
    resolved_at: iso(r.resolvedAt),
    resolved_by: r.resolvedBy,
  };
}

export function actionJson(a: ResponseActionRecord) {
  // key_updated_at is the responder's own bookkeeping (did anyone touch the key since?).
  const { key_updated_at: _internal, ...params } = a.params;
  return {
    id: a.id,
    incident_id: a.incidentId,
    type: a.type,
    key_id: a.keyId,
    playbook: a.playbook,
    rule_id: a.ruleId,
    params,
    state: a.state,
    created_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
    ended_at: iso(a.endedAt),
    ended_by: a.endedBy,
    detail: a.detail,
  };
}

const noteJson = (n: IncidentNoteRecord) => ({
  id: n.id,
  time: iso(n.time),
  author: n.author,
  kind: n.kind,
  text: n.text,
});

/** Parses with zod and maps the first problem to PCX_INVALID_REQUEST naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new GatewayError("PCX_INVALID_REQUEST", `Invalid ${what}: ${path}${issue.message}.`);
}

const cursor = z
  .string()
  .regex(/^[0-9a-f-]{36}$/)
  .optional();
const SEVERITIES = ["low", "medium", "high", "critical"] as const;
const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor,
    status: z.enum(["open", "acknowledged", "resolved"]).optional(),
    severity: z.enum(SEVERITIES).optional(),
    key_id: z.string().max(80).optional(),
    type: z.string().max(64).optional(),
  })
  .strict();
const actionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    state: z.enum(["active", "done", "expired", "reverted", "superseded", "failed"]).optional(),
    key_id: z.string().max(80).optional(),
    incident_id: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
  })
  .strict();
const idParam = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/) });
/** A person's words: bounded, so notes cannot grow a row without end. */
const noteText = z.string().trim().min(1).max(4000);
const optionalNote = z.object({ note: noteText.optional() }).strict();
const noteBody = z.object({ text: noteText }).strict();

function actorOf(identity: Identity, request: FastifyRequest): IncidentActor {
  return {
    keyId: identity.keyId,
    keyName: identity.keyName,
    team: identity.team,
    role: identity.role,
    ip: request.ip,
  };
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.reason === "not_found") throw new GatewayError("PCX_NOT_FOUND", outcome.message);
  if (outcome.reason === "conflict") throw new GatewayError("PCX_CONFLICT", outcome.message);
  throw new GatewayError("PCX_INTERNAL", outcome.message);
}

/** The incidents and response-actions admin routes (admins act; auditors read). */
export function registerIncidentRoutes(app: FastifyInstance, runtime: GatewayRuntime): void {
  const control = (): IncidentControl => {
    const found = controls.get(runtime);
    if (!found) {
      throw new GatewayError("PCX_NOT_FOUND", "Incident response is not enabled (incidents.enabled).");
    }
    return found;
  };

  app.get("/admin/v1/incidents", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const q = parseInput(listQuery, request.query, "query");
    const page = await control().list({
      limit: q.limit,
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
      ...(q.key_id ? { keyId: q.key_id } : {}),
      ...(q.type ? { type: q.type } : {}),
    });
    return { data: page.incidents.map(incidentJson), next_cursor: page.nextCursor };
  });

  app.get("/admin/v1/incidents/:id", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const { id } = parseInput(idParam, request.params, "incident id");
    const detail = await control().get(id);
    if (!detail) throw new GatewayError("PCX_NOT_FOUND", "No such incident.");
    return {
      ...incidentJson(detail.incident),
      notes: detail.notes.map(noteJson),
      actions: detail.actions.map(actionJson),
    };
  });

  for (const [path, step] of [
    ["ack", "acknowledge"],
    ["resolve", "resolve"],
  ] as const) {
    app.post(`/admin/v1/incidents/:id/${path}`, async (request) => {
      const identity = requireRole(runtime, request, ["admin"]);
      const { id } = parseInput(idParam, request.params, "incident id");
      const { note } = parseInput(optionalNote, request.body, "body");
      return incidentJson(unwrap(await control()[step](id, actorOf(identity, request), note)));
    });
  }

  app.post("/admin/v1/incidents/:id/notes", async (request, reply) => {
    const identity = requireRole(runtime, request, ["admin"]);
    const { id } = parseInput(idParam, request.params, "incident id");
    const { text } = parseInput(noteBody, request.body, "note");
    const ctl = control();
    unwrap(await ctl.addNote(id, actorOf(identity, request), text));
    const detail = await ctl.get(id);
    return reply.code(201).send({ ...incidentJson(detail!.incident), notes: detail!.notes.map(noteJson) });
  });

  app.get("/admin/v1/actions", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const q = parseInput(actionsQuery, request.query, "query");
    const actions = await control().listActions({
      limit: q.limit,
      ...(q.state ? { states: [q.state] } : {}),
      ...(q.key_id ? { keyId: q.key_id } : {}),
      ...(q.incident_id ? { incidentId: q.incident_id } : {}),
    });
    return { data: actions.map(actionJson) };
  });

  app.post("/admin/v1/actions/:id/revert", async (request) => {
    const identity = requireRole(runtime, request, ["admin"]);
    const { id } = parseInput(idParam, request.params, "action id");
    const { note } = parseInput(optionalNote, request.body, "body");
    return actionJson(unwrap(await control().revert(id, actorOf(identity, request), note)));
  });
}
