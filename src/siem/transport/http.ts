import { Pool } from "undici";
import { clean } from "../encode/text.js";

export interface HttpSenderOptions {
  /** Full URL; its origin picks the connection pool, its path and query the request target. */
  url: string;
  timeoutMs: number;
  ca?: Buffer;
  rejectUnauthorized: boolean;
  /** Connections kept open to the receiver. */
  connections?: number;
}

/** A receiver's refusal, with its status (5xx and 429 are worth retrying; the bus retries all). */
export class HttpDeliveryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpDeliveryError";
  }
}

/** How much of an error body is kept for the message (Splunk's are short JSON objects). */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs bodies to one URL over a kept-alive undici Pool (ARCHITECTURE.md: undici, not fetch).
 * Resolves on 2xx; anything else, or a timeout, rejects so the batch is kept and retried.
 */
export class HttpSender {
  private readonly pool: Pool;
  private readonly path: string;
  /** For messages: origin and path only, never the query (which might carry something private). */
  readonly target: string;

  constructor(private readonly options: HttpSenderOptions) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.target = `${url.origin}${url.pathname}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 4,
      connect: {
        timeout: options.timeoutMs,
        ...(options.ca ? { ca: options.ca } : {}),
        rejectUnauthorized: options.rejectUnauthorized,
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async post(body: Buffer, headers: Record<string, string>): Promise<void> {
    let response;
    try {
      response = await this.pool.request({
        method: "POST",
        path: this.path,
        headers: { "content-length": String(body.length), ...headers },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs * 2),
      });
    } catch (error) {
      throw new Error(`POST ${this.target} failed: ${(error as Error).message}`);
    }
    const text = await response.body.text().catch(() => "");
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const detail = clean(text, ERROR_BODY_CHARS);
      throw new HttpDeliveryError(
        response.statusCode,
        `POST ${this.target} answered ${response.statusCode}${detail ? `: ${detail}` : ""}`,
      );
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
