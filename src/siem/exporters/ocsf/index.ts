import { eventToOcsf } from "../../encode/ocsf.js";
import type { OcsfExporterOptions } from "../../options.js";
import { packageVersion } from "../../product.js";
import { chunkRecords } from "../../transport/chunks.js";
import type { Delivery, ExporterContext } from "../../types.js";
import { createHttpSender } from "../http-sender.js";

const SECRET_REF = /^(env:|file:)/;

/** `type: ocsf` — OCSF records as JSON lines (application/x-ndjson), one POST per batch. */
export function createOcsfExporter(options: OcsfExporterOptions, context: ExporterContext): Delivery {
  const where = `siem.exporters.${options.name}`;
  const headers: Record<string, string> = { "content-type": "application/x-ndjson" };
  for (const [name, value] of Object.entries(options.headers)) {
    headers[name.toLowerCase()] = SECRET_REF.test(value)
      ? context.resolveSecret(value, `${where}.headers.${name}`)
      : value;
  }
  if (options.authorization) {
    headers.authorization = context.resolveSecret(options.authorization, `${where}.authorization`);
  }
  const sender = createHttpSender(options, context);
  const productVersion = context.productVersion ?? packageVersion();
  return {
    async deliver(batch) {
      const lines = batch.flatMap((event) =>
        eventToOcsf(event, { productVersion }).map((r) => JSON.stringify(r)),
      );
      // Chunks in order; if a later one fails, the whole batch is retried (earlier ones arrive twice).
      for (const chunk of chunkRecords(lines)) {
        await sender.post(Buffer.from(`${chunk.join("\n")}\n`, "utf8"), headers);
      }
    },
    close: () => sender.close(),
  };
}
