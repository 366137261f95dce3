import type { ProviderConfig } from "../../../config/index.js";
import { HttpUpstream } from "../http-upstream.js";
import type { ApiKind, Provider, ProviderContext } from "../types.js";

type OpenAIConfig = Extract<ProviderConfig, { type: "openai" }>;

/** Endpoint map, relative to the configured base URL (which includes /v1 or Azure's deployment path). */
const PATHS: Partial<Record<ApiKind, string>> = {
  "openai.chat": "/chat/completions",
  "openai.completions": "/completions",
  "openai.embeddings": "/embeddings",
};

/** Any OpenAI-compatible API: OpenAI, Azure OpenAI (auth: api-key + query api-version), vLLM, Ollama, LM Studio. */
export function createOpenAIProvider(name: string, config: OpenAIConfig, context: ProviderContext): Provider {
  const apiKey = config.apiKey ? context.resolveSecret(config.apiKey, `providers.${name}.apiKey`) : undefined;
  const extraHeaders = resolveHeaders(name, config.headers, context);
  const query = new URLSearchParams(config.query).toString();
  const upstream = new HttpUpstream({
    baseUrl: config.baseUrl,
    timeouts: config.timeouts,
    maxConnections: config.maxConnections,
    rejectUnauthorized: config.tls.rejectUnauthorized,
    ...(config.tls.ca ? { ca: context.readFile(context.resolvePath(config.tls.ca)) } : {}),
  });
  const baseHeaders: Record<string, string> = { "content-type": "application/json", ...extraHeaders };
  if (apiKey && config.auth === "bearer") baseHeaders.authorization = `Bearer ${apiKey}`;
  if (apiKey && config.auth === "api-key") baseHeaders["api-key"] = apiKey;

  return {
    name,
    type: "openai",
    supports: (api) => PATHS[api] !== undefined,
    async call(call) {
      const path = PATHS[call.api]!;
      const headers = {
        ...baseHeaders,
        accept: call.stream ? "text/event-stream" : "application/json",
        "x-request-id": call.requestId,
      };
      return upstream.post(
        query ? `${path}?${query}` : path,
        headers,
        JSON.stringify(call.body),
        call.signal,
      );
    },
    secrets: () => [apiKey, ...Object.values(extraHeaders)].filter((s): s is string => !!s && s.length >= 8),
    close: () => upstream.close(),
  };
}

/** Header values may be secret references (env:…, file:…) or plain values. */
export function resolveHeaders(
  provider: string,
  headers: Record<string, string>,
  context: ProviderContext,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    resolved[header.toLowerCase()] = /^(env|file):/.test(value)
      ? context.resolveSecret(value, `providers.${provider}.headers.${header}`)
      : value;
  }
  return resolved;
}
