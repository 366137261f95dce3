import { toRecords } from "../../encode/records.js";
import type { WebhookExporterOptions } from "../../options.js";
import { packageVersion } from "../../product.js";
import { chunkRecords } from "../../transport/chunks.js";
import type { Delivery, ExporterContext } from "../../types.js";
import { createHttpSender } from "../http-sender.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from "./signature.js";

/**
 * `type: webhook` — one JSON document per batch, `{"format": …, "events": [records]}`, signed with
 * HMAC-SHA-256 (see signature.ts) so the receiver can check origin, integrity and freshness.
 */
export function createWebhookExporter(options: WebhookExporterOptions, context: ExporterContext): Delivery {
  const secret = context.resolveSecret(options.secret, `siem.exporters.${options.name}.secret`);
  const sender = createHttpSender(options, context);
  const productVersion = context.productVersion ?? packageVersion();
  return {
    async deliver(batch) {
      const events = batch.flatMap((event) => toRecords(event, options.format, productVersion));
      for (const chunk of chunkRecords(events.map((record) => JSON.stringify(record)))) {
        const body = Buffer.from(
          `{"format":${JSON.stringify(options.format)},"events":[${chunk.join(",")}]}`,
          "utf8",
        );
        const timestamp = Math.floor(Date.now() / 1000);
        await sender.post(body, {
          "content-type": "application/json",
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
        });
      }
    },
    close: () => sender.close(),
  };
}
