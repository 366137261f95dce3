import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { hostname } from "node:os";
import type { SignedCheckpoint } from "../checkpoint.js";
import type { CheckpointExporter } from "./types.js";

export interface SyslogExporterOptions {
  host: string;
  port: number;
  protocol: "udp" | "tcp";
  /** Connect and write timeout (TCP). */
  timeoutMs?: number;
  /** For tests: the clock and the HOSTNAME field. */
  now?: () => Date;
  hostname?: string;
}

/** RFC 5424 §6.2.1: facility 13 is "log audit"; severity 6 is informational. PRI = 13 × 8 + 6. */
const PRI = 13 * 8 + 6;
/**
 * RFC 5424 §7.2.2: SD-IDs of our own are name@<private enterprise number>. 32473 is the number
 * IANA reserves for documentation (RFC 5612), used until the project registers its own.
 */
const SD_ID = "checkpoint@32473";
/** RFC 5424 §6.4: a UTF-8 MSG starts with the byte order mark. */
const BOM = "\uFEFF";

/** RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash. */
function sdValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** RFC 5424 §6.2.4: HOSTNAME is 1–255 printable US-ASCII characters, or "-". */
function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return cleaned || "-";
}

/**
 * One RFC 5424 message per checkpoint. The structured data carries origin, size, root and the
 * signature line, so the exact note can be rebuilt even by a receiver that folds the newlines of
 * the message body; the body is the note itself.
 */
export function formatSyslogMessage(checkpoint: SignedCheckpoint, time: Date, host: string): string {
  const signature = checkpoint.note.slice(checkpoint.note.lastIndexOf("\n\n") + 2).trimEnd();
  const sd =
    `[${SD_ID} origin="${sdValue(checkpoint.origin)}" size="${checkpoint.size}"` +
    ` root="${checkpoint.root.toString("base64")}" signature="${sdValue(signature)}"]`;
  return `<${PRI}>1 ${time.toISOString()} ${headerField(host, 255)} portcullis ${process.pid} checkpoint ${sd} ${BOM}${checkpoint.note}`;
}

/**
 * Sends checkpoints to a syslog receiver: one datagram per message over UDP (RFC 5426), or over
 * TCP with RFC 6587 octet counting (`<length> <message>`), which keeps the newlines of the note
 * intact. The TCP connection is kept and re-opened after an error.
 */
export function createSyslogExporter(options: SyslogExporterOptions): CheckpointExporter {
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? (() => new Date());
  const host = options.hostname ?? hostname();
  let tcp: Socket | undefined;
  let udp: ReturnType<typeof createSocket> | undefined;

  const openTcp = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`syslog ${options.host}:${options.port}: connect timed out`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.setKeepAlive(true);
        socket.on("error", () => socket.destroy());
        socket.on("close", () => {
          if (tcp === socket) tcp = undefined;
        });
        resolve(socket);
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });

  const sendTcp = async (message: string) => {
    if (tcp && (tcp.destroyed || !tcp.writable)) tcp = undefined;
    tcp ??= await openTcp();
    const socket = tcp;
    const frame = Buffer.from(message, "utf8");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error("syslog write timed out"));
      }, timeoutMs);
      socket.write(Buffer.concat([Buffer.from(`${frame.length} `), frame]), (error) => {
        clearTimeout(timer);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve();
      });
    });
  };

  const sendUdp = (message: string) =>
    new Promise<void>((resolve, reject) => {
      if (!udp) {
        udp = createSocket(options.host.includes(":") ? "udp6" : "udp4");
        udp.unref();
        udp.on("error", () => undefined);
      }
      udp.send(Buffer.from(message, "utf8"), options.port, options.host, (error) =>
        error ? reject(error) : resolve(),
      );
    });

  return {
    name: "syslog",
    async export(checkpoint) {
      const message = formatSyslogMessage(checkpoint, now(), host);
      if (options.protocol === "tcp") await sendTcp(message);
      else await sendUdp(message);
    },
    async close() {
      tcp?.end();
      tcp = undefined;
      udp?.close();
      udp = undefined;
    },
  };
}
