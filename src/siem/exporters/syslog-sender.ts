import { readFileSync } from "node:fs";
import type { SyslogTransportOptions } from "../options.js";
import { octetCountedFrame } from "../transport/framing.js";
import { StreamSender } from "../transport/stream.js";
import { UdpSender } from "../transport/udp.js";
import type { ExporterContext } from "../types.js";

/** RFC 5426 §3.2: IPv4 receivers must take 480 octets and should take 2048. */
const UDP_MAX_BYTES = 2048;
/** RFC 5425 §4.3.1: TLS receivers should take 8192 octets; rsyslog's default limit is 8 KiB too. */
const STREAM_MAX_BYTES = 8192;

/** RFC 5426 §3.3 (udp/514), RFC 6587 (tcp/514 by custom), RFC 5425 §4.1 (tls/6514). */
const DEFAULT_PORT = { udp: 514, tcp: 514, tls: 6514 } as const;

export interface SyslogSender {
  /** Largest SYSLOG-MSG the encoders may produce. */
  maxBytes: number;
  send(messages: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** The transport shared by the `syslog` and `cef` exporters; TLS files are read now, at start-up. */
export function createSyslogSender(
  options: SyslogTransportOptions & { timeoutMs: number },
  context: ExporterContext,
): SyslogSender {
  const port = options.port ?? DEFAULT_PORT[options.protocol];
  const maxBytes = options.maxMessageBytes ?? (options.protocol === "udp" ? UDP_MAX_BYTES : STREAM_MAX_BYTES);
  if (options.protocol === "udp") {
    const udp = new UdpSender({ host: options.host, port, timeoutMs: options.timeoutMs });
    return {
      maxBytes,
      send: (messages) => udp.send(messages.map((m) => Buffer.from(m, "utf8"))),
      close: () => udp.close(),
    };
  }
  const read = (path: string | undefined) => (path ? readFileSync(context.resolvePath(path)) : undefined);
  const tls =
    options.protocol === "tls"
      ? {
          ca: read(options.tls?.ca),
          cert: read(options.tls?.cert),
          key: read(options.tls?.key),
          servername: options.tls?.servername,
          rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        }
      : undefined;
  const stream = new StreamSender({
    host: options.host,
    port,
    tls,
    timeoutMs: options.timeoutMs,
    settleMs: options.settleMs,
  });
  return {
    maxBytes,
    send: (messages) => stream.send(Buffer.concat(messages.map(octetCountedFrame))),
    close: () => stream.close(),
  };
}
