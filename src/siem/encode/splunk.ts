import type { SecurityEvent } from "../../events/index.js";
import type { RecordFormat } from "../options.js";
import { effectiveSeverity } from "../severity.js";
import { toRecords } from "./records.js";

export interface HecOptions {
  format: RecordFormat;
  host: string;
  source: string;
  sourcetype?: string;
  index?: string;
  productVersion: string;
}

export function defaultSourcetype(format: RecordFormat): string {
  return format === "ocsf" ? "portcullis:ocsf" : "portcullis:event";
}

/**
 * Splunk HTTP Event Collector envelopes for `/services/collector/event` ("Format events for HTTP
 * Event Collector"): `time` in epoch seconds (milliseconds as decimals), `host`, `source`,
 * `sourcetype`, optional `index`, the record under `event`, and a few indexed `fields` for fast
 * filtering. Several envelopes go in one request, one after another (here one per line).
 */
export function eventToHec(event: SecurityEvent, options: HecOptions): string[] {
  const sourcetype = options.sourcetype ?? defaultSourcetype(options.format);
  const fields = {
    severity: effectiveSeverity(event),
    decision: event.decision.action,
    event_class: event.class,
  };
  return toRecords(event, options.format, options.productVersion).map((record) =>
    JSON.stringify({
      time: event.time / 1000,
      host: options.host,
      source: options.source,
      sourcetype,
      ...(options.index ? { index: options.index } : {}),
      event: record,
      fields,
    }),
  );
}
