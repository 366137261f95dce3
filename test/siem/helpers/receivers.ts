import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { parseOctetCountedFrames } from "../../../src/siem/transport/framing.js";

/** Test receivers: what a syslog collector, a SIEM's HTTP input or a webhook endpoint would be. */

export interface StreamReceiver {
  port: number;
  messages: string[];
  sockets: Set<Socket>;
  /** Resolves once at least `count` messages arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP (or TLS) syslog receiver reading RFC 6587 octet-counted frames. */
export async function startStreamReceiver(
  options: { port?: number; tls?: { cert: Buffer; key: Buffer } } = {},
): Promise<StreamReceiver> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseOctetCountedFrames(buffer);
      messages.push(...parsed.messages);
      buffer = Buffer.from(parsed.rest);
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  };
  const server: Server = options.tls ? createTlsServer(options.tls, onSocket) : createNetServer(onSocket);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    sockets,
    async waitFor(count, timeoutMs = 5000) {
      await waitUntil(
        () => messages.length >= count,
        timeoutMs,
        `${count} syslog messages (have ${messages.length})`,
      );
      return messages;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startUdpReceiver() {
  const messages: string[] = [];
  const socket = createSocket("udp4");
  socket.on("message", (message) => messages.push(message.toString("utf8")));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    messages,
    async waitFor(count: number, timeoutMs = 5000) {
      await waitUntil(() => messages.length >= count, timeoutMs, `${count} datagrams`);
      return messages;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export interface HttpCapture {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** An HTTP receiver; `respond` decides the status per request (200 by default). */
export async function startHttpReceiver(respond: (request: HttpCapture) => number | null = () => 200) {
  const requests: HttpCapture[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const capture = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(capture);
      const status = respond(capture);
      if (status === null) return; // never answer: a stuck receiver
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.end(status === 200 ? '{"text":"Success","code":0}' : '{"text":"Server is busy","code":9}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A self-signed certificate for localhost (openssl is part of the CI image and of Debian). */
export function selfSignedCertificate(): { cert: Buffer; key: Buffer; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "pcx-siem-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile };
}
