import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { GatewayError, errorBody } from "./errors.js";
import { ClientAbortedError, type UpstreamResponse } from "./providers/index.js";
import { mapTransportError } from "./providers/http-upstream.js";
import type { RequestContext, ResponseInspector } from "./stages/types.js";
import { bodyFormat, streamFormat, type StreamFormat } from "./streaming/formats.js";
import { SseParser, type SseEvent } from "./streaming/sse.js";

/** Largest non-streamed answer the gateway will buffer for inspection. */
const MAX_UPSTREAM_BODY = 64 * 1024 * 1024;
const MAX_UPSTREAM_ERROR_BODY = 1024 * 1024;

export interface RelayTiming {
  upstreamStart?: number;
  upstreamHeaders?: number;
  upstreamEnd?: number;
}

/** How the reply ended, for the security event and metrics. */
export interface RelayOutcome {
  status: number;
  errorCode?: string;
  /** The stream was cut short (upstream failure or a stop by an inspector) after headers were sent. */
  streamAborted?: boolean;
  clientAborted?: boolean;
}

export interface RelayDeps {
  /** Removes provider secrets from anything the provider sent back before it reaches the client. */
  scrub(text: string): string;
  overheadMs(ctx: RequestContext, timing: RelayTiming): number;
}

async function readAll(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit)
      throw new GatewayError("PCX_UPSTREAM_BAD_RESPONSE", "The model provider's answer is too large.");
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, size);
}

/** Drains and discards a body we will not use, so the connection returns to the pool. */
async function discard(body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const _ of body) {
      /* discard */
    }
  } catch {
    /* the connection is gone; nothing to return */
  }
}

/**
 * An upstream 4xx/5xx, mapped faithfully: same status and the provider's own error body when it
 * is in the route's shape (scrubbed of provider secrets). A 401/403 from the provider concerns the
 * gateway's credentials, not the caller's, so it becomes a 502 rather than confusing the client.
 */
async function upstreamErrorReply(ctx: RequestContext, upstream: UpstreamResponse, deps: RelayDeps) {
  let text = "";
  try {
    text = deps.scrub((await readAll(upstream.body, MAX_UPSTREAM_ERROR_BODY)).toString("utf8"));
  } catch {
    text = "";
  }
  if (upstream.status === 401 || upstream.status === 403) {
    const error = new GatewayError(
      "PCX_UPSTREAM_ERROR",
      `The model provider rejected the gateway's credentials (HTTP ${upstream.status}).`,
    );
    return { status: 502, body: errorBody(error, ctx.shape, ctx.requestId), errorCode: error.code };
  }
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value))
      parsed = value as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  const inShape =
    parsed && (ctx.shape === "anthropic" ? parsed.type === "error" : typeof parsed.error === "object");
  if (parsed && inShape) return { status: upstream.status, body: parsed, errorCode: "PCX_UPSTREAM_ERROR" };
  const error = new GatewayError(
    "PCX_UPSTREAM_ERROR",
    `The model provider returned HTTP ${upstream.status}.`,
    { status: upstream.status },
  );
  return { status: upstream.status, body: errorBody(error, ctx.shape, ctx.requestId), errorCode: error.code };
}

function baseHeaders(
  ctx: RequestContext,
  upstream: UpstreamResponse,
  overheadMs: number,
): Record<string, string> {
  return {
    ...upstream.headers,
    "x-request-id": ctx.requestId,
    "x-portcullis-overhead-ms": overheadMs.toFixed(2),
  };
}

