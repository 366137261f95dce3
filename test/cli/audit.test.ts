import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { auditDbFile, verifyInclusion } from "../../src/audit/index.js";
import { hashLeaf } from "../../src/audit/merkle/index.js";
import { openCheckpoint } from "../../src/audit/checkpoint.js";
import { loadVerifier, signingKeyFiles } from "../../src/crypto/signing/index.js";
import { attack, buildLog, copyDataDir, tempDir } from "../audit/helpers.js";
import { CLI } from "../e2e/helpers/gateway.js";
import {
  auditProof,
  auditVerify,
  type AuditProofOptions,
  type AuditVerifyOptions,
} from "../../src/cli/commands/audit/index.js";
import { CliError } from "../../src/cli/errors.js";

const run = promisify(execFile);

/** Runs the built binary; returns exit code and output. */
async function portcullis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Runs a command function in-process (fast), with the exit code runCli would give: its return
 * value, or a CliError's code. The binary itself is run for a few cases above each group.
 */
async function call<O>(
  fn: (opts: O) => Promise<number>,
  opts: O,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const writes: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (writes.push(chunk), true)) as typeof process.stdout.write;
  try {
    const code = await fn(opts);
    return { code, stdout: writes.join(""), stderr: "" };
  } catch (error) {
    if (error instanceof CliError)
      return { code: error.exitCode, stdout: writes.join(""), stderr: error.message };
    throw error;
  } finally {
    process.stdout.write = original;
  }
}

const verify = (dataDir: string, extra: Partial<AuditVerifyOptions> = {}) =>
  call(auditVerify, { dataDir, format: "text", ...extra });
const proofOf = (dataDir: string, index: string, extra: Partial<AuditProofOptions> = {}) =>
  call(auditProof, { dataDir, index, format: "text", ...extra });

let dataDir: string;
let external: string;

beforeAll(async () => {
  external = join(tempDir(), "checkpoints.txt");
  ({ dataDir } = await buildLog(23, { export: { file: { path: external, mode: "append" } } }));
});

describe("portcullis audit verify", () => {
  it("exits 0 on an intact log, in text and JSON", async () => {
    const text = await portcullis(["audit", "verify", "--data-dir", dataDir, "--checkpoint", external]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/23 records/);
    expect(text.stdout).toMatch(/external: 5 of 5 checkpoints/);
    expect(text.stdout).toMatch(/OK: intact/);
    const json = await verify(dataDir, { format: "json" });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      size: 23,
      first_bad_index: null,
      checkpoints: { stored: 5, verified: 5, latest_size: 23 },
      problems: [],
    });
  });

  it("exits 1 on a tampered log, naming the first bad record and what is wrong", async () => {
    const dir = copyDataDir(dataDir);
    attack(dir, (db) => db.prepare("UPDATE leaves SET hash = zeroblob(32) WHERE idx = 9").run());
    const text = await verify(dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/TAMPERED: the first bad record is 9/);
    expect(text.stdout).toMatch(/record 9: the stored leaf hash does not match/);
    const json = await portcullis(["audit", "verify", "--data-dir", dir, "--format", "json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, first_bad_index: 9 });
  });

  it("exits 1 when the external checkpoints show a truncation the database hides", async () => {
    const dir = copyDataDir(dataDir);
    attack(dir, (db) => {
      db.prepare("DELETE FROM leaves WHERE idx >= 20").run();
      db.prepare("DELETE FROM checkpoints WHERE size > 20").run();
      db.prepare("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'checkpoints'").run();
      db.prepare("DELETE FROM meta WHERE name = 'frontier'").run();
    });
    const result = await verify(dir, { checkpoint: external });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/covers 23 records but the log holds only 20/);
  });

  it("exits 1 when audit.db is not a database any more", async () => {
    const dir = copyDataDir(dataDir);
    writeFileSync(auditDbFile(dir), "garbage ".repeat(1000));
    const result = await verify(dir, { format: "json" });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, problems: [{ kind: "log" }] });
  });

  it("exits 2 on usage errors: no log, unreadable files", async () => {
    const missing = await portcullis(["audit", "verify", "--data-dir", tempDir()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no audit log in/);
    const noFile = await verify(dataDir, { checkpoint: "/nonexistent/cp" });
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/cannot read the checkpoint file .*ENOENT/);
    const noKey = await verify(dataDir, { publicKey: "/nonexistent/key" });
    expect(noKey.code).toBe(2);
    const badFormat = await portcullis(["audit", "verify", "--data-dir", dataDir, "--format", "xml"]);
    expect(badFormat.code).toBe(2);
  });

  it("uses a trusted public key when given one", async () => {
    const trusted = join(tempDir(), "audit.pub");
    writeFileSync(trusted, readFileSync(signingKeyFiles(dataDir).publicKey));
    const ok = await verify(dataDir, { publicKey: trusted });
    expect(ok.code).toBe(0);
    const other = await buildLog(1);
    const wrong = await verify(dataDir, { publicKey: signingKeyFiles(other.dataDir).publicKey });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/origin is "test.example\/audit"|not signed by the log's key/);
  });

  it("reads the log while a writer holds it open (WAL)", async () => {
    const dir = copyDataDir(dataDir);
    const writer = new Database(auditDbFile(dir));
    writer.pragma("journal_mode = WAL");
    writer.exec("BEGIN IMMEDIATE");
    try {
      const result = await portcullis(["audit", "verify", "--data-dir", dir]);
      expect(result.code).toBe(0);
    } finally {
      writer.exec("ROLLBACK");
      writer.close();
    }
  });
});

