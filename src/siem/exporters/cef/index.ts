import { eventToCefSyslog } from "../../encode/cef-syslog.js";
import type { CefExporterOptions } from "../../options.js";
import { defaultHostname, packageVersion } from "../../product.js";
import type { Delivery, ExporterContext } from "../../types.js";
import { createSyslogSender } from "../syslog-sender.js";

/** `type: cef` — one ArcSight CEF line per event, carried as the MSG of an RFC 5424 message. */
export function createCefExporter(options: CefExporterOptions, context: ExporterContext): Delivery {
  const sender = createSyslogSender(options, context);
  const encoding = {
    facility: options.facility,
    hostname: options.hostname ?? context.hostname ?? defaultHostname(),
    appName: options.appName,
    procId: String(process.pid),
    productVersion: context.productVersion ?? packageVersion(),
    maxBytes: sender.maxBytes,
  };
  let truncated = 0;
  return {
    async deliver(batch) {
      const messages = batch.map((event) => {
        const encoded = eventToCefSyslog(event, encoding);
        if (encoded.truncated) truncated++;
        return encoded.text;
      });
      await sender.send(messages);
    },
    close: () => sender.close(),
    truncated: () => truncated,
  };
}
