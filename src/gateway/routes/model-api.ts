import { performance } from "node:perf_hooks";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { GatewayRuntime } from "../runtime.js";
import { requestEvent, type RequestOutcome } from "../emit.js";
import { GatewayError, errorBody, type ErrorShape } from "../errors.js";
import { ClientAbortedError, type ApiKind, type UpstreamResponse } from "../providers/index.js";
import { retryAfterHeader } from "../overload.js";
import { discardBody, relayJson, relayStream, type RelayOutcome, type RelayTiming } from "../relay.js";
import { LIMIT_CODES, settleLimits, writeLimitHeaders } from "../stages/limits.js";
import { openResponseChain, runRequestStages, type RequestContext } from "../stages/index.js";

/**
 * One handler for every model endpoint: run the request stages, call the provider, relay the
 * answer through the response stages, then publish the security event. The stages decide; only
 * this runner writes the reply.
 */
export function modelHandler(runtime: GatewayRuntime, api: ApiKind, shape: ErrorShape) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const ctx: RequestContext = {
      requestId: request.id,
      api,
      path: request.routeOptions.url ?? request.url,
      shape,
      headers: request.headers,
      rawBody: request.body,
      body: {},
      stream: false,
      requestedModel: "",
      clientIp: request.ip,
      startedAt: (request as FastifyRequest & { startedAt?: number }).startedAt ?? performance.now(),
      findings: [],
      decision: { action: "allow", reasons: [], monitorOnly: false },
      usage: { prompt_tokens: 0, completion_tokens: 0 },
    };
    const timing: RelayTiming = {};
    const controller = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });

    let outcome: RelayOutcome;
    let stoppedBy: string | undefined;
    try {
      const verdict = await runRequestStages(runtime.requestStages, ctx);
      writeLimitHeaders(ctx, reply.raw);
      if (verdict.action === "stop") {
        stoppedBy = stageNameFor(verdict.error);
        outcome = sendError(reply, ctx, verdict.error);
        if (stoppedBy === "limits") runtime.penalty?.remember(ctx.headers, ctx.identity, verdict.error);
      } else {
        outcome = await callAndRelay(runtime, ctx, reply, timing, controller.signal);
      }
    } catch (error) {
      outcome = failure(runtime, reply, ctx, error);
    }
    finish(runtime, ctx, outcome, timing, stoppedBy);
  };
}

function stageNameFor(error: GatewayError): string {
  if (error.code.startsWith("PCX_AUTH")) return "auth";
  if (error.code.startsWith("PCX_MODEL")) return "model-access";
  if (LIMIT_CODES.has(error.code)) return "limits";
  if (error.code === "PCX_INVALID_REQUEST") return "validate";
  return "policy";
}

async function callAndRelay(
  runtime: GatewayRuntime,
  ctx: RequestContext,
  reply: FastifyReply,
  timing: RelayTiming,
  signal: AbortSignal,
): Promise<RelayOutcome> {
  const model = ctx.model!;
  const body: Record<string, unknown> = { ...ctx.body, model: model.upstreamModel };
  // OpenAI streams carry usage only when asked: the gateway always asks (token accounting needs
  // it) and hides the extra chunk from clients that did not ask themselves.
  let hideUsageChunk = false;
  if (
    ctx.stream &&
    (ctx.api === "openai.chat" || ctx.api === "openai.completions") &&
    model.provider.type !== "anthropic"
  ) {
    const options = (ctx.body.stream_options ?? {}) as Record<string, unknown>;
    if (options.include_usage !== true) {
      hideUsageChunk = true;
      body.stream_options = { ...options, include_usage: true };
    }
  }
  timing.upstreamStart = performance.now();
  const upstream: UpstreamResponse = await model.provider.call({
    api: ctx.api,
    body,
    stream: ctx.stream,
    signal,
    clientHeaders: ctx.headers,
    requestId: ctx.requestId,
  });
  timing.upstreamHeaders = performance.now();
  const inspector = openResponseChain(runtime.responseStages, ctx);
  const deps = { scrub: runtime.scrub, overheadMs: overheadMs };

  const isEventStream = upstream.contentType.startsWith("text/event-stream");
  if (ctx.stream && upstream.status < 400) {
    if (!isEventStream) {
      await discardBody(upstream.body);
      throw new GatewayError(
        "PCX_UPSTREAM_BAD_RESPONSE",
        "The model provider answered a stream request without a stream.",
      );
    }
    reply.hijack();
    return relayStream(ctx, upstream, reply.raw, inspector, timing, deps, signal, hideUsageChunk);
  }
  return relayJson(
    ctx,
    upstream,
    {
      status: (code) => reply.code(code),
      headers: (h) => reply.headers(h),
      send: (payload) => reply.send(payload),
    },
    inspector,
    timing,
    deps,
    signal,
  );
}