describe("portcullis audit proof", () => {
  it("prints an inclusion proof a third party can check against the signed checkpoint", async () => {
    const result = await portcullis([
      "audit",
      "proof",
      "--index",
      "7",
      "--data-dir",
      dataDir,
      "--format",
      "json",
    ]);
    expect(result.code).toBe(0);
    const proof = JSON.parse(result.stdout);
    // The newest checkpoint covering the record: the one an auditor most likely holds.
    expect(proof).toMatchObject({ index: 7, tree_size: 23, verified: true, origin: "test.example/audit" });
    // What a third party does: hash the leaf, check the path against the root in the signed checkpoint.
    const checkpoint = openCheckpoint(proof.checkpoint, loadVerifier(signingKeyFiles(dataDir).publicKey));
    const leafHash = hashLeaf(Buffer.from(proof.leaf, "utf8"));
    expect(leafHash.toString("base64")).toBe(proof.leaf_hash);
    const path = (proof.path as string[]).map((p) => Buffer.from(p, "base64"));
    expect(verifyInclusion(leafHash, 7, checkpoint.size, path, checkpoint.root)).toEqual({ ok: true });
    expect(JSON.parse(proof.leaf)).toMatchObject({ index: 7, v: 1, event: { id: expect.any(String) } });
  });

  it("proves against a chosen size, and in text", async () => {
    const result = await proofOf(dataDir, "0", { size: "23" });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/record 0 of test.example\/audit, in the tree of its first 23 records/);
    expect(result.stdout).toMatch(/verified: yes/);
  });

  it("exits 2 for an index or size outside the log, 1 when the record was changed", async () => {
    expect((await portcullis(["audit", "proof", "--index", "23", "--data-dir", dataDir])).code).toBe(2);
    expect((await proofOf(dataDir, "-1")).code).toBe(2);
    expect((await proofOf(dataDir, "5", { size: "3" })).code).toBe(2);
    expect((await proofOf(dataDir, "5", { size: "24" })).code).toBe(2);
    expect((await portcullis(["audit", "proof", "--data-dir", dataDir])).code).toBe(2);
    const dir = copyDataDir(dataDir);
    attack(dir, (db) =>
      db
        .prepare(
          "UPDATE leaves SET leaf = CAST(replace(CAST(leaf AS TEXT), 'allow', 'block') AS BLOB) WHERE idx = 3",
        )
        .run(),
    );
    const changed = await proofOf(dir, "3", { format: "json" });
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      verified: false,
      problem: expect.stringMatching(/signed checkpoint/),
    });
  });
});
