import type { SecurityEvent } from "../events/index.js";
import type { FacilityName } from "./encode/syslog.js";
import type { Severity } from "./severity.js";

/**
 * What each exporter is built from. These mirror the validated `siem.exporters` entries of the
 * configuration (src/config/sections/siem.ts), which this room may not import; the composition root
 * passes the parsed config here, so the compiler checks the two agree, and test/siem/registry.test.ts
 * checks the list of types against the schema.
 */

export interface FilterOptions {
  minSeverity: Severity;
  /** Finding categories; empty: any. */
  categories: readonly string[];
  classes: readonly SecurityEvent["class"][];
}

export interface QueueOptions {
  maxBytes: number;
  maxAttempts?: number;
  backoff?: { initialMs: number; maxMs: number };
}

export interface CommonOptions {
  name: string;
  filter: FilterOptions;
  queue: QueueOptions;
  timeoutMs: number;
}

export interface TlsClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface SyslogTransportOptions {
  protocol: "udp" | "tcp" | "tls";
  host: string;
  port?: number;
  tls?: TlsClientOptions;
  facility: FacilityName;
  hostname?: string;
  appName: string;
  maxMessageBytes?: number;
  settleMs: number;
}

export interface SyslogExporterOptions extends CommonOptions, SyslogTransportOptions {
  type: "syslog";
  sdId: string;
}

export interface CefExporterOptions extends CommonOptions, SyslogTransportOptions {
  type: "cef";
}

export interface HttpOptions {
  url: string;
  tls?: { ca?: string; rejectUnauthorized: boolean };
}

export type RecordFormat = "ocsf" | "event";

export interface OcsfExporterOptions extends CommonOptions, HttpOptions {
  type: "ocsf";
  authorization?: string;
  headers: Readonly<Record<string, string>>;
}

export interface SplunkHecExporterOptions extends CommonOptions, HttpOptions {
  type: "splunk_hec";
  token: string;
  index?: string;
  source: string;
  sourcetype?: string;
  format: RecordFormat;
}

export interface WebhookExporterOptions extends CommonOptions, HttpOptions {
  type: "webhook";
  secret: string;
  format: RecordFormat;
}

export interface FileExporterOptions extends CommonOptions {
  type: "file";
  path: string;
  format: RecordFormat;
}

export type ExporterOptions =
  | SyslogExporterOptions
  | CefExporterOptions
  | OcsfExporterOptions
  | SplunkHecExporterOptions
  | WebhookExporterOptions
  | FileExporterOptions;

export type ExporterType = ExporterOptions["type"];
