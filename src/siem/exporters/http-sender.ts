import { readFileSync } from "node:fs";
import type { HttpOptions } from "../options.js";
import { HttpSender } from "../transport/http.js";
import type { ExporterContext } from "../types.js";

/** An HttpSender for an exporter's `url` and `tls`, with its CA file read at start-up. */
export function createHttpSender(
  options: HttpOptions & { timeoutMs: number },
  context: ExporterContext,
  url = options.url,
) {
  return new HttpSender({
    url,
    timeoutMs: options.timeoutMs,
    ...(options.tls?.ca ? { ca: readFileSync(context.resolvePath(options.tls.ca)) } : {}),
    rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
  });
}
