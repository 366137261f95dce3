import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, createKey, post, randomKey, startGateway, type StartedGateway } from "./helpers/gateway.js";
import { startMockUpstream, type MockUpstream } from "./helpers/mock-upstream.js";

const run = promisify(execFile);
const PROVIDER_KEY = "sk-provider-secret-ZZ9PluralZAlpha-0123456789";

/**
 * LiteLLM leaked keys into logs and audit tables again and again (FINDINGS.md). After a full run
 * through every path — success, streaming, auth failures, upstream errors, an upstream that echoes
 * our headers, admin calls, the CLI — no key of any kind appears in the logs or the events.
 */
describe("no key, provider secret or admin key in any log line or event", () => {
  let mock: MockUpstream;
  let gateway: StartedGateway;
  const secrets: string[] = [PROVIDER_KEY];

  beforeAll(async () => {
    mock = await startMockUpstream();
    gateway = await startGateway({
      config: `
logging: { level: trace }
providers:
  mock: { type: openai, baseUrl: "${mock.url}/v1", apiKey: "env:PROVIDER_KEY", timeouts: { connectMs: 500, headersMs: 500, bodyMs: 500 } }
  demo: { type: demo }
models:
  - { name: ok, provider: mock }
  - { name: leak, provider: mock }
  - { name: e401, provider: mock }
  - { name: hang, provider: mock }
  - { name: midstream, provider: mock }
  - { name: demo-chat, provider: demo }
`,
      env: { PROVIDER_KEY },
    });
    secrets.push(gateway.adminKey);
  });
  afterAll(async () => {
    await mock.close();
  });

  it("runs every path, then finds none of the secrets", async () => {
    const chatUrl = `${gateway.url}/v1/chat/completions`;
    const chat = (model: string, extra = {}) => ({
      model,
      messages: [{ role: "user", content: "hello" }],
      ...extra,
    });
    const { key: userKey, id } = await createKey(gateway, { name: "user" });
    secrets.push(userKey);
    const wrongKey = randomKey();
    secrets.push(wrongKey);

    for (const model of ["ok", "leak", "e401", "hang", "demo-chat"])
      await post(chatUrl, userKey, chat(model));
    await post(chatUrl, userKey, chat("midstream", { stream: true }));
    await post(chatUrl, userKey, chat("demo-chat", { stream: true }));
    await post(chatUrl, wrongKey, chat("ok"));
    await post(chatUrl, undefined, chat("ok"), { "x-api-key": wrongKey });
    await post(chatUrl, `${userKey}x`, chat("ok"));
    await post(`${gateway.url}/admin/v1/keys`, userKey, { name: "nope" });
    await post(`${gateway.url}/admin/v1/keys/${id}/suspend`, gateway.adminKey, {});
    await post(chatUrl, userKey, chat("ok"));

    const cli = await run(process.execPath, [
      CLI,
      "keys",
      "create",
      "--name",
      "from-cli",
      "--server",
      gateway.url,
      "--admin-key",
      gateway.adminKey,
      "--format",
      "json",
    ]);
    const cliKey = (JSON.parse(cli.stdout) as { key: string }).key;
    secrets.push(cliKey);
    await post(chatUrl, cliKey, chat("demo-chat"));

    const events = await (
      await fetch(`${gateway.url}/admin/v1/events?limit=500`, {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      })
    ).text();
    expect(JSON.parse(events).data.length).toBeGreaterThan(10);

    expect(await gateway.stop()).toBe(0);
    const logs = gateway.logs();
    expect(logs).toContain('"msg":"request"');

    const db = new Database(join(gateway.dataDir, "portcullis.db"), { readonly: true });
    const stored = (db.prepare("SELECT data FROM events").pluck().all() as string[]).join("\n");
    const keyRows = JSON.stringify(db.prepare("SELECT * FROM keys").all());
    db.close();

    for (const secret of secrets) {
      expect(logs, "logs").not.toContain(secret);
      expect(events, "events API").not.toContain(secret);
      expect(stored, "events table").not.toContain(secret);
      expect(keyRows, "keys table").not.toContain(secret);
      // Not even the body of the key without its prefix.
      expect(logs).not.toContain(secret.slice(8));
    }
    // The secret file is private to its owner.
    const mode = (await import("node:fs")).statSync(join(gateway.dataDir, "server.secret")).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(readFileSync(join(gateway.dataDir, "server.secret"), "utf8").trim().length).toBeGreaterThan(40);
  }, 60_000);
});
