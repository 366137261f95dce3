import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startServer, type RunningServer } from "../../src/app/index.js";
import { auditConfig } from "../../src/cli/commands/audit-config/index.js";
import { CliError } from "../../src/cli/errors.js";
import { configSchema } from "../../src/config/index.js";
import type { PostureReport } from "../../src/posture/index.js";

const secret = (prefix = "") => `${prefix}${randomBytes(24).toString("base64url")}`;

/** Every value the configuration holds or points at that must never leave through the admin API. */
const ADMIN_KEY = `pcx_${randomBytes(24).toString("hex")}`;
const WEBHOOK_SECRET = secret();
const INCIDENT_SECRET = secret();
const HEADER_VALUE = secret("org-");
const QUERY_VALUE = secret("sig-");
const URL_PASSWORD = secret("pw");
const SLACK_PATH = `T0${secret()}/B0${secret()}`;
/** The KEK comes from a command (a KMS client); its argv is masked, since argv can carry a token. */
const KEK = randomBytes(32).toString("base64");

const CONFIG = `
server: { host: 127.0.0.1, port: 0, shutdownGraceMs: 500 }
providers:
  demo: { type: demo }
  corp:
    type: openai
    baseUrl: https://proxy-user:${URL_PASSWORD}@llm.internal.example/v1
    apiKey: env:CORP_API_KEY
    headers: { x-org-token: ${HEADER_VALUE} }
    query: { sig: ${QUERY_VALUE} }
models:
  - { name: demo-chat, provider: demo }
siem:
  exporters:
    - name: soar
      type: webhook
      url: https://soar.example.com/hook?token=${QUERY_VALUE}
      secret: env:SOAR_SECRET
incidents:
  webhooks:
    slack: { url: "https://hooks.slack.com/services/${SLACK_PATH}", format: slack }
    pager: { url: "https://pager.example.com/in", secret: env:PAGER_SECRET }
payloads:
  mode: redacted
  kek: { command: [${JSON.stringify(process.execPath)}, "-e", "process.stdout.write(process.argv[1])", "${KEK}"] }
`;

const SECRETS = [ADMIN_KEY, WEBHOOK_SECRET, INCIDENT_SECRET, HEADER_VALUE, QUERY_VALUE, URL_PASSWORD, KEK];

let server: RunningServer;
let dir: string;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pcx-posture-server-"));
  writeFileSync(join(dir, "portcullis.yaml"), CONFIG);
  // Secret references resolve against the process environment.
  vi.stubEnv("SOAR_SECRET", WEBHOOK_SECRET);
  vi.stubEnv("PAGER_SECRET", INCIDENT_SECRET);
  vi.stubEnv("CORP_API_KEY", secret("sk-"));
  server = await startServer({
    configFile: join(dir, "portcullis.yaml"),
    dataDir: join(dir, "data"),
    port: 0,
    env: { PORTCULLIS_ADMIN_KEY: ADMIN_KEY },
    logDestination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
}, 30_000);

afterAll(async () => {
  await server?.close();
  vi.unstubAllEnvs();
});

async function get(path: string, key = ADMIN_KEY) {
  const response = await request(new URL(path, server.url), { headers: { authorization: `Bearer ${key}` } });
  return { status: response.statusCode, text: await response.body.text() };
}

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const response = await request(new URL("/admin/v1/keys", server.url), {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.statusCode).toBe(201);
  return (await response.body.json()) as { key: string; id: string };
}

/** Runs the command as the CLI would, capturing what it prints. */
async function runAudit(opts: Parameters<typeof auditConfig>[0]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    return { code: await auditConfig(opts), out };
  } finally {
    spy.mockRestore();
  }
}

