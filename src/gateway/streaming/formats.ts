import type { ApiKind } from "../providers/types.js";
import { formatSse, type SseEvent } from "./sse.js";

/**
 * What the gateway needs to understand of each provider's wire format: where the answer's text
 * is (per channel: an OpenAI choice index or an Anthropic content block), where a channel ends,
 * the usage figures, and how to write an event with changed text. Everything else passes through.
 */

type Json = Record<string, unknown>;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface TextDelta {
  channel: number;
  text: string;
}

export type StreamFrame =
  | { kind: "done" }
  | { kind: "passthrough" }
  | { kind: "error"; message: string }
  | {
      kind: "data";
      json: Json;
      deltas: TextDelta[];
      /** Channels this event closes (OpenAI finish_reason, Anthropic content_block_stop). */
      ends: number[];
      usage?: Partial<Usage>;
      /** OpenAI's usage-only chunk (choices: []), which the gateway adds for accounting. */
      usageOnly: boolean;
      /** The last event of the stream (Anthropic message_stop). */
      final: boolean;
    };

export interface StreamFormat {
  parse(event: SseEvent): StreamFrame;
  /** The event with the given channels' text replaced. */
  rewrite(event: SseEvent, json: Json, texts: Map<number, string>): string;
  /** A new event that carries only `text` for `channel`, modelled on an event of the same stream. */
  synthesize(template: Json, channel: number, text: string): string;
  /** A well-formed error event that clients of this format understand. */
  error(code: string, message: string): string;
}

export interface BodyFormat {
  texts(body: Json): TextDelta[];
  rewrite(body: Json, texts: Map<number, string>): void;
  usage(body: Json): Partial<Usage>;
}

function parseJson(data: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function choices(json: Json): Json[] {
  return Array.isArray(json.choices) ? (json.choices as Json[]) : [];
}

function openaiUsage(json: Json): Partial<Usage> | undefined {
  const usage = json.usage as Json | undefined | null;
  if (!usage || typeof usage !== "object") return undefined;
  const out: Partial<Usage> = {};
  if (typeof usage.prompt_tokens === "number") out.prompt_tokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === "number") out.completion_tokens = usage.completion_tokens;
  return out;
}

/** OpenAI chat (`delta.content`) and legacy completions (`text`) streams. */
function openaiStream(chat: boolean): StreamFormat {
  const textOf = (choice: Json): unknown =>
    chat ? (choice.delta as Json | undefined)?.content : choice.text;
  return {
    parse(event) {
      if (event.data === "[DONE]") return { kind: "done" };
      const json = parseJson(event.data);
      if (!json) return { kind: "passthrough" };
      if (json.error && typeof json.error === "object") {
        return { kind: "error", message: String((json.error as Json).message ?? "upstream error") };
      }
      const deltas: TextDelta[] = [];
      const ends: number[] = [];
      for (const choice of choices(json)) {
        const channel = typeof choice.index === "number" ? choice.index : 0;
        const text = textOf(choice);
        if (typeof text === "string" && text.length > 0) deltas.push({ channel, text });
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) ends.push(channel);
      }
      const usage = openaiUsage(json);
      return {
        kind: "data",
        json,
        deltas,
        ends,
        ...(usage ? { usage } : {}),
        usageOnly: choices(json).length === 0 && usage !== undefined,
        final: false,
      };
    },
    rewrite(_event, json, texts) {
      for (const choice of choices(json)) {
        const channel = typeof choice.index === "number" ? choice.index : 0;
        const text = texts.get(channel);
        if (text === undefined) continue;
        if (chat) (choice.delta as Json).content = text;
        else choice.text = text;
      }
      return formatSse(json);
    },
    synthesize(template, channel, text) {
      return formatSse({
        id: template.id,
        object: template.object,
        created: template.created,
        model: template.model,
        choices: [
          chat
            ? { index: channel, delta: { content: text }, finish_reason: null }
            : { index: channel, text, finish_reason: null },
        ],
      });
    },
    error(code, message) {
      return formatSse({ error: { message, type: "api_error", code, param: null } });
    },
  };
}

