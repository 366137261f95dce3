import { isIPv4, isIPv6 } from "node:net";
import type { SecurityEvent } from "../../events/index.js";
import { effectiveSeverity, type Severity } from "../severity.js";
import { DECISION_PAST, findingToken, summary } from "./summary.js";
import type { Encoded } from "./syslog-event.js";
import { bounded, byteLength, clean, truncateUtf8, withoutControls } from "./text.js";

/**
 * ArcSight Common Event Format, version 0 ("Implementing ArcSight CEF", rev. 25):
 *
 *   CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension
 */

export const CEF_VENDOR = "Portcullis";
export const CEF_PRODUCT = "Portcullis";

/**
 * Header fields: a pipe and a backslash are escaped with a backslash; newlines are not allowed in
 * the header at all, so control characters are replaced before escaping.
 */
export function escapeHeader(value: string, max: number): string {
  return clean(value, max).replace(/[\\|]/g, (c) => `\\${c}`);
}

/**
 * Extension values: backslash and equals sign are escaped with a backslash, CR and LF are written as
 * `\r` and `\n` (the only multi-line form the standard allows). A pipe needs no escaping here.
 * Other control characters are replaced (they have no escape in CEF).
 */
export function escapeExtensionValue(value: string, max: number): string {
  const escaped = bounded(value, max).replace(/[\\=\r\n]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\${c}`,
  );
  return withoutControls(escaped);
}

/** CEF severity 0–10 (0–3 low, 4–6 medium, 7–8 high, 9–10 very high). */
export const CEF_SEVERITY: Record<Severity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

export interface CefOptions {
  productVersion: string;
  /** dvchost: the gateway's host name. */
  hostname?: string;
  /** Largest message in UTF-8 octets; custom strings shrink first, then the message is cut. */
  maxBytes: number;
}

interface Limits {
  /** Custom strings (cs1–cs6); the standard allows 4000, receivers' message limits usually less. */
  custom: number;
  /** cs4, the findings list: at most 4000 characters, as for every custom string. */
  findingsText: number;
  findings: number;
}

const ROOMY: Limits = { custom: 1023, findingsText: 4000, findings: 20 };
const TIGHT: Limits = { custom: 64, findingsText: 256, findings: 4 };

/**
 * The Device Event Class ID: one per kind of event, stable, so SIEM rules can key on it. For a
 * request it is the API and the decision (`chat.completions.block`); otherwise the activity.
 */
export function signatureId(event: SecurityEvent): string {
  return event.class === "api_activity" ? `${event.activity}.${event.decision.action}` : event.activity;
}

function eventName(event: SecurityEvent): string {
  if (event.class !== "api_activity") return event.activity;
  const monitor = event.decision.monitor_only ? " (monitor only)" : "";
  return `${event.activity} ${DECISION_PAST[event.decision.action] ?? event.decision.action}${monitor}`;
}

type Pair = readonly [key: string, value: string | number | undefined | null, max?: number];

function extension(event: SecurityEvent, options: CefOptions, limits: Limits): string {
  const ip = event.src_endpoint?.ip;
  const findings = event.findings.slice(0, limits.findings).map(findingToken);
  if (event.findings.length > findings.length)
    findings.push(`+${event.findings.length - findings.length} more`);
  const pairs: Pair[] = [
    // rt: milliseconds since the epoch is one of the two time formats the standard accepts.
    ["rt", event.time],
    // cnt: how many base events this one stands for (a penalty-box summary).
    ["cnt", event.count],
    ["externalId", event.id, 40],
    ["cat", event.class, 1023],
    ["act", event.decision.action, 63],
    ["outcome", event.http ? (event.http.status < 400 ? "success" : "failure") : undefined, 63],
    ["suid", event.actor.key_id, 1023],
    ["suser", event.actor.key_name, 1023],
    ["spriv", event.actor.role, 1023],
    // src is an IPv4 address; IPv6 goes to the custom IPv6 field c6a2 with its label.
    ["src", ip && isIPv4(ip) ? ip : undefined],
    ["c6a2Label", ip && isIPv6(ip) ? "Source IPv6 Address" : undefined],
    ["c6a2", ip && isIPv6(ip) ? ip : undefined],
    ["requestMethod", event.http?.method, 1023],
    ["request", event.http?.path, 1023],
    ["requestClientApplication", event.src_endpoint?.user_agent, 1023],
    ["reason", event.decision.reasons.length > 0 ? event.decision.reasons.join("; ") : undefined, 1023],
    ["msg", summary(event, 1023), 1023],
    ["dvchost", options.hostname, 100],
    ["cs1Label", event.request_id ? "requestId" : undefined],
    ["cs1", event.request_id, limits.custom],
    ["cs2Label", event.model ? "model" : undefined],
    ["cs2", event.model, limits.custom],
    ["cs3Label", event.provider ? "provider" : undefined],
    ["cs3", event.provider, limits.custom],
    ["cs4Label", findings.length > 0 ? "findings" : undefined],
    ["cs4", findings.length > 0 ? findings.join("; ") : undefined, limits.findingsText],
    ["cs5Label", event.error_code ? "errorCode" : undefined],
    ["cs5", event.error_code, limits.custom],
    ["cs6Label", event.actor.team ? "team" : undefined],
    ["cs6", event.actor.team, limits.custom],
    ["cn1Label", event.usage ? "promptTokens" : undefined],
    ["cn1", event.usage?.prompt_tokens],
    ["cn2Label", event.usage ? "completionTokens" : undefined],
    ["cn2", event.usage?.completion_tokens],
    ["cn3Label", event.latency_ms ? "latencyMs" : undefined],
    ["cn3", event.latency_ms ? Math.round(event.latency_ms.total) : undefined],
    ["flexString1Label", "monitorOnly"],
    ["flexString1", String(event.decision.monitor_only)],
  ];
  const parts: string[] = [];
  for (const [key, value, max] of pairs) {
    if (value === undefined || value === null) continue;
    if (typeof value === "number") {
      if (Number.isFinite(value)) parts.push(`${key}=${value}`);
      continue;
    }
    parts.push(`${key}=${escapeExtensionValue(value, max ?? 1023)}`);
  }
  return parts.join(" ");
}

function attempt(event: SecurityEvent, options: CefOptions, limits: Limits): string {
  const header = [
    "CEF:0",
    escapeHeader(CEF_VENDOR, 63),
    escapeHeader(CEF_PRODUCT, 63),
    escapeHeader(options.productVersion, 31),
    escapeHeader(signatureId(event), 1023),
    escapeHeader(eventName(event), 512),
    String(CEF_SEVERITY[effectiveSeverity(event)]),
  ].join("|");
  return `${header}|${extension(event, options, limits)}`;
}

/** A security event as one CEF line, shrunk to `maxBytes` when needed. */
export function eventToCef(event: SecurityEvent, options: CefOptions): Encoded {
  for (const limits of [ROOMY, TIGHT]) {
    const text = attempt(event, options, limits);
    if (byteLength(text) <= options.maxBytes) return { text, truncated: limits !== ROOMY };
  }
  let { text } = truncateUtf8(attempt(event, options, TIGHT), options.maxBytes);
  // Never end on half an escape sequence: an odd run of trailing backslashes loses its last one.
  const trailing = /\\+$/.exec(text)?.[0].length ?? 0;
  if (trailing % 2 === 1) text = text.slice(0, -1);
  return { text, truncated: true };
}
