import type { SecurityEvent } from "../../events/index.js";
import { effectiveSeverity } from "../severity.js";
import { findingToken, summary } from "./summary.js";
import { formatSyslog, type FacilityName, type SdElement } from "./syslog.js";
import { byteLength, clean, truncateUtf8 } from "./text.js";

export interface SyslogEventOptions {
  facility: FacilityName;
  hostname: string;
  appName: string;
  procId: string;
  /** SD-ID of the event element, `name@<enterprise number>` (RFC 5424 §6.3.2). */
  sdId: string;
  /** Largest SYSLOG-MSG in octets; fields shrink, then the message is cut (RFC 5424 §6.1). */
  maxBytes: number;
}

export interface Encoded {
  text: string;
  truncated: boolean;
}

/** Field limits for one encoding attempt; a tighter set is tried when the message is too long. */
interface Limits {
  value: number;
  long: number;
  findings: number;
  msg: boolean;
}

const ROOMY: Limits = { value: 512, long: 2048, findings: 20, msg: true };
const NO_MSG: Limits = { ...ROOMY, msg: false };
const TIGHT: Limits = { value: 64, long: 256, findings: 4, msg: false };

const str = (value: string | undefined | null, max: number) =>
  value === undefined || value === null ? undefined : clean(value, max);
const num = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? undefined : String(value);

/** The findings element's SD-ID shares the enterprise number of the event element. */
function findingsSdId(sdId: string): string {
  return `findings@${sdId.slice(sdId.indexOf("@") + 1)}`;
}

function elements(event: SecurityEvent, options: SyslogEventOptions, limits: Limits): SdElement[] {
  const v = limits.value;
  const result: SdElement[] = [
    {
      id: options.sdId,
      params: [
        ["id", event.id],
        ["class", str(event.class, 32)],
        ["activity", str(event.activity, 64)],
        ["severity", effectiveSeverity(event)],
        ["request_id", str(event.request_id, 128)],
        ["key_id", str(event.actor.key_id, 128)],
        ["key_name", str(event.actor.key_name, v)],
        ["team", str(event.actor.team, v)],
        ["role", str(event.actor.role, 64)],
        ["src_ip", str(event.src_endpoint?.ip, 64)],
        ["user_agent", str(event.src_endpoint?.user_agent, v)],
        ["method", str(event.http?.method, 16)],
        ["path", str(event.http?.path, v)],
        ["status", num(event.http?.status)],
        ["model", str(event.model, v)],
        ["provider", str(event.provider, v)],
        ["stream", event.stream === undefined ? undefined : String(event.stream)],
        ["decision", event.decision.action],
        ["monitor_only", String(event.decision.monitor_only)],
        [
          "reasons",
          event.decision.reasons.length > 0
            ? clean(event.decision.reasons.join("; "), limits.long)
            : undefined,
        ],
        ["error_code", str(event.error_code, 64)],
        ["count", num(event.count)],
        ["prompt_tokens", num(event.usage?.prompt_tokens)],
        ["completion_tokens", num(event.usage?.completion_tokens)],
        ["latency_ms", num(event.latency_ms?.total)],
        ["upstream_ms", num(event.latency_ms?.upstream)],
        ["overhead_ms", num(event.latency_ms?.overhead)],
        ["findings", String(event.findings.length)],
        ["payload_ref", str(event.payload_ref, 256)],
        ["details", event.details ? clean(JSON.stringify(event.details), limits.long) : undefined],
      ],
    },
  ];
  if (event.findings.length > 0) {
    const shown = event.findings.slice(0, limits.findings);
    const params: Array<[string, string]> = shown.map((f) => ["finding", clean(findingToken(f), v)]);
    if (event.findings.length > shown.length)
      params.push(["omitted", String(event.findings.length - shown.length)]);
    result.push({ id: findingsSdId(options.sdId), params });
  }
  return result;
}

function attempt(event: SecurityEvent, options: SyslogEventOptions, limits: Limits): string {
  return formatSyslog({
    facility: options.facility,
    severity: effectiveSeverity(event),
    time: event.time,
    hostname: options.hostname,
    appName: options.appName,
    procId: options.procId,
    msgId: event.activity,
    structuredData: elements(event, options, limits),
    ...(limits.msg ? { msg: summary(event, 512) } : {}),
  });
}

/**
 * A security event as one RFC 5424 message: every field in structured data (so a receiver can
 * index it without parsing prose), findings in their own element, and a one-line summary as MSG.
 * When the message would exceed `maxBytes`, the summary goes first, then fields are shortened,
 * and only then is the message cut.
 */
export function eventToSyslog(event: SecurityEvent, options: SyslogEventOptions): Encoded {
  for (const limits of [ROOMY, NO_MSG, TIGHT]) {
    const text = attempt(event, options, limits);
    if (byteLength(text) <= options.maxBytes) return { text, truncated: limits !== ROOMY };
  }
  return { text: truncateUtf8(attempt(event, options, TIGHT), options.maxBytes).text, truncated: true };
}
