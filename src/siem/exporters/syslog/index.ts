import { eventToSyslog } from "../../encode/syslog-event.js";
import type { SyslogExporterOptions } from "../../options.js";
import { defaultHostname } from "../../product.js";
import type { Delivery, ExporterContext } from "../../types.js";
import { createSyslogSender } from "../syslog-sender.js";

/** `type: syslog` — RFC 5424 messages with every field in structured data, over udp, tcp or tls. */
export function createSyslogExporter(options: SyslogExporterOptions, context: ExporterContext): Delivery {
  const sender = createSyslogSender(options, context);
  const encoding = {
    facility: options.facility,
    hostname: options.hostname ?? context.hostname ?? defaultHostname(),
    appName: options.appName,
    procId: String(process.pid),
    sdId: options.sdId,
    maxBytes: sender.maxBytes,
  };
  let truncated = 0;
  return {
    async deliver(batch) {
      const messages = batch.map((event) => {
        const encoded = eventToSyslog(event, encoding);
        if (encoded.truncated) truncated++;
        return encoded.text;
      });
      await sender.send(messages);
    },
    close: () => sender.close(),
    truncated: () => truncated,
  };
}
