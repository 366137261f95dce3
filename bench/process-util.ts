import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { connect, createServer } from "node:net";

/**
 * Every child the benchmark starts (mock, gateway, nginx) is registered here, so that a failure,
 * Ctrl-C or an uncaught error anywhere still leaves no process behind.
 */
const children = new Set<ChildProcess>();

/**
 * Children run in their own process group (spawned `detached`), so that a hard kill also reaches
 * what they started themselves: nginx's workers outlive a killed master otherwise.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function killAllNow(): void {
  for (const child of children) killGroup(child, "SIGKILL");
  children.clear();
}

/** Called once by an entry point: kill every registered child on exit, Ctrl-C or SIGTERM. */
export function installCleanup(): void {
  process.once("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
}

export interface StartedChild {
  child: ChildProcess;
  /** The first capture group of the readiness pattern (for example the URL the child listens on). */
  ready: string;
  /** The last lines the child wrote, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a child and waits until its stdout or stderr matches `ready`, or, for programs that say
 * nothing when they are up (nginx), until the `ready` probe succeeds. Output is drained
 * continuously (a full pipe would block the child) and the last lines are kept for errors.
 */
export function startChild(
  command: string,
  args: readonly string[],
  ready: RegExp | (() => Promise<boolean>),
  options: SpawnOptions & { timeoutMs?: number; name: string },
): Promise<StartedChild> {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const tail: string[] = [];
  const remember = (text: string) => {
    tail.push(...text.split("\n").filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  exited.then(() => children.delete(child));

  const stop = async (graceMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<StartedChild>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop(1000).then(() => reject(new Error(`${options.name}: ${message}\n${tail.join("\n")}`)));
    };
    const timer = setTimeout(() => fail("did not become ready in time"), options.timeoutMs ?? 20_000);
    const succeed = (value: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, ready: value, output: () => tail.join("\n"), stop });
    };
    const onData = (data: Buffer) => {
      const text = data.toString("utf8");
      remember(text);
      if (settled || !(ready instanceof RegExp)) return;
      const match = ready.exec(text);
      if (match) succeed(match[1] ?? match[0]);
    };
    if (!(ready instanceof RegExp)) {
      const poll = () => {
        if (settled) return;
        ready().then(
          (up) => (up ? succeed("") : setTimeout(poll, 100)),
          () => setTimeout(poll, 100),
        );
      };
      setTimeout(poll, 50);
    }
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => fail(`could not start (${error.message})`));
    child.once("exit", (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}

/** A port that was free a moment ago, for programs that cannot be told to pick one (nginx). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion and returns its output (for `nginx -v`, `apt-get`, `git`). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    children.add(child);
    let output = "";
    const collect = (data: Buffer) => (output += data.toString("utf8"));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 10_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: null, output: error.message });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, output });
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
