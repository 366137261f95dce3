import type { TokenCounter } from "./tokens.js";

/**
 * What a request will cost in tokens, read from the validated body of each API before it is
 * forwarded. The figures follow OpenAI's published counting for chat models ("How to count tokens
 * with tiktoken", OpenAI Cookbook): every message costs its text plus 3 tokens of framing, a name
 * 1 more, and every reply is primed with 3. Anthropic publishes no counting rule; the same framing
 * is used as an estimate. Provider usage corrects the charge after the answer either way.
 */

export type PromptApi = "openai.chat" | "openai.completions" | "openai.embeddings" | "anthropic.messages";

const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
/**
 * Images are not counted from their bytes: a flat estimate (OpenAI charges 765 tokens for a
 * 1024×1024 image at high detail, Anthropic ~1,400), settled from the provider's usage afterwards.
 */
const IMAGE_TOKENS = 1000;
/** Content parts nest (tool results hold blocks); deeper nesting is not counted further. */
const MAX_DEPTH = 4;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Counts a message's content: a string, or an array of parts (text, images, tool results). */
function content(value: unknown, counter: TokenCounter, depth: number): void {
  if (typeof value === "string") return counter.text(value);
  if (!Array.isArray(value) || depth > MAX_DEPTH) return;
  for (const part of value) {
    if (typeof part === "string") {
      counter.text(part);
      continue;
    }
    if (!isObject(part)) continue;
    const type = part.type;
    if (typeof part.text === "string") counter.text(part.text);
    if (type === "image_url" || type === "image" || type === "input_image") counter.add(IMAGE_TOKENS);
    if (part.content !== undefined) content(part.content, counter, depth + 1);
    // Anthropic tool_use carries its arguments as an object.
    if (type === "tool_use" && part.input !== undefined) counter.text(JSON.stringify(part.input));
  }
}

function toolCalls(value: unknown, counter: TokenCounter): void {
  if (!Array.isArray(value)) return;
  for (const call of value) {
    if (!isObject(call) || !isObject(call.function)) continue;
    if (typeof call.function.name === "string") counter.text(call.function.name);
    if (typeof call.function.arguments === "string") counter.text(call.function.arguments);
  }
}

/** A prompt given as text, texts, or token ids (completions and embeddings accept all three). */
function promptInput(value: unknown, counter: TokenCounter): void {
  if (typeof value === "string") return counter.text(value);
  if (!Array.isArray(value)) return;
  for (const item of value) {
    if (typeof item === "string") counter.text(item);
    else if (typeof item === "number") counter.add(1);
    else if (Array.isArray(item)) counter.add(item.length);
  }
}

/** Tool and function definitions are part of the prompt the model reads. */
function definitions(body: Json, counter: TokenCounter): void {
  if (body.tools !== undefined) counter.text(JSON.stringify(body.tools));
  if (body.functions !== undefined) counter.text(JSON.stringify(body.functions));
}

/** The prompt tokens of a validated request body (`counter` is started by the caller). */
export function countPrompt(api: PromptApi, body: Json, counter: TokenCounter): void {
  switch (api) {
    case "openai.chat": {
      for (const message of body.messages as unknown[]) {
        if (!isObject(message)) continue;
        counter.add(PER_MESSAGE);
        if (typeof message.role === "string") counter.text(message.role);
        content(message.content, counter, 0);
        if (typeof message.name === "string") {
          counter.add(PER_NAME);
          counter.text(message.name);
        }
        toolCalls(message.tool_calls, counter);
      }
      counter.add(REPLY_PRIMING);
      definitions(body, counter);
      return;
    }
    case "anthropic.messages": {
      if (body.system !== undefined) {
        counter.add(PER_MESSAGE);
        content(body.system, counter, 0);
      }
      for (const message of body.messages as unknown[]) {
        if (!isObject(message)) continue;
        counter.add(PER_MESSAGE);
        content(message.content, counter, 0);
      }
      counter.add(REPLY_PRIMING);
      definitions(body, counter);
      return;
    }
    case "openai.completions":
      return promptInput(body.prompt, counter);
    case "openai.embeddings":
      return promptInput(body.input, counter);
  }
}

/** The completion the request asks for at most: `max_completion_tokens`, else `max_tokens`. */
export function requestedCompletion(api: PromptApi, body: Json): number | undefined {
  if (api === "openai.embeddings") return undefined;
  const value = api === "openai.chat" ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  return typeof value === "number" && value > 0 ? value : undefined;
}

/** The field a cap is written into when the client set none. */
export function completionField(api: PromptApi): "max_tokens" | "max_completion_tokens" | undefined {
  if (api === "openai.embeddings") return undefined;
  // OpenAI deprecated max_tokens on chat in favour of max_completion_tokens (o-series models
  // reject max_tokens); completions and Anthropic use max_tokens.
  return api === "openai.chat" ? "max_completion_tokens" : "max_tokens";
}

/** Chat answers may have several choices (`n`), each up to the completion limit. */
export function choices(api: PromptApi, body: Json): number {
  const n = api === "openai.chat" || api === "openai.completions" ? body.n : undefined;
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? n : 1;
}
