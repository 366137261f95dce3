/**
 * Model API targets: OpenAI-compatible chat completions and Anthropic messages. A retrieved
 * document arrives the way agents receive one, as the result of a `fetch_document` tool call
 * (so a gateway sees it as a tool result, not as the user's words), or inline when asked.
 */
import { TOOL_CATALOGUE } from "../suites/schema.js";
import type { Exchange, TargetInfo, TargetReply, ToolCall, ToolSpec } from "../types.js";
import { httpSend } from "./http.js";

export type DocumentVia = "tool" | "inline";

export interface ChatTargetOptions {
  type: "openai" | "anthropic";
  url: string;
  model: string;
  /** The key, read by the CLI from the environment variable it was told; never from argv. */
  apiKey?: string;
  documentVia?: DocumentVia;
  timeoutMs?: number;
}

export interface Target {
  info: TargetInfo;
  send(exchange: Exchange, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<TargetReply>;
}

type Json = Record<string, unknown>;

const FETCH_TOOL: ToolSpec = {
  name: "fetch_document",
  description: "Fetch a document (a web page, an email or a file) the user asked about.",
  parameters: { type: "object", properties: { source: { type: "string" } }, required: ["source"] },
};

export function toolsOf(exchange: Exchange, via: DocumentVia): ToolSpec[] {
  const tools = [...(exchange.tools ?? [])];
  if (exchange.document !== undefined && via === "tool") tools.unshift(FETCH_TOOL);
  return tools;
}

export function catalogueTools(names: readonly (keyof typeof TOOL_CATALOGUE)[]): ToolSpec[] {
  return names.map((name) => ({ name, ...TOOL_CATALOGUE[name] }) as ToolSpec);
}

/** The document framed inside the last user message (targets without tools, or `inline`). */
export function inlineDocument(text: string, document: string): string {
  return `${text}\n\n<document>\n${document}\n</document>`;
}

/** The error an API put in a 4xx/5xx body: OpenAI `{error:{message,code,type}}`, Anthropic `{error:{type,message}}`. */
export function errorOf(body: string, status: number): { code?: string; message: string } {
  try {
    const json = JSON.parse(body) as Json;
    const err = (json.error ?? json) as Json;
    const message = typeof err.message === "string" ? err.message : typeof err === "string" ? err : "";
    const code =
      typeof err.code === "string" ? err.code : typeof err.type === "string" ? err.type : undefined;
    if (message || code)
      return { ...(code ? { code } : {}), message: (message || `HTTP ${status}`).slice(0, 500) };
  } catch {
    // Not JSON: the body's start is the message.
  }
  return { message: (body.trim().slice(0, 200) || `HTTP ${status}`).replace(/\s+/g, " ") };
}

/** Endpoint URL from what the user gave: a base URL, a `/v1` base, or the full endpoint. */
export function endpointOf(url: string, type: "openai" | "anthropic"): string {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, "");
  const suffix = type === "openai" ? "/chat/completions" : "/messages";
  if (path.endsWith(suffix)) return u.toString();
  u.pathname = path.endsWith("/v1") ? `${path}${suffix}` : `${path}/v1${suffix}`;
  return u.toString();
}

function openaiBody(model: string, ex: Exchange, via: DocumentVia): Json {
  const messages: Json[] = [];
  if (ex.system !== undefined) messages.push({ role: "system", content: ex.system });
  ex.messages.forEach((m, i) => {
    const last = i === ex.messages.length - 1;
    const content =
      last && ex.document !== undefined && via === "inline"
        ? inlineDocument(m.content, ex.document)
        : m.content;
    messages.push({ role: m.role, content });
  });
  if (ex.document !== undefined && via === "tool") {
    messages.push({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_rt_doc",
          type: "function",
          function: {
            name: FETCH_TOOL.name,
            arguments: JSON.stringify({ source: "the document the user named" }),
          },
        },
      ],
    });
    messages.push({ role: "tool", tool_call_id: "call_rt_doc", content: ex.document });
  }
  const body: Json = { model, messages };
  const tools = toolsOf(ex, via);
  if (tools.length)
    body.tools = tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
  if (ex.maxTokens !== undefined) body.max_tokens = ex.maxTokens;
  return body;
}

/** Anthropic requires max_tokens; without a probe's own cap, a generous one that still ends. */
const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

