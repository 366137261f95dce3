import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";

export interface UdpOptions {
  host: string;
  port: number;
  timeoutMs: number;
}

/**
 * Syslog over UDP (RFC 5426): one message per datagram, no framing. UDP cannot tell whether a
 * message arrived, so this transport is at-most-once whatever the queue does (docs/siem.md).
 */
export class UdpSender {
  private socket: Socket | null = null;

  constructor(private readonly options: UdpOptions) {}

  private ensure(): Socket {
    if (!this.socket) {
      this.socket = createSocket(isIPv6(this.options.host) ? "udp6" : "udp4");
      this.socket.on("error", () => {
        this.socket?.close();
        this.socket = null;
      });
      this.socket.unref();
    }
    return this.socket;
  }

  async send(messages: readonly Buffer[]): Promise<void> {
    const socket = this.ensure();
    const { host, port, timeoutMs } = this.options;
    for (const message of messages) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`UDP send timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
        socket.send(message, port, host, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