function overheadMs(ctx: RequestContext, timing: RelayTiming): number {
  const now = performance.now();
  const upstreamEnd = timing.upstreamEnd ?? timing.upstreamHeaders ?? now;
  const upstream = timing.upstreamStart !== undefined ? upstreamEnd - timing.upstreamStart : 0;
  return Math.max(0, now - ctx.startedAt - upstream);
}

function sendError(reply: FastifyReply, ctx: RequestContext, error: GatewayError): RelayOutcome {
  if (reply.sent || reply.raw.headersSent) return { status: reply.raw.statusCode, errorCode: error.code };
  retryAfterHeader(error, reply);
  reply
    .code(error.status)
    .header("x-request-id", ctx.requestId)
    .send(errorBody(error, ctx.shape, ctx.requestId));
  return { status: error.status, errorCode: error.code };
}

function failure(
  runtime: GatewayRuntime,
  reply: FastifyReply,
  ctx: RequestContext,
  error: unknown,
): RelayOutcome {
  if (error instanceof ClientAbortedError) {
    if (!reply.sent) reply.hijack();
    if (!reply.raw.writableEnded) reply.raw.end();
    return { status: 499, clientAborted: true };
  }
  if (error instanceof GatewayError) {
    if (error.status >= 500)
      runtime.logger.warn(
        { reqId: ctx.requestId, code: error.code, cause: causeOf(error) },
        "upstream failure",
      );
    return sendError(reply, ctx, error);
  }
  runtime.logger.error({ reqId: ctx.requestId, err: error }, "unexpected error in the request path");
  return sendError(reply, ctx, new GatewayError("PCX_INTERNAL"));
}

/** A cause's class and code only: messages of transport errors can carry URLs. */
function causeOf(error: GatewayError): string | undefined {
  const cause = error.cause as { name?: string; code?: string } | undefined;
  return cause ? `${cause.name ?? "Error"}${cause.code ? ` ${cause.code}` : ""}` : undefined;
}

function finish(
  runtime: GatewayRuntime,
  ctx: RequestContext,
  relay: RelayOutcome,
  timing: RelayTiming,
  stoppedBy: string | undefined,
): void {
  // Token usage settled and concurrency slots freed, whatever the outcome.
  settleLimits(ctx, relay, timing.upstreamStart !== undefined);
  const totalMs = performance.now() - ctx.startedAt;
  const upstreamMs =
    timing.upstreamStart !== undefined
      ? (timing.upstreamEnd ?? performance.now()) - timing.upstreamStart
      : undefined;
  const outcome: RequestOutcome = {
    status: relay.status,
    totalMs,
    ...(relay.errorCode ? { errorCode: relay.errorCode } : {}),
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(upstreamMs !== undefined ? { upstreamMs, overheadMs: Math.max(0, totalMs - upstreamMs) } : {}),
  };
  const event = requestEvent(ctx, outcome);
  if (relay.clientAborted) event.decision.reasons.push("client aborted");
  event.payload_ref = runtime.payloads?.record(ctx, event) ?? null;
  runtime.bus.publish(event);
  runtime.observe(ctx, event, outcome);
}
