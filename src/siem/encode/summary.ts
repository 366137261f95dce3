import type { EventFinding, SecurityEvent } from "../../events/index.js";
import { findingSeverity } from "../severity.js";
import { clean } from "./text.js";

/** Identifier-like fields (category, kind, detector) are shown without spaces so tokens stay parseable. */
function ident(value: string | undefined, max = 64): string {
  return value ? clean(value, max).replace(/\s/g, "_") || "-" : "-";
}

/**
 * One finding as a line of tokens, for formats without nested records (syslog structured data,
 * CEF): `category/kind severity:high score:0.97 detector:injection direction:prompt span:0-42`.
 * Evidence is never included: a SIEM is a wider audience than the gateway.
 */
export function findingToken(finding: EventFinding): string {
  const parts = [
    `${ident(finding.category)}/${ident(finding.kind)}`,
    `severity:${findingSeverity(finding.severity)}`,
    `score:${Number.isFinite(finding.score) ? Math.round(finding.score * 1000) / 1000 : 0}`,
    `detector:${ident(finding.detector)}`,
  ];
  if (finding.direction) parts.push(`direction:${ident(finding.direction)}`);
  if (finding.span) parts.push(`span:${finding.span[0]}-${finding.span[1]}`);
  return parts.join(" ");
}

/** Past tense of a decision, for human-readable names and summaries. */
export const DECISION_PAST: Record<SecurityEvent["decision"]["action"], string> = {
  allow: "allowed",
  block: "blocked",
  redact: "redacted",
  error: "failed",
};

/**
 * A one-line human summary: what happened, to whom, with what result, e.g.
 * `chat.completions blocked (key key_1, model gpt-4o, status 403, 2 findings)`.
 */
export function summary(event: SecurityEvent, max: number): string {
  let head = ident(event.activity);
  if (event.class === "api_activity")
    head += ` ${DECISION_PAST[event.decision.action] ?? event.decision.action}`;
  if (event.decision.monitor_only) head += " in monitor mode";
  if (event.count !== undefined && event.count > 1) head += ` ×${event.count}`;
  const parts: string[] = [];
  if (event.actor.key_id) parts.push(`key ${ident(event.actor.key_id, 128)}`);
  if (event.model) parts.push(`model ${ident(event.model, 128)}`);
  if (event.http) parts.push(`status ${event.http.status}`);
  if (event.findings.length > 0)
    parts.push(`${event.findings.length} finding${event.findings.length === 1 ? "" : "s"}`);
  if (event.error_code) parts.push(`error ${ident(event.error_code)}`);
  return clean(parts.length > 0 ? `${head} (${parts.join(", ")})` : head, max);
}
