import type { ApiKind } from "../providers/index.js";

/**
 * Which parts of a request are inspected, and as what (issue "Guards in the gateway…"): system
 * prompts come from the configured application and are trusted; user turns are prompts; tool
 * results and documents handed to the model are retrieved content, inspected in document mode for
 * indirect injection. Earlier assistant turns were the model's own output and are not re-inspected.
 * Embeddings inputs are not inspected: they instruct no model and produce no text.
 */
export type InspectDirection = "prompt" | "document";

export interface InspectedText {
  direction: InspectDirection;
  text: string;
  /** Where it is, for reasons a person can read: "messages[2].content[0]". */
  where: string;
  /** Writes a changed (redacted, pseudonymised) text back into the request body. */
  replace(next: string): void;
}

type Json = Record<string, unknown>;

function textParts(content: unknown, where: string, direction: InspectDirection, out: InspectedText[]): void {
  if (!Array.isArray(content)) return;
  content.forEach((part, i) => {
    if (!part || typeof part !== "object") return;
    const p = part as Json;
    if (
      typeof p.text === "string" &&
      (p.type === "text" || p.type === "input_text" || p.type === undefined)
    ) {
      out.push({ direction, text: p.text, where: `${where}[${i}]`, replace: (next) => void (p.text = next) });
    }
  });
}

function openaiChat(body: Json, out: InspectedText[]): void {
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  messages.forEach((m, i) => {
    const direction: InspectDirection | undefined =
      m.role === "user" ? "prompt" : m.role === "tool" || m.role === "function" ? "document" : undefined;
    if (!direction) return;
    const where = `messages[${i}].content`;
    if (typeof m.content === "string") {
      out.push({ direction, text: m.content, where, replace: (next) => void (m.content = next) });
    } else {
      textParts(m.content, where, direction, out);
    }
  });
}

function openaiCompletions(body: Json, out: InspectedText[]): void {
  if (typeof body.prompt === "string") {
    out.push({
      direction: "prompt",
      text: body.prompt,
      where: "prompt",
      replace: (next) => void (body.prompt = next),
    });
  } else if (Array.isArray(body.prompt)) {
    const prompts = body.prompt as unknown[];
    prompts.forEach((p, i) => {
      if (typeof p === "string") {
        out.push({
          direction: "prompt",
          text: p,
          where: `prompt[${i}]`,
          replace: (next) => void (prompts[i] = next),
        });
      }
    });
  }
}

function anthropicBlocks(
  content: unknown,
  where: string,
  direction: InspectDirection,
  out: InspectedText[],
): void {
  if (typeof content === "string") return;
  if (!Array.isArray(content)) return;
  content.forEach((block, i) => {
    if (!block || typeof block !== "object") return;
    const b = block as Json;
    const at = `${where}[${i}]`;
    if (b.type === "text" && typeof b.text === "string") {
      out.push({ direction, text: b.text, where: at, replace: (next) => void (b.text = next) });
    } else if (b.type === "tool_result") {
      if (typeof b.content === "string") {
        out.push({
          direction: "document",
          text: b.content,
          where: `${at}.content`,
          replace: (next) => void (b.content = next),
        });
      } else {
        anthropicBlocks(b.content, `${at}.content`, "document", out);
      }
    } else if (b.type === "document") {
      const source = b.source as Json | undefined;
      if (source?.type === "text" && typeof source.data === "string") {
        out.push({
          direction: "document",
          text: source.data,
          where: `${at}.source`,
          replace: (next) => void (source.data = next),
        });
      }
    }
  });
}

function anthropicMessages(body: Json, out: InspectedText[]): void {
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  messages.forEach((m, i) => {
    if (m.role !== "user") return;
    const where = `messages[${i}].content`;
    if (typeof m.content === "string") {
      out.push({ direction: "prompt", text: m.content, where, replace: (next) => void (m.content = next) });
    } else {
      anthropicBlocks(m.content, where, "prompt", out);
    }
  });
}

export function inspectableTexts(api: ApiKind, body: Json): InspectedText[] {
  const out: InspectedText[] = [];
  if (api === "openai.chat") openaiChat(body, out);
  else if (api === "openai.completions") openaiCompletions(body, out);
  else if (api === "anthropic.messages") anthropicMessages(body, out);
  return out;
}

/** The application's system prompt (trusted; used to recognise it leaking in the answer). */
export function systemPrompt(api: ApiKind, body: Json): string {
  if (api === "anthropic.messages") {
    if (typeof body.system === "string") return body.system;
    if (Array.isArray(body.system)) {
      return (body.system as Json[]).map((b) => (typeof b.text === "string" ? b.text : "")).join("\n");
    }
    return "";
  }
  if (api !== "openai.chat") return "";
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  return messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : Array.isArray(m.content)
          ? (m.content as Json[]).map((p) => (typeof p.text === "string" ? p.text : "")).join("\n")
          : "",
    )
    .join("\n");
}
