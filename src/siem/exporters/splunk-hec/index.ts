import { eventToHec } from "../../encode/splunk.js";
import type { SplunkHecExporterOptions } from "../../options.js";
import { defaultHostname, packageVersion } from "../../product.js";
import { chunkRecords } from "../../transport/chunks.js";
import type { Delivery, ExporterContext } from "../../types.js";
import { createHttpSender } from "../http-sender.js";

/** The event endpoint of the HTTP Event Collector ("HTTP Event Collector REST API endpoints"). */
export const HEC_EVENT_PATH = "/services/collector/event";

/** A base URL (https://splunk:8088) gets the event endpoint; a URL with a path is used as given. */
export function hecUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = HEC_EVENT_PATH;
  return parsed.toString();
}

/** `type: splunk_hec` — HEC event envelopes, several per POST, `Authorization: Splunk <token>`. */
export function createSplunkHecExporter(
  options: SplunkHecExporterOptions,
  context: ExporterContext,
): Delivery {
  const token = context.resolveSecret(options.token, `siem.exporters.${options.name}.token`);
  const headers = { authorization: `Splunk ${token}`, "content-type": "application/json" };
  const sender = createHttpSender(options, context, hecUrl(options.url));
  const encoding = {
    format: options.format,
    host: context.hostname ?? defaultHostname(),
    source: options.source,
    sourcetype: options.sourcetype,
    index: options.index,
    productVersion: context.productVersion ?? packageVersion(),
  };
  return {
    async deliver(batch) {
      const envelopes = batch.flatMap((event) => eventToHec(event, encoding));
      for (const chunk of chunkRecords(envelopes)) {
        await sender.post(Buffer.from(chunk.join("\n"), "utf8"), headers);
      }
    },
    close: () => sender.close(),
  };
}
