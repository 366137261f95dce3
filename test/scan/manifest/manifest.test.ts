import { mkdtempSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createManifest,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  ManifestError,
  pae,
  PREDICATE_TYPE,
  signerFromText,
  STATEMENT_TYPE,
  verifierFromText,
  verifyManifest,
  verifyManifestFiles,
  writeManifest,
  type DsseEnvelope,
} from "../../../src/scan/manifest/index.js";

let dir: string;
const pair = generateKeyPair();
const signer = signerFromText(pair.privateKeyPem);
const verifier = verifierFromText(pair.publicKeyPem);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pcx-manifest-"));
  mkdirSync(join(dir, "model", "sub"), { recursive: true });
  mkdirSync(join(dir, "model", ".git"), { recursive: true });
  writeFileSync(join(dir, "model", "config.json"), '{"layers": 2}');
  writeFileSync(join(dir, "model", "weights.bin"), Buffer.alloc(300_000, 7));
  writeFileSync(join(dir, "model", "sub", "tokenizer.txt"), "a b c");
  writeFileSync(join(dir, "model", ".git", "HEAD"), "ref: refs/heads/main");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const model = () => join(dir, "model");
const statementOf = (env: DsseEnvelope) =>
  JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")) as Record<string, unknown>;

describe("DSSE PAE", () => {
  it("follows the DSSE v1 test vector form", () => {
    // "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes.
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
    expect(pae("t", Buffer.from("é")).toString("hex")).toBe(Buffer.from("DSSEv1 1 t 2 é").toString("hex"));
  });
});

describe("manifest create", () => {
  it("writes an in-toto Statement v1 in a DSSE envelope, skipping .git", async () => {
    const env = await createManifest(model(), { signer });
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(env.signatures[0]?.keyid).toBe(signer.keyid);
    const st = statementOf(env);
    expect(st._type).toBe(STATEMENT_TYPE);
    expect(st.predicateType).toBe(PREDICATE_TYPE);
    const subject = st.subject as Array<{ name: string; digest: { sha256: string } }>;
    expect(subject.map((s) => s.name)).toEqual(["config.json", "sub/tokenizer.txt", "weights.bin"]);
    expect(subject[0]?.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    const predicate = st.predicate as { resources: Array<Record<string, string>> };
    expect(predicate.resources[0]).toEqual({
      name: "config.json",
      algorithm: "sha256",
      digest: subject[0]?.digest.sha256,
    });
    expect((await verifyManifest(model(), env, verifier)).ok).toBe(true);
  });

  it("refuses symlinks by default", async () => {
    symlinkSync(join(model(), "config.json"), join(model(), "link.json"));
    await expect(createManifest(model(), { signer })).rejects.toThrow(ManifestError);
    await expect(createManifest(model(), { signer })).rejects.toThrow(/link\.json is a symbolic link/);
    const env = await createManifest(model(), { signer, allowSymlinks: true });
    expect((statementOf(env).subject as unknown[]).length).toBe(4);
  });

  it("leaves a manifest written inside the folder out of the hashing", async () => {
    const out = join(model(), "manifest.json");
    await writeManifest(model(), out, { signer });
    const result = await verifyManifestFiles(model(), out, verifier);
    expect(result).toMatchObject({ ok: true, differences: [], files: 3 });
  });
});

describe("manifest verify names each difference", () => {
  let env: DsseEnvelope;
  beforeEach(async () => {
    env = await createManifest(model(), { signer });
  });

  it("one changed byte", async () => {
    const file = join(model(), "weights.bin");
    const bytes = await readFile(file);
    bytes[150_000] = 8;
    writeFileSync(file, bytes);
    const r = await verifyManifest(model(), env, verifier);
    expect(r.ok).toBe(false);
    expect(r.differences).toEqual([expect.objectContaining({ kind: "changed", path: "weights.bin" })]);
  });

  it("a renamed file", async () => {
    renameSync(join(model(), "sub", "tokenizer.txt"), join(model(), "sub", "vocab.txt"));
    const r = await verifyManifest(model(), env, verifier);
    expect(r.differences).toEqual([
      expect.objectContaining({ kind: "renamed", path: "sub/tokenizer.txt", to: "sub/vocab.txt" }),
    ]);
  });

  it("an added file", async () => {
    writeFileSync(join(model(), "sub", "evil.pkl"), "cos\nsystem\n");
    const r = await verifyManifest(model(), env, verifier);
    expect(r.differences).toEqual([expect.objectContaining({ kind: "extra", path: "sub/evil.pkl" })]);
  });

  it("a removed file", async () => {
    unlinkSync(join(model(), "config.json"));
    const r = await verifyManifest(model(), env, verifier);
    expect(r.differences).toEqual([expect.objectContaining({ kind: "missing", path: "config.json" })]);
  });

  it("all four at once, each named", async () => {
    writeFileSync(join(model(), "config.json"), '{"layers": 3}');
    renameSync(join(model(), "weights.bin"), join(model(), "weights2.bin"));
    writeFileSync(join(model(), "new.txt"), "new");
    unlinkSync(join(model(), "sub", "tokenizer.txt"));
    const r = await verifyManifest(model(), env, verifier);
    expect(r.differences.map((d) => `${d.kind}:${d.path}`).sort()).toEqual([
      "changed:config.json",
      "extra:new.txt",
      "missing:sub/tokenizer.txt",
      "renamed:weights.bin",
    ]);
  });

  it("a symlink in the folder", async () => {
    symlinkSync("/etc/passwd", join(model(), "passwd"));
    const r = await verifyManifest(model(), env, verifier);
    expect(r.differences).toEqual([expect.objectContaining({ kind: "symlink", path: "passwd" })]);
  });

  it("changes in .git do not matter", async () => {
    writeFileSync(join(model(), ".git", "HEAD"), "ref: refs/heads/other");
    expect((await verifyManifest(model(), env, verifier)).ok).toBe(true);
  });

  it("a tampered signature", async () => {
    const sig = Buffer.from(env.signatures[0]!.sig, "base64");
    sig[10] = (sig[10] ?? 0) ^ 1;
    const bad = { ...env, signatures: [{ keyid: env.signatures[0]!.keyid, sig: sig.toString("base64") }] };
    const r = await verifyManifest(model(), bad, verifier);
    expect(r.ok).toBe(false);
    expect(r.signatureError).toMatch(/does not verify/);
  });

  it("a tampered payload (a digest swapped in, signature kept)", async () => {
    const st = statementOf(env) as { subject: Array<{ digest: { sha256: string } }> };
    st.subject[0]!.digest.sha256 = "0".repeat(64);
    const bad = { ...env, payload: Buffer.from(JSON.stringify(st)).toString("base64") };
    expect((await verifyManifest(model(), bad, verifier)).signatureError).toMatch(/does not verify/);
  });

  it("a wrong key", async () => {
    const other = verifierFromText(generateKeyPair().publicKeyPem);
    const r = await verifyManifest(model(), env, other);
    expect(r.ok).toBe(false);
    expect(r.signatureError).toMatch(/no signature by the given public key/);
    // Even with the keyid hint removed, the signature decides.
    const anon = { ...env, signatures: [{ keyid: "", sig: env.signatures[0]!.sig }] };
    expect((await verifyManifest(model(), anon, other)).signatureError).toMatch(/does not verify/);
  });

  it("a payload type other than in-toto", async () => {
    const r = await verifyManifest(model(), { ...env, payloadType: "text/plain" }, verifier);
    expect(r.signatureError).toMatch(/payloadType/);
  });
});
