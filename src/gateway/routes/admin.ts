import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { uuidv7, type SecurityEvent } from "../../events/index.js";
import type { KeyRecord } from "../../store/index.js";
import { KeyTransitionError, parseExpiry, type Identity } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import type { GatewayRuntime } from "../runtime.js";
import { requireRole } from "./require-role.js";

/** A key as the admin API shows it: no hash, never the secret (that is shown once, at creation). */
export function keyJson(record: KeyRecord) {
  return {
    id: record.id,
    name: record.name,
    team: record.team,
    role: record.role,
    models: record.models,
    status: record.status,
    prefix: record.prefix,
    created_at: new Date(record.createdAt).toISOString(),
    updated_at: new Date(record.updatedAt).toISOString(),
    expires_at: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
  };
}

const name = z.string().trim().min(1).max(200);
const createKeyBody = z
  .object({
    name,
    team: name.default("default"),
    role: z.enum(["user", "admin", "auditor"]).default("user"),
    models: z.array(z.string().min(1).max(256)).min(1).max(1000).default(["*"]),
    /** An ISO-8601 time or a duration from now ("30d"). */
    expires: z.string().max(64).nullish(),
  })
  .strict();

const updateKeyBody = z
  .object({
    name: name.optional(),
    team: name.optional(),
    role: z.enum(["user", "admin", "auditor"]).optional(),
    models: z.array(z.string().min(1).max(256)).min(1).max(1000).optional(),
    /** null removes the expiry. */
    expires: z.string().max(64).nullable().optional(),
  })
  .strict();

const eventQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
    since: z.string().max(64).optional(),
    until: z.string().max(64).optional(),
    key_id: z.string().max(64).optional(),
    team: z.string().max(200).optional(),
    decision: z.enum(["allow", "redact", "block", "error"]).optional(),
    model: z.string().max(256).optional(),
    activity: z.string().max(64).optional(),
  })
  .strict();

const STATUS_ACTIVITY = { suspend: "key.suspended", resume: "key.resumed", revoke: "key.revoked" } as const;

const keyIdParam = z.object({ id: z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/) });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new GatewayError("PCX_INVALID_REQUEST", `Invalid ${what}: ${path}${issue.message}.`);
}

function futureTime(text: string): number {
  const parsed = parseExpiry(text);
  if (parsed === undefined || parsed <= Date.now()) {
    throw new GatewayError(
      "PCX_INVALID_REQUEST",
      "Invalid expires: expected a future ISO-8601 time or a duration like 30d.",
    );
  }
  return parsed;
}

function time(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(value))
    throw new GatewayError("PCX_INVALID_REQUEST", `Invalid ${field}: expected an ISO-8601 time.`);
  return value;
}

function adminEvent(
  actor: Identity,
  activity: string,
  details: Record<string, unknown>,
  ip: string,
): SecurityEvent {
  return {
    id: uuidv7(),
    time: Date.now(),
    class: "admin_activity",
    activity,
    severity: activity === "key.created" ? "info" : "low",
    actor: { key_id: actor.keyId, key_name: actor.keyName, team: actor.team, role: actor.role },
    src_endpoint: { ip },
    decision: { action: "allow", monitor_only: false, reasons: [] },
    findings: [],
    details,
  };
}

