import type { Severity } from "../severity.js";

/**
 * The RFC 5424 message format, independent of what Portcullis puts in it:
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]                         (§6)
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 */

/** RFC 5424 §6.2.1, table 1: facility codes. */
export const FACILITY = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export type FacilityName = keyof typeof FACILITY;

/**
 * RFC 5424 §6.2.1, table 2 (0 Emergency … 7 Debug). Emergency and Alert are left to the system
 * itself: a single request, however bad, is at most Critical.
 */
export const SYSLOG_SEVERITY: Record<Severity, number> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  info: 6,
};

/** RFC 5424 §6.2.1: PRIVAL = facility × 8 + severity. */
export function priority(facility: FacilityName, severity: Severity): number {
  return FACILITY[facility] * 8 + SYSLOG_SEVERITY[severity];
}

/** RFC 5424 §6.2: NILVALUE, written where a field has no value. */
export const NIL = "-";

/** RFC 5424 §6.4: MSG in UTF-8 MUST start with the byte order mark. */
const BOM = "\uFEFF";

/**
 * RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash; every
 * other character (UTF-8) is written as is.
 */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/**
 * Header fields are PRINTUSASCII (%d33-126) with a maximum length (§6.2.4–6.2.7); anything else is
 * replaced so a hostile value cannot shift the fields that follow it.
 */
export function headerField(value: string | undefined, max: number): string {
  if (!value) return NIL;
  const cleaned = value.replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return cleaned.length > 0 ? cleaned : NIL;
}

/** SD-NAME (§6.3.2, §6.3.3): PRINTUSASCII except '=', SP, ']' and '"', at most 32 characters. */
export function isSdName(name: string): boolean {
  return /^[\x21-\x7e]{1,32}$/.test(name) && !/[= \]"]/.test(name);
}

export interface SdElement {
  id: string;
  /** Repeated names are allowed (§6.3.3: "An SD-PARAM MAY be repeated"). Undefined values are skipped. */
  params: ReadonlyArray<readonly [string, string | undefined]>;
}

export function formatStructuredData(elements: readonly SdElement[]): string {
  if (elements.length === 0) return NIL;
  return elements
    .map((element) => {
      let text = `[${element.id}`;
      for (const [name, value] of element.params) {
        if (value === undefined) continue;
        text += ` ${name}="${escapeParamValue(value)}"`;
      }
      return `${text}]`;
    })
    .join("");
}

export interface SyslogMessage {
  facility: FacilityName;
  severity: Severity;
  /** Milliseconds since the epoch. */
  time: number;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: readonly SdElement[];
  msg?: string;
  /**
   * Mark a non-ASCII MSG as UTF-8 with the BOM (§6.4). CEF payloads go without it, as MSG-ANY,
   * because CEF receivers expect the message to begin with "CEF:".
   */
  bom?: boolean;
}

export function formatSyslog(message: SyslogMessage): string {
  const header = [
    `<${priority(message.facility, message.severity)}>1`,
    // §6.2.3: RFC 3339 with at most 6 fractional digits; toISOString gives milliseconds and "Z".
    new Date(message.time).toISOString(),
    headerField(message.hostname, 255),
    headerField(message.appName, 48),
    headerField(message.procId, 128),
    headerField(message.msgId, 32),
  ].join(" ");
  const sd = formatStructuredData(message.structuredData);
  if (message.msg === undefined || message.msg === "") return `${header} ${sd}`;
  const bom = message.bom !== false && /[^\x20-\x7e]/.test(message.msg) ? BOM : "";
  return `${header} ${sd} ${bom}${message.msg}`;
}
