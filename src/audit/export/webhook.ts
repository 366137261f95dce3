import { createHmac } from "node:crypto";
import { request } from "undici";
import type { SignedCheckpoint } from "../checkpoint.js";
import type { CheckpointExporter } from "./types.js";

export interface WebhookExporterOptions {
  url: string;
  /** The resolved HMAC key (never the `env:`/`file:` reference). */
  hmacSecret?: string;
  timeoutMs: number;
}

/** The header a receiver checks: `sha256=` and the hex HMAC-SHA-256 of the raw body. */
export const SIGNATURE_HEADER = "x-portcullis-signature";

export function webhookBody(checkpoint: SignedCheckpoint): string {
  return JSON.stringify({
    type: "portcullis.audit.checkpoint",
    origin: checkpoint.origin,
    size: checkpoint.size,
    root: checkpoint.root.toString("base64"),
    checkpoint: checkpoint.note,
  });
}

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/**
 * POSTs each checkpoint as JSON. The checkpoint is signed already; the HMAC lets the receiver
 * refuse bodies that did not come from this gateway before it stores them. Any status other than
 * 2xx is a failure.
 */
export function createWebhookExporter(options: WebhookExporterOptions): CheckpointExporter {
  return {
    name: "webhook",
    async export(checkpoint) {
      const body = webhookBody(checkpoint);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.hmacSecret) headers[SIGNATURE_HEADER] = webhookSignature(options.hmacSecret, body);
      const response = await request(options.url, {
        method: "POST",
        headers,
        body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new Error(`webhook answered HTTP ${response.statusCode}`);
    },
  };
}
