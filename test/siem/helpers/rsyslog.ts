import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { delimiter, join } from "node:path";

/**
 * A real rsyslogd (Debian's `rsyslog` package) for integration tests: its own configuration, pid
 * file and work directory in a temporary folder, an imtcp input on a loopback port (octet-counted
 * framing is on by default in imtcp), and an omfile action writing one JSON object per message
 * with the raw message and the fields rsyslog parsed from it (so the test sees both what we sent
 * and how a real receiver understood it).
 */

export function findRsyslogd(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const candidate = join(dir, "rsyslogd");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RsyslogRecord {
  raw: string;
  pri: string;
  hostname: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
}

export interface Rsyslog {
  port: number;
  output: string;
  records(): RsyslogRecord[];
  logs(): string;
  stop(): Promise<void>;
  /** Starts it again (after `stop`) with the same configuration, port and output file. */
  start(): Promise<void>;
}

function config(dir: string, port: number, output: string): string {
  return `# Written by test/siem/helpers/rsyslog.ts
global(workDirectory="${join(dir, "work")}" maxMessageSize="64k")
module(load="imtcp")
template(name="siemJson" type="list" option.jsonf="on") {
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="siem") {
  action(type="omfile" file="${output}" template="siemJson")
}
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="siem")
`;
}

async function waitForPort(port: number, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode}:\n${logs()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${port}:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRsyslog(binary: string, dir: string): Promise<Rsyslog> {
  mkdirSync(join(dir, "work"), { recursive: true });
  const port = await freePort();
  const output = join(dir, "received.jsonl");
  const conf = join(dir, "rsyslog.conf");
  const pidFile = join(dir, "rsyslogd.pid");
  writeFileSync(conf, config(dir, port, output));
  let child: ChildProcess;
  let output_ = "";
  const start = async () => {
    child = spawn(binary, ["-n", "-f", conf, "-i", pidFile], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (output_ += d));
    child.stderr!.on("data", (d) => (output_ += d));
    await waitForPort(port, child, () => output_);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  };
  await start();
  return {
    port,
    output,
    records() {
      if (!existsSync(output)) return [];
      return readFileSync(output, "utf8")
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as RsyslogRecord);
    },
    logs: () => output_,
    stop,
    start,
  };
}
