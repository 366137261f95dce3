import type { IncomingHttpHeaders } from "node:http";
import { Pool, errors as undiciErrors } from "undici";
import { GatewayError } from "../errors.js";
import type { UpstreamResponse } from "./types.js";

export interface HttpUpstreamOptions {
  baseUrl: string;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  maxConnections: number;
  ca?: Buffer;
  rejectUnauthorized: boolean;
}

/** Response headers from the provider that a client may find useful, passed on under their own names. */
const FORWARDED_RESPONSE_HEADERS = [
  "x-request-id",
  "request-id",
  "openai-processing-ms",
  "anthropic-organization-id",
  "retry-after",
];

/**
 * One connection pool per provider origin (undici `Pool`: FINDINGS.md measured `fetch` far slower
 * on the hot path). Transport failures become catalogue errors; the messages never include
 * request headers, so provider keys cannot leak through them.
 */
export class HttpUpstream {
  private readonly pool: Pool;
  readonly pathPrefix: string;

  constructor(options: HttpUpstreamOptions) {
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyMs,
      connect: {
        timeout: options.timeouts.connectMs,
        rejectUnauthorized: options.rejectUnauthorized,
        ...(options.ca ? { ca: options.ca } : {}),
      },
    });
  }

  async post(
    path: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    try {
      const response = await this.pool.request({
        method: "POST",
        path: this.pathPrefix + path,
        headers,
        body,
        signal,
      });
      return {
        status: response.statusCode,
        contentType: headerValue(response.headers, "content-type") ?? "",
        headers: pickHeaders(response.headers),
        body: response.body,
      };
    } catch (error) {
      throw mapTransportError(error, signal);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pickHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headerValue(headers, name);
    if (value !== undefined)
      picked[name === "request-id" || name === "x-request-id" ? "x-upstream-request-id" : name] = value;
  }
  return picked;
}

/** Thrown when the client went away: not an upstream failure, nothing to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super("client aborted the request");
    this.name = "ClientAbortedError";
  }
}

export function mapTransportError(error: unknown, signal?: AbortSignal): Error {
  if (error instanceof GatewayError) return error;
  if (signal?.aborted) return new ClientAbortedError();
  if (
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new GatewayError("PCX_UPSTREAM_TIMEOUT", undefined, { cause: error });
  }
  const code = (error as { code?: string } | null)?.code ?? "";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new GatewayError(
      "PCX_UPSTREAM_UNAVAILABLE",
      "The model provider's TLS certificate could not be verified.",
      {
        cause: error,
      },
    );
  }
  return new GatewayError("PCX_UPSTREAM_UNAVAILABLE", undefined, { cause: error });
}
