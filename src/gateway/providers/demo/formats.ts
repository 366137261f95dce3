import type { ApiKind } from "../types.js";
import { countTokens, type DemoScript } from "./script.js";

/**
 * Serialises the demo model's answer in each provider's own wire format, so the rest of the
 * gateway treats the demo exactly like a remote provider.
 */

type Json = Record<string, unknown>;
const encoder = new TextEncoder();

export interface DemoReply {
  id: string;
  model: string;
  created: number;
  script: DemoScript;
  includeUsage: boolean;
}

const sse = (data: unknown, event?: string) =>
  encoder.encode(
    `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
  );

function usageOpenAI(r: DemoReply, completion: number) {
  return {
    prompt_tokens: r.script.promptTokens,
    completion_tokens: completion,
    total_tokens: r.script.promptTokens + completion,
  };
}

export function jsonBody(api: ApiKind, r: DemoReply): Json {
  const text = r.script.tokens.join("");
  const completion = r.script.tokens.length;
  switch (api) {
    case "openai.chat":
      return {
        id: r.id,
        object: "chat.completion",
        created: r.created,
        model: r.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text, refusal: null },
            logprobs: null,
            finish_reason: r.script.finishReason,
          },
        ],
        usage: usageOpenAI(r, completion),
      };
    case "openai.completions":
      return {
        id: r.id,
        object: "text_completion",
        created: r.created,
        model: r.model,
        choices: [{ index: 0, text, logprobs: null, finish_reason: r.script.finishReason }],
        usage: usageOpenAI(r, completion),
      };
    case "anthropic.messages":
      return {
        id: r.id,
        type: "message",
        role: "assistant",
        model: r.model,
        content: [{ type: "text", text }],
        stop_reason: r.script.finishReason === "length" ? "max_tokens" : "end_turn",
        stop_sequence: null,
        usage: { input_tokens: r.script.promptTokens, output_tokens: completion },
      };
    case "openai.embeddings":
      throw new Error("embeddings are not a completion");
  }
}

/** Stream frames: the opening frames, one frame per token, and the closing frames. */
export function streamFrames(api: ApiKind, r: DemoReply) {
  const completion = r.script.tokens.length;
  if (api === "anthropic.messages") {
    return {
      open: [
        sse(
          {
            type: "message_start",
            message: {
              id: r.id,
              type: "message",
              role: "assistant",
              model: r.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: r.script.promptTokens, output_tokens: 1 },
            },
          },
          "message_start",
        ),
        sse(
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
          "content_block_start",
        ),
        sse({ type: "ping" }, "ping"),
      ],
      token: (t: string) =>
        sse(
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } },
          "content_block_delta",
        ),
      close: [
        sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
        sse(
          {
            type: "message_delta",
            delta: {
              stop_reason: r.script.finishReason === "length" ? "max_tokens" : "end_turn",
              stop_sequence: null,
            },
            usage: { output_tokens: completion },
          },
          "message_delta",
        ),
        sse({ type: "message_stop" }, "message_stop"),
      ],
    };
  }
  const chat = api === "openai.chat";
  const chunk = (choice: Json, extra: Json = {}) => ({
    id: r.id,
    object: chat ? "chat.completion.chunk" : "text_completion",
    created: r.created,
    model: r.model,
    choices: [{ index: 0, ...choice, logprobs: null }],
    ...extra,
  });
  const close = [
    sse(
      chunk(
        chat
          ? { delta: {}, finish_reason: r.script.finishReason }
          : { text: "", finish_reason: r.script.finishReason },
      ),
    ),
  ];
  if (r.includeUsage) {
    close.push(
      sse({
        id: r.id,
        object: chat ? "chat.completion.chunk" : "text_completion",
        created: r.created,
        model: r.model,
        choices: [],
        usage: usageOpenAI(r, completion),
      }),
    );
  }
  close.push(sse("[DONE]"));
  return {
    open: chat ? [sse(chunk({ delta: { role: "assistant", content: "" }, finish_reason: null }))] : [],
    token: (t: string) =>
      sse(chunk(chat ? { delta: { content: t }, finish_reason: null } : { text: t, finish_reason: null })),
    close,
  };
}

export function errorJson(api: ApiKind, status: number): Json {
  const message = `demo provider: scripted error ${status}`;
  if (api === "anthropic.messages")
    return { type: "error", error: { type: status === 429 ? "rate_limit_error" : "api_error", message } };
  return {
    error: {
      message,
      type: status === 429 ? "rate_limit_exceeded" : "server_error",
      code: null,
      param: null,
    },
  };
}

const EMBEDDING_DIMENSIONS = 64;

/**
 * A deterministic embedding by feature hashing of words: similar texts get similar vectors, which
 * is enough for demos of retrieval, and costs nothing.
 */
export function embed(text: string): Float32Array {
  const vector = new Float32Array(EMBEDDING_DIMENSIONS);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    vector[(h >>> 0) % EMBEDDING_DIMENSIONS]! += (h & 0x80000000) === 0 ? 1 : -1;
  }
  const norm = Math.hypot(...vector) || 1;
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

export function embeddingsBody(body: Json, model: string): Json {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const base64 = body.encoding_format === "base64";
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === "string" ? input : JSON.stringify(input ?? "");
    tokens += countTokens(text);
    const vector = embed(text);
    return {
      object: "embedding",
      index,
      embedding: base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64")
        : Array.from(vector),
    };
  });
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
