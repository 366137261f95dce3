import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../../src/siem/index.js";
import { CLI, createKey, post, startGateway, type StartedGateway } from "../e2e/helpers/gateway.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { chat, eventually, INJECTION, POLICIES } from "./server.js";

/**
 * Acceptance, through the real built binary (`npm run build` first): repeated blocked injections
 * from one key get it suspended automatically and a signed notification sent; the incident is in
 * the admin API and the `portcullis incidents` CLI; a resumed key works again.
 */

const run = promisify(execFile);
const SECRET = "whsec-e2e-incidents";
type Json = Record<string, unknown>;

describe("incident response e2e (built binary)", () => {
  let gateway: StartedGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startGateway({
      env: { PCX_E2E_HOOK_SECRET: SECRET },
      config: `
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
${POLICIES}
incidents:
  # The shipped rules stay on; this playbook adds a suspension until a person resumes the key.
  syncIntervalMs: 200
  webhooks:
    soc: { url: "${receiver.url}", secret: env:PCX_E2E_HOOK_SECRET }
  playbooks:
    - name: contain-injection
      on: { rules: [repeated-prompt-injection] }
      actions:
        - { type: suspend_key }
`,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
  });

  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [
      CLI,
      "incidents",
      ...args,
      "--server",
      gateway.url,
      "--admin-key",
      gateway.adminKey,
      "--format",
      "json",
    ]);
    return JSON.parse(stdout) as Json;
  };
  const ask = (key: string, text: string) => post(`${gateway.url}/v1/chat/completions`, key, chat(text));

  async function attack(key: string): Promise<void> {
    for (let i = 0; i < 3; i++) expect((await ask(key, `${INJECTION} #${i}`)).status).toBe(403);
  }

  async function suspension(keyId: string): Promise<Json> {
    return eventually(async () => {
      const actions = (await cli("actions", "--key", keyId, "--state", "active")).data as Json[];
      return actions.find((a) => a.type === "suspend_key");
    });
  }

  it("blocked injections → key suspended, signed webhook, incident in the CLI; a resumed key works again", async () => {
    const app = await createKey(gateway, { name: "chatbot", team: "support" });
    expect((await ask(app.key, "Hello")).status).toBe(200);
    await attack(app.key);

    const action = await suspension(app.id);
    expect(action).toMatchObject({ playbook: "contain-injection", expires_at: null });
    const refused = await eventually(async () => {
      const res = await ask(app.key, "Hello?");
      return res.status === 200 ? undefined : res;
    });
    expect(refused.status).toBe(401);
    expect((refused.json.error as Json).code).toBe("PCX_AUTH_KEY_SUSPENDED");

    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    expect(
      verifyWebhook(
        SECRET,
        {
          signature: got.headers[SIGNATURE_HEADER] as string,
          timestamp: got.headers[TIMESTAMP_HEADER] as string,
        },
        got.body,
      ),
    ).toBe(true);
    const doc = JSON.parse(got.body.toString("utf8")) as Json;
    expect(doc).toMatchObject({
      type: "incident.opened",
      incident: { key_id: app.id, atlas: ["AML.T0051", "AML.T0054"] },
    });

    const list = (await cli("list", "--key", app.id)).data as Json[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ rule_id: "repeated-prompt-injection", severity: "high", status: "open" });
    const id = list[0]!.id as string;
    expect((doc.incident as Json).id).toBe(id);

    const acked = await cli("ack", id, "--note", "looking into it");
    expect(acked).toMatchObject({ status: "acknowledged" });

    // A person resumes the key with the keys CLI: it works again, and the suspension is recorded as ended.
    await run(process.execPath, [
      CLI,
      "keys",
      "resume",
      app.id,
      "--server",
      gateway.url,
      "--admin-key",
      gateway.adminKey,
    ]);
    expect((await ask(app.key, "Hello again")).status).toBe(200);
    await eventually(async () => {
      const a = (await cli("show", id)).actions as Json[];
      const s = a.find((x) => x.type === "suspend_key");
      return s?.state === "superseded" ? s : undefined;
    });

    const resolved = await cli("resolve", id, "--note", "pen test");
    expect(resolved).toMatchObject({ status: "resolved" });
    const shown = await cli("show", id);
    expect((shown.notes as Json[]).map((n) => n.kind)).toEqual(
      expect.arrayContaining(["opened", "acknowledged", "resolved"]),
    );
    expect(shown.resolved_by).toMatch(/key_/);
  });

  it("incidents revert ends a suspension and the key works again; text output and usage errors", async () => {
    const app = await createKey(gateway, { name: "second" });
    await attack(app.key);
    const action = await suspension(app.id);
    const reverted = await cli("revert", action.id as string, "--note", "known tester");
    expect(reverted).toMatchObject({ state: "reverted", detail: "known tester" });
    expect((await ask(app.key, "Hello")).status).toBe(200);

    const text = await run(process.execPath, [
      CLI,
      "incidents",
      "list",
      "--server",
      gateway.url,
      "--admin-key",
      gateway.adminKey,
    ]);
    expect(text.stdout).toContain(app.id);
    expect(text.stdout).toMatch(/high\s+open\s+prompt_injection/);

    // Without --server: a usage error (exit 2), not a stack trace.
    const usage = await run(process.execPath, [CLI, "incidents", "list"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((usage as { code: number }).code).toBe(2);
    expect((usage as { stderr: string }).stderr).toContain("--server");
    // Reverting twice: the server's 409 becomes exit 1 with its code.
    const twice = await run(process.execPath, [
      CLI,
      "incidents",
      "revert",
      action.id as string,
      "--server",
      gateway.url,
      "--admin-key",
      gateway.adminKey,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((twice as { code: number }).code).toBe(1);
    expect((twice as { stderr: string }).stderr).toContain("PCX_CONFLICT");
    const badId = await run(process.execPath, [
      CLI,
      "incidents",
      "show",
      "nope",
      "--server",
      gateway.url,
    ]).catch((e: { code: number }) => e);
    expect((badId as { code: number }).code).toBe(2);
  });
});