function anthropicBody(model: string, ex: Exchange, via: DocumentVia): Json {
  const messages: Json[] = ex.messages.map((m, i) => {
    const last = i === ex.messages.length - 1;
    const content =
      last && ex.document !== undefined && via === "inline"
        ? inlineDocument(m.content, ex.document)
        : m.content;
    return { role: m.role, content };
  });
  if (ex.document !== undefined && via === "tool") {
    messages.push({
      role: "assistant",
      content: [
        {
          type: "tool_use",
          id: "toolu_rt_doc",
          name: FETCH_TOOL.name,
          input: { source: "the document the user named" },
        },
      ],
    });
    messages.push({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_rt_doc", content: ex.document }],
    });
  }
  const body: Json = { model, max_tokens: ex.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages };
  if (ex.system !== undefined) body.system = ex.system;
  const tools = toolsOf(ex, via);
  if (tools.length)
    body.tools = tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
  return body;
}

function parseOpenai(json: Json): Pick<TargetReply, "text" | "toolCalls" | "finishReason" | "usage"> {
  const choice = ((json.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const content = message.content;
  const text =
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.map((p) => (typeof (p as Json).text === "string" ? (p as Json).text : "")).join("")
        : "";
  const toolCalls: ToolCall[] = ((message.tool_calls as Json[] | undefined) ?? []).map((c) => {
    const fn = (c.function ?? {}) as Json;
    return { name: String(fn.name ?? ""), arguments: String(fn.arguments ?? "") };
  });
  const usage = json.usage as Json | undefined;
  return {
    text: typeof message.refusal === "string" && !text ? message.refusal : text,
    toolCalls,
    ...(typeof choice.finish_reason === "string" ? { finishReason: choice.finish_reason } : {}),
    ...(usage
      ? {
          usage: {
            promptTokens: Number(usage.prompt_tokens) || 0,
            completionTokens: Number(usage.completion_tokens) || 0,
          },
        }
      : {}),
  };
}

function parseAnthropic(json: Json): Pick<TargetReply, "text" | "toolCalls" | "finishReason" | "usage"> {
  const blocks = (json.content as Json[] | undefined) ?? [];
  const text = blocks.map((b) => (b.type === "text" && typeof b.text === "string" ? b.text : "")).join("");
  const toolCalls = blocks
    .filter((b) => b.type === "tool_use")
    .map((b) => ({ name: String(b.name ?? ""), arguments: JSON.stringify(b.input ?? {}) }));
  const usage = json.usage as Json | undefined;
  return {
    text,
    toolCalls,
    ...(typeof json.stop_reason === "string" ? { finishReason: json.stop_reason } : {}),
    ...(usage
      ? {
          usage: {
            promptTokens: Number(usage.input_tokens) || 0,
            completionTokens: Number(usage.output_tokens) || 0,
          },
        }
      : {}),
  };
}

/** Turns an HTTP result into a reply: 2xx answers, 4xx refusals (blocked), the rest errors. */
export function replyOf(
  result: { status: number; body: string; latencyMs: number; error?: string },
  parse: (json: Json) => Pick<TargetReply, "text" | "toolCalls" | "finishReason" | "usage">,
): TargetReply {
  const base = { status: result.status, text: "", toolCalls: [], latencyMs: result.latencyMs };
  if (result.error) return { ...base, error: result.error };
  if (result.status >= 200 && result.status < 300) {
    try {
      return { ...base, ...parse(JSON.parse(result.body) as Json) };
    } catch {
      return { ...base, error: "the answer is not JSON" };
    }
  }
  // 408 and 429 (after retries) say nothing about the attack: errors, not refusals.
  if (result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429)
    return { ...base, blocked: errorOf(result.body, result.status) };
  const err = errorOf(result.body, result.status);
  return { ...base, error: `HTTP ${result.status}${err.code ? ` ${err.code}` : ""}: ${err.message}` };
}

export function createChatTarget(opts: ChatTargetOptions): Target {
  const url = endpointOf(opts.url, opts.type);
  const via = opts.documentVia ?? "tool";
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (opts.type === "openai") {
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  } else {
    if (opts.apiKey) headers["x-api-key"] = opts.apiKey;
    // The Messages API version this client speaks (docs.anthropic.com, "Versions").
    headers["anthropic-version"] = "2023-06-01";
  }
  return {
    info: { type: opts.type, url, model: opts.model },
    async send(exchange, sendOpts = {}) {
      const body =
        opts.type === "openai"
          ? openaiBody(opts.model, exchange, via)
          : anthropicBody(opts.model, exchange, via);
      const result = await httpSend(url, {
        headers,
        body: JSON.stringify(body),
        timeoutMs: sendOpts.timeoutMs ?? opts.timeoutMs ?? 60_000,
        ...(sendOpts.signal ? { signal: sendOpts.signal } : {}),
      });
      return replyOf(result, opts.type === "openai" ? parseOpenai : parseAnthropic);
    },
  };
}
