import type { SecurityEvent } from "../../events/index.js";
import { effectiveSeverity } from "../severity.js";
import { eventToCef } from "./cef.js";
import { formatSyslog, type FacilityName } from "./syslog.js";
import type { Encoded } from "./syslog-event.js";

export interface CefSyslogOptions {
  facility: FacilityName;
  hostname: string;
  appName: string;
  procId: string;
  productVersion: string;
  /** Largest whole SYSLOG-MSG in octets; the CEF part gets what the header leaves. */
  maxBytes: number;
}

/**
 * CEF carried by syslog: an RFC 5424 header with no structured data, and the CEF line as MSG. The
 * MSG goes without a BOM (as MSG-ANY, RFC 5424 §6.4) because CEF receivers expect it to begin with
 * "CEF:"; the CEF standard itself says the line is UTF-8.
 */
export function eventToCefSyslog(event: SecurityEvent, options: CefSyslogOptions): Encoded {
  const syslogHeader = formatSyslog({
    facility: options.facility,
    severity: effectiveSeverity(event),
    time: event.time,
    hostname: options.hostname,
    appName: options.appName,
    procId: options.procId,
    msgId: event.activity,
    structuredData: [],
  });
  const cef = eventToCef(event, {
    productVersion: options.productVersion,
    hostname: options.hostname,
    maxBytes: options.maxBytes - Buffer.byteLength(syslogHeader, "utf8") - 1,
  });
  return { text: `${syslogHeader} ${cef.text}`, truncated: cef.truncated };
}
