import { createCefExporter } from "./exporters/cef/index.js";
import { createFileExporter } from "./exporters/file/index.js";
import { createOcsfExporter } from "./exporters/ocsf/index.js";
import { createSplunkHecExporter } from "./exporters/splunk-hec/index.js";
import { createSyslogExporter } from "./exporters/syslog/index.js";
import { createWebhookExporter } from "./exporters/webhook/index.js";
import type { ExporterOptions, ExporterType } from "./options.js";
import type { Delivery, ExporterContext, ExporterFactory } from "./types.js";

/**
 * Every exporter type, registered once (STYLE.md §6). The list of valid types is derived from this
 * object; test/siem/registry.test.ts checks it against the configuration schema (§7).
 */
export const exporterFactories: {
  [T in ExporterType]: ExporterFactory<Extract<ExporterOptions, { type: T }>>;
} = {
  syslog: createSyslogExporter,
  cef: createCefExporter,
  ocsf: createOcsfExporter,
  splunk_hec: createSplunkHecExporter,
  webhook: createWebhookExporter,
  file: createFileExporter,
};

export const exporterTypes = Object.keys(exporterFactories) as ExporterType[];

export function createDelivery(options: ExporterOptions, context: ExporterContext): Delivery {
  const factory = exporterFactories[options.type] as ExporterFactory<ExporterOptions>;
  return factory(options, context);
}
