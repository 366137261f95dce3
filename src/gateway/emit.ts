import type { SecurityEvent } from "../events/index.js";
import { uuidv7 } from "../events/index.js";
import { requestFeatures } from "./features.js";
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

const round = (ms: number) => Math.round(ms * 1000) / 1000;
