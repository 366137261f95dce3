import type { ApiKind } from "../types.js";
import type { DemoPrompt } from "./script.js";

type Json = Record<string, unknown>;

/** Text of an OpenAI or Anthropic content field: a string or an array of typed parts. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) =>
      part && typeof part === "object" && typeof (part as Json).text === "string" ? (part as Json).text : "",
    )
    .join("\n");
}

export function readPrompt(api: ApiKind, body: Json): DemoPrompt {
  if (api === "openai.completions" || api === "openai.embeddings") {
    const input = api === "openai.completions" ? body.prompt : body.input;
    const text = Array.isArray(input)
      ? input.map((x) => (typeof x === "string" ? x : "")).join("\n")
      : String(input ?? "");
    return { system: "", lastUser: text, all: text };
  }
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const system =
    api === "anthropic.messages"
      ? contentText(body.system)
      : messages
          .filter((m) => m.role === "system" || m.role === "developer")
          .map((m) => contentText(m.content))
          .join("\n");
  const users = messages.filter((m) => m.role === "user");
  const lastUser = contentText(users.at(-1)?.content);
  const all = [system, ...messages.map((m) => contentText(m.content))].join("\n");
  return { system, lastUser, all };
}
