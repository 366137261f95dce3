import { Agent, request, type Dispatcher } from "undici";
import { z } from "zod";

/** The drill cannot go on: the server is unreachable, the admin key is refused, an answer is malformed. */
export class DrillError extends Error {}

/** Bodies the drill reads are small pages; anything larger is not the admin API. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/**
 * A small HTTP client for one deployment: the admin API with the admin key, the model API with a
 * drill key. One connection pool, so a flood is bounded by `connections`, not by sockets.
 */
export class DrillClient {
  readonly base: URL;
  private readonly dispatcher: Dispatcher;

  constructor(
    server: string,
    private readonly adminKey: string,
    connections = 32,
  ) {
    try {
      this.base = new URL(server);
    } catch {
      throw new DrillError(`--server must be a URL (got "${server}")`);
    }
    if (!/^https?:$/.test(this.base.protocol)) throw new DrillError("--server must be an http(s) URL");
    this.dispatcher = new Agent({ connections, pipelining: 1 });
  }

  async call(
    method: "GET" | "POST" | "PATCH",
    path: string,
    options: { key?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<Answer> {
    const url = new URL(path, this.base);
    let response;
    try {
      response = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${options.key ?? this.adminKey}`,
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        headersTimeout: options.timeoutMs ?? 30_000,
        bodyTimeout: options.timeoutMs ?? 30_000,
      });
    } catch (error) {
      throw new DrillError(`cannot reach ${this.base.origin}: ${(error as Error).message}`);
    }
    const length = Number(response.headers["content-length"] ?? 0);
    if (length > MAX_BODY_BYTES) {
      await response.body.dump();
      throw new DrillError(`${method} ${url.pathname}: answer too large (${length} bytes)`);
    }
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, text, json };
  }

  /** An admin call that must succeed, its answer validated. */
  async admin<T>(
    method: "GET" | "POST" | "PATCH",
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    const answer = await this.call(method, path, body !== undefined ? { body } : {});
    if (answer.status < 200 || answer.status > 299) {
      const error = (answer.json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new DrillError(
        `${method} ${path.split("?")[0]}: HTTP ${answer.status}${error?.code ? ` ${error.code}` : ""}${error?.message ? `: ${error.message}` : ""}`,
      );
    }
    const parsed = schema.safeParse(answer.json);
    if (!parsed.success)
      throw new DrillError(
        `${method} ${path.split("?")[0]}: unexpected answer (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`,
      );
    return parsed.data;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The parts of the admin API's answers the drill reads (src/gateway/routes/admin.ts, incidents.ts). */
export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  created_at: z.string(),
});
export const createdKeySchema = keySchema.extend({ key: z.string().startsWith("pcx_") });

export const eventSchema = z.object({
  id: z.string(),
  time: z.number(),
  class: z.string(),
  activity: z.string(),
  severity: z.string().optional(),
  actor: z.object({ key_id: z.string().nullable() }).loose(),
  decision: z.object({ action: z.string() }).loose(),
  findings: z.array(z.object({ category: z.string(), action: z.string().optional() }).loose()).default([]),
  http: z.object({ status: z.number() }).loose().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const eventPageSchema = z.object({ data: z.array(eventSchema), next_cursor: z.string().nullable() });
export type DrillEvent = z.infer<typeof eventSchema>;

export const incidentSchema = z.object({
  id: z.string(),
  type: z.string(),
  rule_id: z.string(),
  severity: z.string(),
  status: z.string(),
  key_id: z.string().nullable(),
  created_at: z.string(),
});
export const incidentPageSchema = z.object({ data: z.array(incidentSchema) });
export type DrillIncident = z.infer<typeof incidentSchema>;

export const actionSchema = z.object({
  id: z.string(),
  incident_id: z.string().nullable(),
  type: z.string(),
  key_id: z.string().nullable(),
  playbook: z.string().nullable(),
  state: z.string(),
  created_at: z.string(),
  detail: z.string().nullable(),
});
export const actionPageSchema = z.object({ data: z.array(actionSchema) });
export type DrillAction = z.infer<typeof actionSchema>;