/** Feeds a whole answer through the inspectors and rewrites what they changed; true if anything did. */
function inspectBody(
  ctx: RequestContext,
  json: Record<string, unknown>,
  inspector: ResponseInspector | undefined,
): boolean {
  const format = bodyFormat(ctx.api);
  const usage = format.usage(json);
  if (usage.prompt_tokens !== undefined) ctx.usage.prompt_tokens = usage.prompt_tokens;
  if (usage.completion_tokens !== undefined) ctx.usage.completion_tokens = usage.completion_tokens;
  if (!inspector) return false;
  const changed = new Map<number, string>();
  for (const { channel, text } of format.texts(json)) {
    const written = inspector.write(channel, text);
    if (written.action === "stop") throw written.error;
    const ended = inspector.end(channel);
    if (ended.action === "stop") throw ended.error;
    const out = written.release + ended.release;
    if (out !== text) changed.set(channel, out);
  }
  if (changed.size === 0) return false;
  format.rewrite(json, changed);
  return true;
}

export async function relayJson(
  ctx: RequestContext,
  upstream: UpstreamResponse,
  res: {
    status: (code: number) => void;
    headers: (h: Record<string, string>) => void;
    send: (body: unknown) => void;
  },
  inspector: ResponseInspector | undefined,
  timing: RelayTiming,
  deps: RelayDeps,
  signal: AbortSignal,
): Promise<RelayOutcome> {
  if (upstream.status >= 400) {
    const mapped = await upstreamErrorReply(ctx, upstream, deps);
    timing.upstreamEnd = performance.now();
    res.status(mapped.status);
    res.headers({
      "x-request-id": ctx.requestId,
      "x-portcullis-overhead-ms": deps.overheadMs(ctx, timing).toFixed(2),
    });
    res.send(mapped.body);
    return { status: mapped.status, errorCode: mapped.errorCode };
  }
  let raw: Buffer;
  try {
    raw = await readAll(upstream.body, MAX_UPSTREAM_BODY);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    const mapped = mapTransportError(error, signal);
    if (mapped instanceof ClientAbortedError) throw mapped;
    throw new GatewayError(
      mapped instanceof GatewayError && mapped.code === "PCX_UPSTREAM_TIMEOUT"
        ? "PCX_UPSTREAM_TIMEOUT"
        : "PCX_UPSTREAM_STREAM_BROKEN",
      undefined,
      { cause: error },
    );
  }
  timing.upstreamEnd = performance.now();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new GatewayError("PCX_UPSTREAM_BAD_RESPONSE");
  }
  if (!json || typeof json !== "object") throw new GatewayError("PCX_UPSTREAM_BAD_RESPONSE");
  const changed = inspectBody(ctx, json, inspector);
  res.status(200);
  res.headers({
    ...baseHeaders(ctx, upstream, deps.overheadMs(ctx, timing)),
    "content-type": "application/json",
  });
  // An answer nobody changed goes out as the provider's bytes: no second serialisation.
  res.send(changed ? JSON.stringify(json) : raw);
  return { status: 200 };
}

/** Waits until the socket can take more, or the client is gone. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

class StreamWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly signal: AbortSignal,
  ) {}

  async write(text: string): Promise<void> {
    if (this.signal.aborted || this.res.destroyed) return;
    if (!this.res.write(text)) await drained(this.res, this.signal);
  }
}

/**
 * Relays a server-sent-event stream. Every text delta passes the response inspectors before it is
 * written: an inspector may hold back a bounded tail (released when its channel ends) or stop the
 * stream, which then ends with a well-formed error event — output inspection is never bypassed.
 */
