/**
 * The user's own application as a target, described by a small request template (YAML):
 *
 *   method: POST
 *   url: http://127.0.0.1:3000/api/chat
 *   headers: { authorization: "Bearer {{env.APP_TOKEN}}" }
 *   body: { message: "{{prompt}}", conversation: "{{session}}" }
 *   answer: $.reply.text
 *
 * Placeholders in body strings: `{{prompt}}` (this turn's text), `{{document}}` (the retrieved
 * document; when the body has no such placeholder the document is put inline after the prompt),
 * `{{system}}`, `{{session}}` (one id per probe, for apps that keep the conversation), and, as a
 * whole string value, `"{{history}}"` (the conversation so far as [{role, content}]). `{{env.NAME}}`
 * reads an environment variable, in the URL and headers only, so keys stay out of files.
 * `answer` is a JSONPath-like selector (`$.a.b[0].c`); without it the whole body is the answer.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import type { ChatMessage, Exchange, TargetReply } from "../types.js";
import type { Target } from "./chat.js";
import { inlineDocument, replyOf } from "./chat.js";
import { httpSend } from "./http.js";
import { RedteamError } from "../errors.js";

export const templateSchema = z
  .object({
    method: z.enum(["POST", "PUT", "PATCH", "GET"]).default("POST"),
    url: z.string().url(),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    answer: z
      .string()
      .regex(
        /^\$?(\.[A-Za-z_$][\w$-]*|\[\d+\]|\["[^"]+"\])*$/,
        "expected a selector like $.reply.text or $.choices[0].text",
      )
      .optional(),
  })
  .strict();

export type RequestTemplate = z.infer<typeof templateSchema>;

export class TemplateError extends RedteamError {}

export function loadTemplate(file: string): RequestTemplate {
  let raw: unknown;
  try {
    const text = readFileSync(file, "utf8");
    // A request template is a few lines; a huge file is a mistake.
    if (text.length > 64 * 1024) throw new Error("larger than 64 KB");
    raw = parse(text, { maxAliasCount: 50 });
  } catch (error) {
    throw new TemplateError(`${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const result = templateSchema.safeParse(raw);
  if (!result.success)
    throw new TemplateError(
      `${file}: invalid request template\n${result.error.issues.map((i) => `  - ${i.path.join(".") || "(top)"}: ${i.message}`).join("\n")}`,
    );
  return result.data;
}

/** Path steps of a selector: `$.a.b[0]["c d"]` → ["a", "b", 0, "c d"]. */
export function selectorSteps(selector: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]+)"\]/g;
  for (const m of selector.replace(/^\$/, "").matchAll(re)) {
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else if (m[3] !== undefined) steps.push(m[3]);
  }
  return steps;
}

export function select(value: unknown, selector: string): unknown {
  let v = value;
  for (const step of selectorSteps(selector)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[step];
  }
  return v;
}

function envOf(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new TemplateError(`the template needs the environment variable ${name}`);
    return value;
  });
}

function usesDocument(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{document}}");
  if (Array.isArray(value)) return value.some(usesDocument);
  if (value && typeof value === "object") return Object.values(value).some(usesDocument);
  return false;
}

interface Fill {
  prompt: string;
  document: string;
  system: string;
  session: string;
  history: ChatMessage[];
}

function fill(value: unknown, f: Fill): unknown {
  if (typeof value === "string") {
    if (value.trim() === "{{history}}") return f.history;
    return value.replace(/\{\{(prompt|document|system|session)\}\}/g, (_, k: keyof Fill) => String(f[k]));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, f));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, f)]));
  return value;
}

export function createTemplateTarget(
  template: RequestTemplate,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Target {
  const env = opts.env ?? process.env;
  const url = envOf(template.url, env);
  const headers = Object.fromEntries(Object.entries(template.headers).map(([k, v]) => [k, envOf(v, env)]));
  const documentInBody = usesDocument(template.body);
  const jsonBody = template.body !== undefined && typeof template.body !== "string";
  if (jsonBody && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
    headers["content-type"] = "application/json";
  // A template without an answer selector treats the whole body as the answer text.
  const parse = (json: Record<string, unknown>) => {
    const answer = template.answer ? select(json, template.answer) : json;
    return { text: typeof answer === "string" ? answer : JSON.stringify(answer ?? ""), toolCalls: [] };
  };
  return {
    info: { type: "http", url: new URL(url).origin + new URL(url).pathname },
    async send(exchange: Exchange, sendOpts = {}): Promise<TargetReply> {
      const last = exchange.messages[exchange.messages.length - 1];
      const prompt = last?.content ?? "";
      const f: Fill = {
        prompt:
          exchange.document !== undefined && !documentInBody
            ? inlineDocument(prompt, exchange.document)
            : prompt,
        document: exchange.document ?? "",
        system: exchange.system ?? "",
        session: exchange.session,
        history: exchange.messages,
      };
      const filled = template.body === undefined ? undefined : fill(template.body, f);
      const body =
        filled === undefined ? undefined : typeof filled === "string" ? filled : JSON.stringify(filled);
      const result = await httpSend(url, {
        method: template.method,
        headers,
        ...(body !== undefined && template.method !== "GET" ? { body } : {}),
        timeoutMs: sendOpts.timeoutMs ?? opts.timeoutMs ?? 60_000,
        ...(sendOpts.signal ? { signal: sendOpts.signal } : {}),
      });
      if (!template.answer && result.status >= 200 && result.status < 300 && !result.error) {
        // Plain-text apps: the body is the answer whether or not it is JSON.
        let text = result.body;
        try {
          const json: unknown = JSON.parse(result.body);
          if (typeof json === "string") text = json;
        } catch {
          // not JSON: keep the text
        }
        return { status: result.status, text, toolCalls: [], latencyMs: result.latencyMs };
      }
      return replyOf(result, parse);
    },
  };
}
