import type { IncomingHttpHeaders } from "node:http";

/** The client-facing APIs the gateway serves; each provider says which it supports. */
export type ApiKind = "openai.chat" | "openai.completions" | "openai.embeddings" | "anthropic.messages";

export interface UpstreamCall {
  api: ApiKind;
  /** The validated client body with `model` already replaced by the provider's model id. */
  body: Record<string, unknown>;
  stream: boolean;
  signal: AbortSignal;
  clientHeaders: IncomingHttpHeaders;
  requestId: string;
}

export interface UpstreamResponse {
  status: number;
  contentType: string;
  /** Provider headers worth passing on (request ids, rate-limit hints); never hop-by-hop ones. */
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

/**
 * A model provider: configuration plus small transforms (STYLE.md §6). `call` resolves once the
 * provider has answered with headers; transport failures reject with a GatewayError.
 */
export interface Provider {
  readonly name: string;
  readonly type: string;
  supports(api: ApiKind): boolean;
  call(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Secret values this provider holds, so the gateway can scrub them from anything it echoes. */
  secrets(): readonly string[];
  close(): Promise<void>;
}

export interface ProviderContext {
  resolveSecret(ref: string, where: string): string;
  resolvePath(path: string): string;
  readFile(path: string): Buffer;
}
