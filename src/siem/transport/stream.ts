import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface StreamTlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface StreamOptions {
  host: string;
  port: number;
  /** Present: TLS (RFC 5425), TLS 1.2 or newer. */
  tls?: StreamTlsOptions;
  /** Connect and write timeout. */
  timeoutMs: number;
  /** How long the connection must stay up after a write for the write to count (see `send`). */
  settleMs: number;
}

/**
 * One persistent TCP or TLS connection to a syslog receiver, opened on first use and reopened after
 * it breaks. Syslog over TCP has no acknowledgement, so `send` resolves only when the kernel took the
 * bytes and the connection was still alive `settleMs` later: a receiver that stops mid-batch resets
 * the connection within that window and the batch is sent again (at-least-once, possibly twice).
 */
export class StreamSender {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  /** Incremented whenever a connection ends; a send compares it before and after writing. */
  private generation = 0;
  private closed = false;
  lastConnectError: Error | null = null;

  constructor(private readonly options: StreamOptions) {}

  async send(payload: Buffer): Promise<void> {
    if (this.closed) throw new Error("syslog sender is closed");
    const reused = this.socket !== null && !this.socket.destroyed;
    try {
      await this.sendOnce(payload);
    } catch (error) {
      // A kept-alive connection the receiver dropped while idle fails on first use: reconnect once.
      if (!reused || this.closed) throw error;
      await this.sendOnce(payload);
    }
  }

  private async sendOnce(payload: Buffer): Promise<void> {
    const socket = await this.connect();
    const generation = this.generation;
    await this.write(socket, payload);
    if (this.options.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.settleMs));
    if (generation !== this.generation || socket.destroyed) {
      throw new Error(
        "connection to the syslog receiver was lost right after sending; the batch will be sent again",
      );
    }
  }

  private write(socket: Socket, payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (error?: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off("close", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onClose = () => finish(new Error("connection to the syslog receiver closed while sending"));
      // A receiver that stops reading fills the socket buffer: give up, drop the connection, retry later.
      const timer = setTimeout(() => {
        finish(new Error(`sending to the syslog receiver timed out after ${this.options.timeoutMs} ms`));
        socket.destroy();
      }, this.options.timeoutMs);
      socket.once("close", onClose);
      socket.write(payload, (error) => finish(error ?? null));
    });
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const { host, port, tls, timeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const socket = tls
        ? tlsConnect({
            host,
            port,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            servername: tls.servername,
            rejectUnauthorized: tls.rejectUnauthorized,
            minVersion: "TLSv1.2",
          })
        : netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy(new Error(`connecting to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        this.lastConnectError = error;
        reject(error);
      };
      socket.once("error", onError);
      socket.once(tls ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        socket.off("error", onError);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        // Receivers do not talk back; read and discard anything so the socket never stalls.
        socket.on("data", () => {});
        socket.on("error", () => {});
        // The receiver closed its side: this connection cannot carry more messages.
        socket.on("end", () => socket.destroy());
        socket.once("close", () => {
          this.generation++;
          if (this.socket === socket) this.socket = null;
        });
        socket.unref();
        this.socket = socket;
        if (this.closed) {
          socket.destroy();
          reject(new Error("syslog sender is closed"));
          return;
        }
        resolve(socket);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }
}
