import type { SecurityEvent } from "../../events/index.js";
import type { RecordFormat } from "../options.js";
import { eventToOcsf, type OcsfRecord } from "./ocsf.js";

/**
 * The event in Portcullis' own shape, as exported: the same fields minus finding evidence (masked as
 * it is, it stays in the gateway's own store; a SIEM is a wider audience).
 */
export function exportableEvent(event: SecurityEvent): OcsfRecord {
  return {
    ...event,
    findings: event.findings.map((finding) => {
      const copy = { ...finding };
      delete copy.evidence;
      return copy;
    }),
  };
}

/** The JSON records one event becomes in the chosen format. */
export function toRecords(event: SecurityEvent, format: RecordFormat, productVersion: string): OcsfRecord[] {
  return format === "ocsf" ? eventToOcsf(event, { productVersion }) : [exportableEvent(event)];
}