/** The admin API (/admin/v1): keys for admins; events for admins and auditors. */
export function registerAdminRoutes(app: FastifyInstance, runtime: GatewayRuntime): void {
  const { keyService, keys, bus, store } = runtime;

  app.post("/admin/v1/keys", async (request, reply) => {
    const actor = requireRole(runtime, request, ["admin"]);
    const body = parse(createKeyBody, request.body, "key");
    let expiresAt: number | null = null;
    if (body.expires) {
      const parsed = parseExpiry(body.expires);
      if (parsed === undefined || parsed <= Date.now()) {
        throw new GatewayError(
          "PCX_INVALID_REQUEST",
          "Invalid expires: expected a future ISO-8601 time or a duration like 30d.",
        );
      }
      expiresAt = parsed;
    }
    const { key, record } = await keyService.create({ ...body, expiresAt });
    await keys.refresh(true);
    bus.publish(
      adminEvent(
        actor,
        "key.created",
        { target_key_id: record.id, team: record.team, role: record.role },
        request.ip,
      ),
    );
    // The secret first: it is shown this once and never again.
    return reply.code(201).send({ key, ...keyJson(record) });
  });

  app.get("/admin/v1/keys", async (request) => {
    requireRole(runtime, request, ["admin"]);
    return { data: (await keyService.list()).map(keyJson) };
  });

  app.get("/admin/v1/keys/:id", async (request) => {
    requireRole(runtime, request, ["admin"]);
    const { id } = parse(keyIdParam, request.params, "key id");
    const record = await store.getKey(id);
    if (!record) throw new GatewayError("PCX_NOT_FOUND", "No such key.");
    return keyJson(record);
  });

  app.patch("/admin/v1/keys/:id", async (request) => {
    const actor = requireRole(runtime, request, ["admin"]);
    const { id } = parse(keyIdParam, request.params, "key id");
    const { expires, ...changes } = parse(updateKeyBody, request.body, "key update");
    const patch = {
      ...changes,
      ...(expires !== undefined ? { expiresAt: expires === null ? null : futureTime(expires) } : {}),
    };
    const record = await store.updateKey(id, patch);
    if (!record) throw new GatewayError("PCX_NOT_FOUND", "No such key.");
    await keys.refresh(true);
    bus.publish(
      adminEvent(actor, "key.updated", { target_key_id: id, fields: Object.keys(patch) }, request.ip),
    );
    return keyJson(record);
  });

  // Keys are never deleted: their events must stay attributable. DELETE revokes, for REST clients.
  app.delete("/admin/v1/keys/:id", async (request) => {
    const actor = requireRole(runtime, request, ["admin"]);
    const { id } = parse(keyIdParam, request.params, "key id");
    const record = await keyService.setStatus(id, "revoke");
    if (!record) throw new GatewayError("PCX_NOT_FOUND", "No such key.");
    await keys.refresh(true);
    bus.publish(adminEvent(actor, "key.revoked", { target_key_id: id }, request.ip));
    return keyJson(record);
  });

  for (const action of ["suspend", "resume", "revoke"] as const) {
    app.post(`/admin/v1/keys/:id/${action}`, async (request) => {
      const actor = requireRole(runtime, request, ["admin"]);
      const { id } = parse(keyIdParam, request.params, "key id");
      let record: KeyRecord | undefined;
      try {
        record = await keyService.setStatus(id, action);
      } catch (error) {
        if (error instanceof KeyTransitionError)
          throw new GatewayError("PCX_INVALID_REQUEST", `${error.message}.`);
        throw error;
      }
      if (!record) throw new GatewayError("PCX_NOT_FOUND", "No such key.");
      await keys.refresh(true);
      bus.publish(adminEvent(actor, STATUS_ACTIVITY[action], { target_key_id: id }, request.ip));
      return keyJson(record);
    });
  }

  app.get("/admin/v1/events", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const query = parse(eventQuery, request.query, "query");
    // Events are written off the request path; wait briefly so a caller sees its own requests.
    await bus.drain(2000, ["store"]);
    const page = await store.queryEvents({
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.since ? { since: time(query.since, "since")! } : {}),
      ...(query.until ? { until: time(query.until, "until")! } : {}),
      ...(query.key_id ? { keyId: query.key_id } : {}),
      ...(query.team ? { team: query.team } : {}),
      ...(query.decision ? { decision: query.decision } : {}),
      ...(query.model ? { model: query.model } : {}),
      ...(query.activity ? { activity: query.activity } : {}),
    });
    return { data: page.events, next_cursor: page.nextCursor };
  });
}
