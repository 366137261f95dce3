import type { SecurityEvent } from "../events/index.js";
import { uuidv7 } from "../events/index.js";
import { requestFeatures } from "./features.js";
import type { Identity } from "./auth/index.js";
import type { RequestContext } from "./stages/types.js";

export interface RequestOutcome {
  status: number;
  errorCode?: string;
  stoppedBy?: string;
  upstreamMs?: number;
  overheadMs?: number;
  totalMs: number;
}

const ACTIVITY: Record<string, string> = {
  "openai.chat": "chat.completions",
  "openai.completions": "completions",
  "openai.embeddings": "embeddings",
  "anthropic.messages": "messages",
};

/**
 * The one security event of a request. It carries identity, decision and counts — never the key,
 * the prompt or the answer (payload logging is a separate, encrypted, opt-in path).
 */
export function requestEvent(ctx: RequestContext, outcome: RequestOutcome): SecurityEvent {
  const failedUpstream = outcome.errorCode !== undefined && outcome.stoppedBy === undefined;
  const action = outcome.stoppedBy ? "block" : failedUpstream ? "error" : ctx.decision.action;
  const reasons = outcome.stoppedBy
    ? [`${outcome.stoppedBy}: ${outcome.errorCode}`, ...ctx.decision.reasons]
    : ctx.decision.reasons;
  return {
    id: uuidv7(),
    time: Date.now(),
    class: "api_activity",
    activity: ACTIVITY[ctx.api] ?? ctx.api,
    severity:
      action === "block" ? "medium" : action === "error" ? "low" : ctx.findings.length > 0 ? "low" : "info",
    request_id: ctx.requestId,
    actor: ctx.identity
      ? {
          key_id: ctx.identity.keyId,
          key_name: ctx.identity.keyName,
          team: ctx.identity.team,
          role: ctx.identity.role,
        }
      : { key_id: null },
    src_endpoint: {
      ip: ctx.clientIp,
      ...(typeof ctx.headers["user-agent"] === "string"
        ? { user_agent: ctx.headers["user-agent"].slice(0, 256) }
        : {}),
    },
    http: { method: "POST", path: ctx.path, status: outcome.status },
    route: ctx.path,
    ...(ctx.model
      ? { model: ctx.model.name, provider: ctx.model.provider.name }
      : ctx.requestedModel
        ? { model: ctx.requestedModel.slice(0, 256) }
        : {}),
    stream: ctx.stream,
    decision: { action, monitor_only: ctx.decision.monitorOnly, reasons },
    findings: ctx.findings,
    usage: { ...ctx.usage },
    latency_ms: {
      total: round(outcome.totalMs),
      ...(outcome.upstreamMs !== undefined ? { upstream: round(outcome.upstreamMs) } : {}),
      ...(outcome.overheadMs !== undefined ? { overhead: round(outcome.overheadMs) } : {}),
    },
    ...(outcome.errorCode ? { error_code: outcome.errorCode } : {}),
    payload_ref: null,
    // Shape and one-way fingerprints for behaviour analytics, never text (src/gateway/features.ts).
    ...(ctx.body.model !== undefined ? { request_features: requestFeatures(ctx.body, ctx.stream) } : {}),
  };
}

/** Refusals of one key, from one address, on one route, answered by the penalty box. */
export interface RefusalSummary {
  identity: Identity;
  ip: string;
  path: string;
  api: string;
  userAgent?: string;
  errorCode: string;
  message: string;
  count: number;
  firstAt: number;
  lastAt: number;
  firstRequestId: string;
  lastRequestId: string;
}

/**
 * One event for many refused requests (src/gateway/penalty.ts): the shape of a request event that
 * the limits stage stopped, with `count` and the first and last request ids, so a SIEM search for
 * either id finds it.
 */
export function refusalSummaryEvent(group: RefusalSummary): SecurityEvent {
  return {
    id: uuidv7(),
    time: group.lastAt,
    class: "api_activity",
    activity: ACTIVITY[group.api] ?? group.api,
    severity: "medium",
    request_id: group.lastRequestId,
    actor: {
      key_id: group.identity.keyId,
      key_name: group.identity.keyName,
      team: group.identity.team,
      role: group.identity.role,
    },
    src_endpoint: { ip: group.ip, ...(group.userAgent ? { user_agent: group.userAgent } : {}) },
    http: { method: "POST", path: group.path, status: 429 },
    route: group.path,
    decision: {
      action: "block",
      monitor_only: false,
      reasons: [
        `limits: ${group.errorCode}`,
        `${group.count} request${group.count === 1 ? "" : "s"} refused before their bodies were read (penalty box): ${group.message}`,
      ],
    },
    findings: [],
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    error_code: group.errorCode,
    payload_ref: null,
    count: group.count,
    details: {
      summarised: true,
      first_at: new Date(group.firstAt).toISOString(),
      last_at: new Date(group.lastAt).toISOString(),
      first_request_id: group.firstRequestId,
      last_request_id: group.lastRequestId,
    },
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