describe("GET /admin/v1/config", () => {
  it("returns the effective configuration, without a single secret", async () => {
    const { status, text } = await get("/admin/v1/config");
    expect(status).toBe(200);
    for (const value of [...SECRETS, SLACK_PATH.split("/")[1]!]) expect(text).not.toContain(value);
    const config = (JSON.parse(text) as { config: Record<string, unknown> }).config;
    // It is a configuration this version understands (the audit re-validates it) …
    const parsed = configSchema.parse(config);
    // … in which references stay references and literals are masked.
    expect(parsed.providers.corp).toMatchObject({
      apiKey: "env:CORP_API_KEY",
      headers: { "x-org-token": "<redacted>" },
      query: { sig: "<redacted>" },
      baseUrl: "https://redacted@llm.internal.example/v1",
    });
    expect(parsed.incidents.webhooks.slack!.url).toBe("https://hooks.slack.com/redacted");
    expect(parsed.incidents.webhooks.pager!.secret).toBe("env:PAGER_SECRET");
    expect(parsed.siem.exporters[0]).toMatchObject({
      secret: "env:SOAR_SECRET",
      url: "https://soar.example.com/hook?redacted",
    });
    expect(parsed.payloads.kek).toEqual({
      command: [process.execPath, "<redacted>", "<redacted>", "<redacted>"],
    });
    // Defaults are filled in: what the instance really runs with.
    expect(parsed.guards.enabled).toBe(true);
  });

  it("is for admins only, and each read is recorded", async () => {
    const user = await createKey({ name: "reader", role: "auditor", expires: "1d" });
    expect((await get("/admin/v1/config", user.key)).status).toBe(403);
    expect((await get("/admin/v1/config", "pcx_not-a-key")).status).toBe(401);
    const events = await get("/admin/v1/events?activity=config.read");
    expect((JSON.parse(events.text) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    expect(logs.join("")).not.toContain(ADMIN_KEY);
  });
});

describe("audit config --server against a running gateway", () => {
  it("audits the effective configuration, its keys, CORS and /metrics", async () => {
    await createKey({ name: "forever", team: "apps" });
    const { code, out } = await runAudit({
      server: server.url,
      adminKey: ADMIN_KEY,
      format: "json",
      failOn: "high",
      env: {},
    });
    const report = JSON.parse(out) as PostureReport;
    expect(report.source).toContain(server.url);
    const rules = new Set(report.findings.map((f) => f.rule));
    // A key made without expiry is found through the admin API, named by its id.
    const expiry = report.findings.find((f) => f.rule === "keys-without-expiry");
    expect(expiry?.message).toMatch(/forever, user/);
    // The auditor key made above expires; the bootstrap admin key is exempt.
    expect(expiry?.message).not.toMatch(/reader|bootstrap/);
    // Loopback bind, no CORS headers, metrics on loopback: none of those fire.
    for (const quiet of ["tls-off-public-bind", "cors-permissive", "metrics-open", "admin-api-cleartext"])
      expect(rules.has(quiet)).toBe(false);
    // The server's secret references are not probed from here; the admin key given is measured.
    expect(report.skipped.some((s) => s.startsWith("weak-secret:"))).toBe(true);
    expect(rules.has("weak-secret")).toBe(false);
    expect(code).toBe(0);
    expect(out).not.toContain(ADMIN_KEY);
  });

  it("stops with exit 2 when the admin key is refused", async () => {
    const refused = await runAudit({
      server: server.url,
      adminKey: "pcx_wrong",
      format: "json",
      failOn: "high",
      env: {},
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(2);
    expect((refused as CliError).message).toMatch(/GET \/admin\/v1\/keys: HTTP 401/);
  });

  it("with a FILE, audits the file and adds what the server shows", async () => {
    const { out } = await runAudit({
      file: join(dir, "portcullis.yaml"),
      server: server.url,
      adminKey: ADMIN_KEY,
      format: "json",
      failOn: "none",
      env: { SOAR_SECRET: "changeme" },
    });
    const report = JSON.parse(out) as PostureReport;
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toContain("keys-without-expiry");
    // The file's references are probed in the given environment: a placeholder is caught.
    expect(report.findings.find((f) => f.rule === "weak-secret")?.message).toMatch(/env:SOAR_SECRET/);
  });
});
