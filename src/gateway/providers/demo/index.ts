import { setTimeout as sleep } from "node:timers/promises";
import type { ProviderConfig } from "../../../config/index.js";
import type { ApiKind, Provider, UpstreamCall, UpstreamResponse } from "../types.js";
import { embeddingsBody, errorJson, jsonBody, streamFrames, type DemoReply } from "./formats.js";
import { readPrompt } from "./prompt.js";
import { buildScript } from "./script.js";

type DemoConfig = Extract<ProviderConfig, { type: "demo" }>;

const encoder = new TextEncoder();

/** Thrown inside the body to simulate a provider dying mid-response. */
export class DemoStreamFailure extends Error {
  constructor() {
    super("demo provider: scripted failure mid-response");
    this.name = "DemoStreamFailure";
  }
}

/**
 * The built-in deterministic model (demo-chat, demo-embed): lets the product be tried and tested
 * with no network. It answers in each provider's wire format and is driven by prompt markers.
 */
export function createDemoProvider(name: string, config: DemoConfig): Provider {
  return {
    name,
    type: "demo",
    supports: () => true,
    async call(call: UpstreamCall): Promise<UpstreamResponse> {
      const model = String(call.body.model ?? "demo-chat");
      if (call.api === "openai.embeddings") {
        return jsonResponse(200, embeddingsBody(call.body, model));
      }
      const prompt = readPrompt(call.api, call.body);
      const maxTokens = numberOrUndefined(call.body.max_tokens ?? call.body.max_completion_tokens);
      const script = buildScript(prompt, maxTokens, config.tokenDelayMs);
      if (script.errorStatus)
        return jsonResponse(script.errorStatus, errorJson(call.api, script.errorStatus));
      const reply: DemoReply = {
        id: `${call.api === "anthropic.messages" ? "msg" : "chatcmpl"}_demo_${call.requestId}`,
        model,
        created: Math.floor(Date.now() / 1000),
        script,
        includeUsage:
          (call.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true,
      };
      if (!call.stream) {
        const bytes = encoder.encode(JSON.stringify(jsonBody(call.api, reply)));
        if (script.failAfterTokens !== undefined) {
          return { status: 200, contentType: "application/json", headers: {}, body: brokenBody(bytes) };
        }
        return { status: 200, contentType: "application/json", headers: {}, body: once(bytes) };
      }
      return {
        status: 200,
        contentType: "text/event-stream",
        headers: {},
        body: streamBody(call.api, reply, call.signal),
      };
    },
    secrets: () => [],
    close: async () => {},
  };
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

function jsonResponse(status: number, body: unknown): UpstreamResponse {
  return {
    status,
    contentType: "application/json",
    headers: {},
    body: once(encoder.encode(JSON.stringify(body))),
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function* brokenBody(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes.subarray(0, Math.floor(bytes.length / 2));
  throw new DemoStreamFailure();
}

async function* streamBody(api: ApiKind, reply: DemoReply, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const frames = streamFrames(api, reply);
  for (const frame of frames.open) yield frame;
  const { tokens, tokenDelayMs, failAfterTokens } = reply.script;
  for (let i = 0; i < tokens.length; i++) {
    if (failAfterTokens !== undefined && i >= failAfterTokens) throw new DemoStreamFailure();
    if (tokenDelayMs > 0) await sleep(tokenDelayMs, undefined, { signal });
    // Even without a delay, let timers and other requests in now and then, as a network would.
    else if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return;
    yield frames.token(tokens[i]!);
  }
  if (failAfterTokens !== undefined) throw new DemoStreamFailure();
  for (const frame of frames.close) yield frame;
}
