import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, post, startGateway } from "./helpers/gateway.js";

const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("operations", () => {
  it("health, readiness and Prometheus metrics", async () => {
    const gateway = await startGateway();
    try {
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      await post(`${gateway.url}/v1/chat/completions`, gateway.adminKey, {
        model: "demo-chat",
        messages: [{ role: "user", content: "count me" }],
      });
      await post(`${gateway.url}/v1/chat/completions`, undefined, { model: "demo-chat", messages: [] });
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(
        /portcullis_requests_total\{route="\/v1\/chat\/completions",model="demo-chat",decision="allow",status="200"\} 1/,
      );
      expect(metrics).toMatch(/portcullis_requests_total\{[^}]*decision="block",status="401"\} 1/);
      expect(metrics).toContain("portcullis_overhead_seconds_bucket");
      expect(metrics).toContain("portcullis_upstream_duration_seconds_bucket");
      expect(metrics).toMatch(/portcullis_event_queue_depth\{subscriber="store"\} \d+/);
      expect(metrics).toMatch(/portcullis_events_dropped_total\{subscriber="store"\} 0/);
    } finally {
      await gateway.stop();
    }
  });

  it("SIGTERM drains: the in-flight stream finishes, new requests are refused, events are flushed", async () => {
    const gateway = await startGateway();
    const inflight = post(`${gateway.url}/v1/chat/completions`, gateway.adminKey, {
      model: "demo-chat",
      stream: true,
      messages: [{ role: "user", content: "[[demo:slow=100]] take your time please" }],
    });
    await new Promise((r) => setTimeout(r, 300));
    const exited = gateway.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    const late = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    }).catch(() => undefined);
    if (late) expect(late.status).toBe(503);
    const result = await inflight;
    expect(result.status).toBe(200);
    expect(result.text).toContain("data: [DONE]");
    expect(await exited).toBe(0);
    // The flushed event of the stream is in the store: read it back through the CLI-free path.
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(join(gateway.dataDir, "portcullis.db"), { readonly: true });
    const count = db.prepare("SELECT count(*) FROM events WHERE activity = 'chat.completions'").pluck().get();
    db.close();
    expect(count).toBe(1);
  });

  it("keys CLI on a data directory, and against a running server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-cli-"));
    const created = await cli([
      "keys",
      "create",
      "--name",
      "ci",
      "--team",
      "red",
      "--models",
      "demo-chat",
      "--data-dir",
      dir,
      "--format",
      "json",
    ]);
    expect(created.code).toBe(0);
    // No gateway saw this change, so it is not in the audit log: the CLI must say so.
    expect(created.stderr).toContain("not in the audit log");
    const key = JSON.parse(created.stdout) as {
      key: string;
      id: string;
      team: string;
      models: string[];
      status: string;
    };
    expect(key.key).toMatch(/^pcx_[A-Za-z0-9]{43}$/);
    expect(key).toMatchObject({ team: "red", models: ["demo-chat"], status: "active" });

    const listed = await cli(["keys", "list", "--data-dir", dir, "--format", "json"]);
    expect(listed.stdout).not.toContain(key.key);
    expect((JSON.parse(listed.stdout) as { data: { id: string }[] }).data.map((k) => k.id)).toContain(key.id);

    // The server on the same data directory sees keys the CLI changes, within its poll interval.
    const gateway = await startGateway({ args: [], env: {} });
    try {
      const server = ["--server", gateway.url, "--admin-key", gateway.adminKey, "--format", "json"];
      const remote = await cli(["keys", "create", "--name", "remote", ...server]);
      expect(remote.code).toBe(0);
      expect(remote.stderr).not.toContain("not in the audit log");
      const remoteKey = JSON.parse(remote.stdout) as { key: string; id: string };
      const chat = { model: "demo-chat", messages: [{ role: "user", content: "hi" }] };
      expect((await post(`${gateway.url}/v1/chat/completions`, remoteKey.key, chat)).status).toBe(200);
      expect((await cli(["keys", "suspend", remoteKey.id, ...server])).code).toBe(0);
      expect((await post(`${gateway.url}/v1/chat/completions`, remoteKey.key, chat)).status).toBe(401);
      // Local mode against the server's data directory, while it runs.
      expect((await cli(["keys", "resume", remoteKey.id, "--data-dir", gateway.dataDir])).code).toBe(0);
      await expect
        .poll(async () => (await post(`${gateway.url}/v1/chat/completions`, remoteKey.key, chat)).status, {
          timeout: 5000,
        })
        .toBe(200);
      const bad = await cli([
        "keys",
        "create",
        "--name",
        "x",
        "--server",
        gateway.url,
        "--admin-key",
        "pcx_wrongwrongwrongwrongwrongwrongwrong",
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("PCX_AUTH_INVALID_KEY");
    } finally {
      await gateway.stop();
    }
  });

  it("config check: exit 0 and warnings for a valid file, exit 1 with precise problems otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-cfg-"));
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, "providers: { d: { type: demo } }\nmodels: [{ name: m, provider: d }]\n");
    writeFileSync(
      bad,
      "providers: { d: { type: demo } }\nmodels: [{ name: m, provider: nope }]\nserver: { port: -1 }\n",
    );
    const ok = await cli(["config", "check", good, "--format", "json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true });
    const ko = await cli(["config", "check", bad]);
    expect(ko.code).toBe(1);
    expect(ko.stdout).toContain("bad.yaml");
    expect(ko.stdout).toContain("server.port");
    expect(ko.stdout).toContain('models.0.provider: unknown provider "nope"');
    const missing = await cli(["serve", "--config", join(dir, "absent.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the file");
  });

  it("a bad PORTCULLIS_ADMIN_KEY stops start-up with a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-boot-"));
    const result = await cli(["serve", "--data-dir", dir, "--port", "0"], {
      PORTCULLIS_ADMIN_KEY: "hunter2",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("PORTCULLIS_ADMIN_KEY must look like");
    expect(result.stderr).not.toContain("hunter2");
  });

  it("without PORTCULLIS_ADMIN_KEY the first start prints an admin key once", async () => {
    const gateway = await startGateway({ env: { PORTCULLIS_ADMIN_KEY: "" } });
    try {
      const printed = /\s(pcx_[A-Za-z0-9]{43})\s/.exec(gateway.logs())?.[1];
      expect(printed).toBeDefined();
      const res = await post(`${gateway.url}/v1/chat/completions`, printed, {
        model: "demo-chat",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(res.status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});

describe("transport security", () => {
  const dir = mkdtempSync(join(tmpdir(), "pcx-tls-"));
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  let haveOpenssl = true;
  try {
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=Test CA",
    ]);
    openssl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=127.0.0.1",
    ]);
    const ext = join(dir, "san.ext");
    writeFileSync(ext, "subjectAltName=IP:127.0.0.1\n");
    openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      ext,
    ]);
    openssl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "client.key",
      "-out",
      "client.csr",
      "-subj",
      "/CN=client",
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "client.pem",
      "-days",
      "1",
    ]);
  } catch {
    haveOpenssl = false;
  }
  const file = (name: string) => readFileSync(join(dir, name));

  function get(url: string, options: { cert?: boolean } = {}) {
    return new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          ca: file("ca.pem"),
          ...(options.cert ? { cert: file("client.pem"), key: file("client.key") } : {}),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  it.skipIf(!haveOpenssl && !process.env.CI)(
    "serves HTTPS with TLS 1.2+ only, and enforces client certificates (mTLS)",
    async () => {
      const gateway = await startGateway({
        config: `
tls: { cert: "${join(dir, "server.pem")}", key: "${join(dir, "server.key")}", clientCa: "${join(dir, "ca.pem")}", clientAuth: require }
providers: { demo: { type: demo } }
models: [{ name: demo-chat, provider: demo }]
`,
      });
      try {
        expect(gateway.url).toMatch(/^https:/);
        expect(await get(`${gateway.url}/healthz`, { cert: true })).toBe(200);
        await expect(get(`${gateway.url}/healthz`)).rejects.toThrow();
        const { port } = new URL(gateway.url);
        const tls11 = await new Promise<string>((resolve) => {
          const socket = tlsConnect(
            {
              host: "127.0.0.1",
              port: Number(port),
              maxVersion: "TLSv1.1",
              minVersion: "TLSv1",
              ca: file("ca.pem"),
              cert: file("client.pem"),
              key: file("client.key"),
            },
            () => resolve("connected"),
          );
          socket.on("error", (e) => resolve(e.message));
        });
        expect(tls11).not.toBe("connected");
      } finally {
        await gateway.stop();
      }
    },
  );
});
