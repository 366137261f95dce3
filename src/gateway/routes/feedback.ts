import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { uuidv7, type SecurityEvent } from "../../events/index.js";
import type { FeedbackRecord, IncidentStore } from "../../store/index.js";
import { authenticate } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import type { GatewayRuntime } from "../runtime.js";
import { parseInput } from "./incidents.js";
import { requireRole } from "./require-role.js";

/**
 * Feedback from application teams (docs/incidents.md): `POST /v1/feedback` reports one of the
 * caller's own requests as a false positive or a missed attack. The report is tied to what judged
 * the request — its detectors, policies and incident rules — so the admin summary shows which of
 * them are noisy.
 */

/** A report is a few sentences, not a payload: the body is capped well below the model routes'. */
const FEEDBACK_BODY_LIMIT = 8 * 1024;
const COMMENT_MAX = 2000;
/** Pages of the caller's events searched for the request (500 each). */
const SEARCH_PAGES = 10;
/** Slack after the request's own deadline for its event to be written. */
const EVENT_SLACK_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const feedbackBody = z
  .object({
    /** The `x-request-id` of the reported request (also `error.request_id` in a refusal). */
    request_id: z.string().regex(UUID, { message: "expected the request id from x-request-id" }),
    verdict: z.enum(["false_positive", "missed_attack"]),
    comment: z.string().trim().max(COMMENT_MAX).default(""),
  })
  .strict();

const feedbackQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
    verdict: z.enum(["false_positive", "missed_attack"]).optional(),
    key_id: z.string().max(80).optional(),
  })
  .strict();

function feedbackJson(f: FeedbackRecord) {
  return {
    id: f.id,
    request_id: f.requestId,
    key_id: f.keyId,
    team: f.team,
    verdict: f.verdict,
    comment: f.comment,
    subjects: f.subjects,
    created_at: new Date(f.createdAt).toISOString(),
  };
}

/** Milliseconds in a UUIDv7's first 48 bits (RFC 9562 §5.7): when the request arrived. */
function uuidTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** What judged a request: its detectors and policies, and the incident rules it counted towards. */
async function subjectsOf(event: SecurityEvent, incidents: IncidentStore): Promise<string[]> {
  const subjects = new Set<string>();
  for (const f of event.findings) {
    subjects.add(`detector:${f.detector}`);
    if (f.policy) subjects.add(`policy:${f.policy}`);
  }
  const requestId = event.request_id!;
  const recent = await incidents.listIncidents({ keyId: event.actor.key_id!, limit: 50 });
  for (const incident of recent.incidents) {
    if (!incident.evidence.requestIds.includes(requestId)) continue;
    for (const rule of incident.evidence.rules) subjects.add(`rule:${rule}`);
  }
  // A missed attack usually has nothing that judged it: count it all the same.
  if (subjects.size === 0) subjects.add("unflagged");
  return [...subjects];
}

export function registerFeedbackRoutes(app: FastifyInstance, runtime: GatewayRuntime): void {
  const { store, bus } = runtime;
  const incidents = (): IncidentStore => {
    if (!store.incidents) throw new GatewayError("PCX_NOT_FOUND", "This store does not keep feedback.");
    return store.incidents;
  };

  /** The caller's own event for the request, or undefined: nobody can report on another key's requests. */
  async function findRequest(keyId: string, requestId: string): Promise<SecurityEvent | undefined> {
    const since = uuidTime(requestId);
    const now = Date.now();
    if (!Number.isFinite(since) || since > now + EVENT_SLACK_MS) return undefined;
    // Its event is written off the request path; wait briefly so a just-finished request is found.
    await bus.drain(2000, ["store"]);
    const until = since + runtime.config.server.requestTimeoutMs + EVENT_SLACK_MS;
    let cursor: string | undefined;
    for (let page = 0; page < SEARCH_PAGES; page++) {
      const found = await store.queryEvents({
        keyId,
        since,
        until,
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      const event = found.events.find((e) => e.request_id === requestId && e.class === "api_activity");
      if (event) return event;
      if (!found.nextCursor) return undefined;
      cursor = found.nextCursor;
    }
    return undefined;
  }

  app.post("/v1/feedback", { bodyLimit: FEEDBACK_BODY_LIMIT }, async (request, reply) => {
    const identity = authenticate(request.headers, runtime.keys, runtime.serverSecret);
    const body = parseInput(feedbackBody, request.body, "feedback");
    const target = incidents();
    const event = await findRequest(identity.keyId, body.request_id);
    if (!event) {
      throw new GatewayError("PCX_NOT_FOUND", "No request with this id was made with this key.");
    }
    const now = Date.now();
    const record: FeedbackRecord = {
      id: uuidv7(now),
      requestId: body.request_id,
      keyId: identity.keyId,
      team: identity.team,
      verdict: body.verdict,
      comment: body.comment,
      subjects: await subjectsOf(event, target),
      createdAt: now,
    };
    const inserted = await target.insertFeedback(record);
    if (inserted) {
      bus.publish({
        id: uuidv7(),
        time: now,
        class: "admin_activity",
        activity: "feedback.submitted",
        severity: "info",
        request_id: body.request_id,
        actor: {
          key_id: identity.keyId,
          key_name: identity.keyName,
          team: identity.team,
          role: identity.role,
        },
        src_endpoint: { ip: request.ip },
        decision: { action: "allow", monitor_only: false, reasons: [] },
        findings: [],
        // The comment stays in the feedback table: it is a person's free text, not an audit fact.
        details: { feedback_id: record.id, verdict: record.verdict, subjects: record.subjects },
      });
    }
    return reply.code(inserted ? 201 : 200).send({
      id: inserted ? record.id : null,
      request_id: record.requestId,
      verdict: record.verdict,
      status: inserted ? "recorded" : "already_reported",
    });
  });

  app.get("/admin/v1/feedback", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const q = parseInput(feedbackQuery, request.query, "query");
    const page = await incidents().listFeedback({
      limit: q.limit,
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.verdict ? { verdict: q.verdict } : {}),
      ...(q.key_id ? { keyId: q.key_id } : {}),
    });
    return { data: page.feedback.map(feedbackJson), next_cursor: page.nextCursor };
  });

  app.get("/admin/v1/feedback/summary", async (request) => {
    requireRole(runtime, request, ["admin", "auditor"]);
    const rows = await incidents().feedbackSummary();
    return {
      data: rows.map((r) => ({
        subject: r.subject,
        false_positive: r.falsePositive,
        missed_attack: r.missedAttack,
        total: r.falsePositive + r.missedAttack,
      })),
    };
  });
}
