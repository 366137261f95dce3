import type { ProviderConfig } from "../../../config/index.js";
import { HttpUpstream } from "../http-upstream.js";
import { resolveHeaders } from "../openai/index.js";
import type { Provider, ProviderContext } from "../types.js";

type AnthropicConfig = Extract<ProviderConfig, { type: "anthropic" }>;

/** Client headers that select API behaviour and carry no credentials; passed on when present. */
const FORWARDED_CLIENT_HEADERS = ["anthropic-version", "anthropic-beta"] as const;

export function createAnthropicProvider(
  name: string,
  config: AnthropicConfig,
  context: ProviderContext,
): Provider {
  const apiKey = config.apiKey ? context.resolveSecret(config.apiKey, `providers.${name}.apiKey`) : undefined;
  const extraHeaders = resolveHeaders(name, config.headers, context);
  const upstream = new HttpUpstream({
    baseUrl: config.baseUrl,
    timeouts: config.timeouts,
    maxConnections: config.maxConnections,
    rejectUnauthorized: config.tls.rejectUnauthorized,
    ...(config.tls.ca ? { ca: context.readFile(context.resolvePath(config.tls.ca)) } : {}),
  });

  return {
    name,
    type: "anthropic",
    supports: (api) => api === "anthropic.messages",
    async call(call) {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: call.stream ? "text/event-stream" : "application/json",
        "anthropic-version": config.version,
        "x-request-id": call.requestId,
        ...extraHeaders,
      };
      for (const header of FORWARDED_CLIENT_HEADERS) {
        const value = call.clientHeaders[header];
        if (typeof value === "string") headers[header] = value;
      }
      if (apiKey) headers["x-api-key"] = apiKey;
      return upstream.post("/messages", headers, JSON.stringify(call.body), call.signal);
    },
    secrets: () => [apiKey, ...Object.values(extraHeaders)].filter((s): s is string => !!s && s.length >= 8),
    close: () => upstream.close(),
  };
}
