import type { SecurityEvent } from "../events/index.js";

export type Severity = SecurityEvent["severity"];

/** Our five levels in rising order; every format maps from this one scale. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function isSeverity(value: string): value is Severity {
  return Object.hasOwn(SEVERITY_RANK, value);
}

/**
 * How severe an event is for a SIEM: its own severity or that of its most severe finding, whichever
 * is higher (a request with a critical secret in it is critical even if the request itself was fine).
 */
export function effectiveSeverity(event: SecurityEvent): Severity {
  let result: Severity = event.severity;
  for (const finding of event.findings) {
    if (isSeverity(finding.severity) && SEVERITY_RANK[finding.severity] > SEVERITY_RANK[result]) {
      result = finding.severity;
    }
  }
  return result;
}

/** A finding's severity, read defensively (the field is a plain string in EventFinding). */
export function findingSeverity(severity: string): Severity {
  return isSeverity(severity) ? severity : "info";
}
