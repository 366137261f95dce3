import { toRecords } from "../../encode/records.js";
import type { FileExporterOptions } from "../../options.js";
import { packageVersion } from "../../product.js";
import { FileSender } from "../../transport/file.js";
import type { Delivery, ExporterContext } from "../../types.js";

/** `type: file` — JSON lines appended to a file (OCSF records or raw events). */
export function createFileExporter(options: FileExporterOptions, context: ExporterContext): Delivery {
  const sender = new FileSender(context.resolvePath(options.path));
  const productVersion = context.productVersion ?? packageVersion();
  return {
    async deliver(batch) {
      const lines = batch.flatMap((event) =>
        toRecords(event, options.format, productVersion).map((record) => JSON.stringify(record)),
      );
      await sender.append(`${lines.join("\n")}\n`);
    },
    close: async () => {},
  };
}
