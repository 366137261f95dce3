/**
 * `models[].requireManifest`: a locally served model is routed to only when its folder matches
 * its signed manifest at start-up; otherwise requests answer 503 PCX_MODEL_MANIFEST_INVALID and
 * the log names the difference. Runs the built binary (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyModelManifests } from "../../src/gateway/model-manifests.js";
import { generateKeyPair, signerFromText, writeManifest } from "../../src/scan/manifest/index.js";
import { CLI, startGateway, type StartedGateway } from "../e2e/helpers/gateway.js";

let dir: string;
const logger = {
  lines: [] as string[],
  info() {},
  error(_o: object, msg: string) {
    logger.lines.push(msg);
  },
};

async function signedFolder(name: string): Promise<{ dir: string; manifest: string }> {
  const model = join(dir, name);
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, "config.json"), '{"layers": 2}');
  writeFileSync(join(model, "model.safetensors"), Buffer.alloc(4096, 3));
  const manifest = join(dir, `${name}.manifest.json`);
  await writeManifest(model, manifest, { signer: signerFromText(pair.privateKeyPem) });
  return { dir: model, manifest };
}

const pair = generateKeyPair();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pcx-model-manifest-"));
  writeFileSync(join(dir, "signer.pub"), pair.publicKeyPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (folder: { dir: string; manifest: string }, pubkey = "signer.pub") => ({
  dir: folder.dir,
  manifest: folder.manifest,
  pubkey: join(dir, pubkey),
});

describe("verifyModelManifests", () => {
  it("passes a matching folder, names a tampered one, and treats unreadable keys as failures", async () => {
    const good = await signedFolder("good");
    const bad = await signedFolder("bad");
    writeFileSync(join(bad.dir, "model.safetensors"), Buffer.alloc(4096, 4));
    const failures = await verifyModelManifests(
      [
        { name: "good", provider: "demo", aliases: [], kind: "chat", requireManifest: cfg(good) },
        { name: "bad", provider: "demo", aliases: [], kind: "chat", requireManifest: cfg(bad) },
        {
          name: "nokey",
          provider: "demo",
          aliases: [],
          kind: "chat",
          requireManifest: cfg(good, "missing.pub"),
        },
        { name: "plain", provider: "demo", aliases: [], kind: "chat" },
      ],
      (p) => p,
      logger,
    );
    expect([...failures.keys()].sort()).toEqual(["bad", "nokey"]);
    expect(failures.get("bad")).toContain("changed: model.safetensors");
    expect(logger.lines.length).toBe(2);
  });
});

const built = existsSync(CLI);
if (!built && process.env.CI === "true") throw new Error(`${CLI} is missing: run npm run build first`);

describe.skipIf(!built)("gateway with requireManifest", () => {
  let gateway: StartedGateway;
  beforeAll(async () => {
    const good = await signedFolder("served-good");
    const bad = await signedFolder("served-bad");
    writeFileSync(join(bad.dir, "extra.bin"), "planted");
    const entry = (name: string, f: { dir: string; manifest: string }) =>
      `  - name: ${name}\n    provider: demo\n    requireManifest: { dir: ${JSON.stringify(f.dir)}, manifest: ${JSON.stringify(f.manifest)}, pubkey: ${JSON.stringify(join(dir, "signer.pub"))} }\n`;
    gateway = await startGateway({
      config: `providers:\n  demo: { type: demo }\nmodels:\n${entry("signed-ok", good)}${entry("signed-bad", bad)}`,
    });
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  const chat = (model: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] }),
    });

  it("routes to a model whose manifest verifies and refuses one whose folder changed", async () => {
    const ok = await chat("signed-ok");
    expect(ok.status).toBe(200);
    const refused = await chat("signed-bad");
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("PCX_MODEL_MANIFEST_INVALID");
    // The client learns nothing about server paths; the operator's log names the difference.
    expect(body.error.message).not.toContain(dir);
    expect(gateway.logs()).toContain("extra: extra.bin");
  });
});