const anthropicStream: StreamFormat = {
  parse(event) {
    const json = parseJson(event.data);
    if (!json) return { kind: "passthrough" };
    const type = json.type;
    const index = typeof json.index === "number" ? json.index : 0;
    const base = {
      kind: "data" as const,
      json,
      deltas: [] as TextDelta[],
      ends: [] as number[],
      usageOnly: false,
      final: false,
    };
    switch (type) {
      case "error":
        return {
          kind: "error",
          message: String((json.error as Json | undefined)?.message ?? "upstream error"),
        };
      case "content_block_delta": {
        const delta = json.delta as Json | undefined;
        if (delta?.type === "text_delta" && typeof delta.text === "string" && delta.text.length > 0) {
          base.deltas.push({ channel: index, text: delta.text });
        }
        return base;
      }
      case "content_block_stop":
        return { ...base, ends: [index] };
      case "message_start": {
        const usage = ((json.message as Json | undefined)?.usage ?? {}) as Json;
        return {
          ...base,
          usage: typeof usage.input_tokens === "number" ? { prompt_tokens: usage.input_tokens } : {},
        };
      }
      case "message_delta": {
        const usage = (json.usage ?? {}) as Json;
        return {
          ...base,
          usage: typeof usage.output_tokens === "number" ? { completion_tokens: usage.output_tokens } : {},
        };
      }
      case "message_stop":
        return { ...base, final: true };
      default:
        return base;
    }
  },
  rewrite(event, json, texts) {
    const text = texts.get(typeof json.index === "number" ? json.index : 0);
    if (text !== undefined) (json.delta as Json).text = text;
    return formatSse(json, event.event ?? String(json.type));
  },
  synthesize(_template, channel, text) {
    return formatSse(
      { type: "content_block_delta", index: channel, delta: { type: "text_delta", text } },
      "content_block_delta",
    );
  },
  error(code, message) {
    return formatSse({ type: "error", error: { type: "api_error", message, code } }, "error");
  },
};

export function streamFormat(api: ApiKind): StreamFormat {
  if (api === "anthropic.messages") return anthropicStream;
  return openaiStream(api === "openai.chat");
}

const openaiBody = (chat: boolean): BodyFormat => ({
  texts(body) {
    const out: TextDelta[] = [];
    for (const choice of choices(body)) {
      const text = chat ? (choice.message as Json | undefined)?.content : choice.text;
      if (typeof text === "string")
        out.push({ channel: typeof choice.index === "number" ? choice.index : 0, text });
    }
    return out;
  },
  rewrite(body, texts) {
    for (const choice of choices(body)) {
      const text = texts.get(typeof choice.index === "number" ? choice.index : 0);
      if (text === undefined) continue;
      if (chat) (choice.message as Json).content = text;
      else choice.text = text;
    }
  },
  usage: (body) => openaiUsage(body) ?? {},
});

const anthropicBody: BodyFormat = {
  texts(body) {
    const content = Array.isArray(body.content) ? (body.content as Json[]) : [];
    return content.flatMap((block, channel) =>
      block.type === "text" && typeof block.text === "string" ? [{ channel, text: block.text }] : [],
    );
  },
  rewrite(body, texts) {
    const content = Array.isArray(body.content) ? (body.content as Json[]) : [];
    content.forEach((block, channel) => {
      const text = texts.get(channel);
      if (text !== undefined) block.text = text;
    });
  },
  usage(body) {
    const usage = (body.usage ?? {}) as Json;
    const out: Partial<Usage> = {};
    if (typeof usage.input_tokens === "number") out.prompt_tokens = usage.input_tokens;
    if (typeof usage.output_tokens === "number") out.completion_tokens = usage.output_tokens;
    return out;
  },
};

const embeddingsBody: BodyFormat = {
  texts: () => [],
  rewrite: () => {},
  usage: (body) => openaiUsage(body) ?? {},
};

export function bodyFormat(api: ApiKind): BodyFormat {
  switch (api) {
    case "anthropic.messages":
      return anthropicBody;
    case "openai.embeddings":
      return embeddingsBody;
    default:
      return openaiBody(api === "openai.chat");
  }
}
