import { request } from "undici";
import { configSchema, type Config } from "../config/index.js";
import type { KeyFacts, ServerFacts } from "./types.js";

/** An origin no deployment can have allowed on purpose (RFC 2606 reserves .invalid). */
export const PROBE_ORIGIN = "https://posture-probe.invalid";

export class ServerFactsError extends Error {}

export interface CollectedServer {
  facts: ServerFacts;
  /** The effective configuration, when the server exposes GET /admin/v1/config. */
  config?: Config;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json?: unknown;
}

async function call(
  url: URL,
  init: { method?: "GET" | "OPTIONS"; headers?: Record<string, string> },
): Promise<Answer> {
  let response;
  try {
    response = await request(url, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
  } catch (error) {
    throw new ServerFactsError(`cannot reach ${url.origin}: ${(error as Error).message}`);
  }
  const text = await response.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, json };
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function failure(what: string, answer: Answer): ServerFactsError {
  const error = (answer.json as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ServerFactsError(
    `${what}: HTTP ${answer.status}${error?.code ? ` ${error.code}` : ""}${error?.message ? `: ${error.message}` : ""}`,
  );
}

/**
 * What a running gateway shows an admin: its effective configuration (secret references only),
 * its keys, how it answers a cross-origin preflight and whether /metrics needs credentials.
 */
export async function collectServerFacts(server: string, adminKey: string): Promise<CollectedServer> {
  const base = new URL(server);
  const auth = { authorization: `Bearer ${adminKey}` };

  const keysAnswer = await call(new URL("/admin/v1/keys", base), { headers: auth });
  if (keysAnswer.status !== 200) throw failure("GET /admin/v1/keys", keysAnswer);
  const keys = ((keysAnswer.json as { data?: KeyFacts[] }).data ?? []).map((k) => ({
    id: k.id,
    name: k.name,
    team: k.team,
    role: k.role,
    status: k.status,
    expires_at: k.expires_at,
  }));

  let config: Config | undefined;
  const configAnswer = await call(new URL("/admin/v1/config", base), { headers: auth });
  if (configAnswer.status === 200) {
    const parsed = configSchema.safeParse((configAnswer.json as { config?: unknown }).config);
    if (!parsed.success)
      throw new ServerFactsError(
        `GET /admin/v1/config: not a configuration this version understands (${parsed.error.issues[0]?.message})`,
      );
    config = parsed.data;
  } else if (configAnswer.status !== 404) {
    throw failure("GET /admin/v1/config", configAnswer);
  }

  const preflight = await call(new URL("/v1/chat/completions", base), {
    method: "OPTIONS",
    headers: {
      origin: PROBE_ORIGIN,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
  const allowOrigin = header(preflight, "access-control-allow-origin");
  const cors = {
    origin: PROBE_ORIGIN,
    ...(allowOrigin !== undefined ? { allowOrigin } : {}),
    allowCredentials: header(preflight, "access-control-allow-credentials") === "true",
  };

  const metrics = await call(new URL("/metrics", base), {});
  return {
    facts: { url: base.origin, keys, cors, metricsOpen: metrics.status === 200 },
    ...(config ? { config } : {}),
  };
}