export async function relayStream(
  ctx: RequestContext,
  upstream: UpstreamResponse,
  res: ServerResponse,
  inspector: ResponseInspector | undefined,
  timing: RelayTiming,
  deps: RelayDeps,
  signal: AbortSignal,
  hideUsageChunk: boolean,
): Promise<RelayOutcome> {
  const format = streamFormat(ctx.api);
  res.writeHead(200, {
    ...baseHeaders(ctx, upstream, deps.overheadMs(ctx, timing)),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  const out = new StreamWriter(res, signal);
  const parser = new SseParser();
  const decoder = new TextDecoder("utf-8");
  const open = new Set<number>();
  let template: Record<string, unknown> = {};
  let finished = false;

  const fail = async (code: string, message: string): Promise<RelayOutcome> => {
    await out.write(format.error(code, message));
    res.end();
    return { status: 200, errorCode: code, streamAborted: true };
  };

  const handle = async (event: SseEvent): Promise<RelayOutcome | undefined> => {
    const frame = format.parse(event);
    if (frame.kind === "passthrough") return void (await out.write(event.raw));
    if (frame.kind === "error")
      return fail(
        "PCX_UPSTREAM_STREAM_BROKEN",
        `The model provider reported an error mid-stream: ${deps.scrub(frame.message)}`,
      );
    if (frame.kind === "done") {
      const flushed = await flushAll();
      if (flushed) return flushed;
      finished = true;
      return void (await out.write(event.raw));
    }
    template = frame.json;
    if (frame.usage?.prompt_tokens !== undefined) ctx.usage.prompt_tokens = frame.usage.prompt_tokens;
    if (frame.usage?.completion_tokens !== undefined)
      ctx.usage.completion_tokens = frame.usage.completion_tokens;
    if (frame.usageOnly && hideUsageChunk) return undefined;
    if (!inspector) {
      if (frame.final) finished = true;
      return void (await out.write(event.raw));
    }
    const texts = new Map<number, string>();
    let changed = false;
    for (const delta of frame.deltas) {
      open.add(delta.channel);
      const verdict = inspector.write(delta.channel, delta.text);
      if (verdict.action === "stop") return fail(verdict.error.code, verdict.error.message);
      texts.set(delta.channel, (texts.get(delta.channel) ?? "") + verdict.release);
      if (verdict.release !== delta.text) changed = true;
    }
    for (const channel of frame.ends) {
      const ended = inspector.end(channel);
      open.delete(channel);
      if (ended.action === "stop") return fail(ended.error.code, ended.error.message);
      if (ended.release) {
        if (texts.has(channel)) {
          texts.set(channel, texts.get(channel)! + ended.release);
          changed = true;
        } else {
          // The closing event carries no text: the held-back tail goes out just before it.
          await out.write(format.synthesize(frame.json, channel, ended.release));
        }
      }
    }
    if (frame.final) {
      const flushed = await flushAll();
      if (flushed) return flushed;
      finished = true;
    }
    await out.write(changed ? format.rewrite(event, frame.json, texts) : event.raw);
    return undefined;
  };

  const flushAll = async (): Promise<RelayOutcome | undefined> => {
    if (!inspector) return undefined;
    for (const channel of [...open]) {
      open.delete(channel);
      const ended = inspector.end(channel);
      if (ended.action === "stop") return fail(ended.error.code, ended.error.message);
      if (ended.release) await out.write(format.synthesize(template, channel, ended.release));
    }
    return undefined;
  };

  try {
    for await (const chunk of upstream.body) {
      if (signal.aborted) break;
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        const stopped = await handle(event);
        if (stopped) return stopped;
      }
    }
  } catch (error) {
    timing.upstreamEnd = performance.now();
    if (signal.aborted) {
      res.end();
      return { status: 200, clientAborted: true, streamAborted: true };
    }
    const mapped = mapTransportError(error, signal);
    const timeout = mapped instanceof GatewayError && mapped.code === "PCX_UPSTREAM_TIMEOUT";
    return fail(
      timeout ? "PCX_UPSTREAM_TIMEOUT" : "PCX_UPSTREAM_STREAM_BROKEN",
      timeout
        ? "The model provider stopped sending mid-stream."
        : "The model provider's stream broke off mid-answer.",
    );
  }
  timing.upstreamEnd = performance.now();
  if (signal.aborted) {
    res.end();
    return { status: 200, clientAborted: true, streamAborted: true };
  }
  if (!finished) {
    // The provider closed the connection without its end marker: the answer may be cut short, and
    // a client must not mistake it for a complete one.
    return fail("PCX_UPSTREAM_STREAM_BROKEN", "The model provider's stream ended without its end marker.");
  }
  res.end();
  return { status: 200 };
}

export { discard as discardBody };
export type { StreamFormat };
