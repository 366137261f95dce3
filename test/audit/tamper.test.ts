import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditDbFile,
  encodeLeaf,
  Frontier,
  hashLeaf,
  signCheckpoint,
  verifyAuditLog,
  type VerifyReport,
} from "../../src/audit/index.js";
import {
  formatVerifierKey,
  generateSigner,
  loadVerifier,
  signerFromPem,
  signingKeyFiles,
  type NoteVerifier,
} from "../../src/crypto/signing/index.js";
import { attack, buildLog, copyDataDir, ORIGIN, sampleEvent, tempDir } from "./helpers.js";

/**
 * The tamper suite: an attacker with write access to audit.db (SQLite directly, triggers dropped)
 * changes the log of a stopped gateway; `verify` must fail every time and say where and what.
 *
 * The log: 20 records, a checkpoint every 5 (ids #1–#4 at sizes 5, 10, 15, 20), and a copy of each
 * checkpoint in a file outside the data directory.
 */
let base: string;
let external: string;
let trusted: NoteVerifier;

beforeAll(async () => {
  external = join(tempDir(), "checkpoints.txt");
  ({ dataDir: base } = await buildLog(20, { export: { file: { path: external, mode: "append" } } }));
  trusted = loadVerifier(signingKeyFiles(base).publicKey);
});

function verify(
  dataDir: string,
  options: { external?: boolean; verifier?: NoteVerifier } = {},
): VerifyReport {
  return verifyAuditLog({
    file: auditDbFile(dataDir),
    verifier: options.verifier ?? loadVerifier(signingKeyFiles(dataDir).publicKey),
    ...(options.external
      ? { external: [{ source: "checkpoints.txt", content: readFileSync(external, "utf8") }] }
      : {}),
  });
}

function tampered(sql: (db: import("better-sqlite3").Database) => void): string {
  const dir = copyDataDir(base);
  attack(dir, sql);
  return dir;
}

/** Rewrites the leaf bytes of a record and its stored hash, consistently. */
function rewrite(db: import("better-sqlite3").Database, idx: number, mutate: (text: string) => string): void {
  const leaf = db.prepare("SELECT leaf FROM leaves WHERE idx = ?").pluck().get(idx) as Buffer;
  const changed = Buffer.from(mutate(leaf.toString("utf8")));
  db.prepare("UPDATE leaves SET leaf = ?, hash = ? WHERE idx = ?").run(changed, hashLeaf(changed), idx);
}

/** Recomputes the writer's cached tree edge, as a careful attacker would. */
function fixMeta(db: import("better-sqlite3").Database): void {
  const f = new Frontier();
  for (const h of db.prepare("SELECT hash FROM leaves ORDER BY idx").pluck().all() as Buffer[]) f.append(h);
  db.prepare("UPDATE meta SET value = ? WHERE name = 'frontier'").run(
    JSON.stringify({ size: f.size, nodes: f.hashes.map((h) => h.toString("base64")) }),
  );
}

describe("tamper suite: verify fails on every change, naming the index and the reason", () => {
  it("the untouched log verifies, with and without the external copy", () => {
    const report = verify(base, { external: true });
    expect(report).toMatchObject({ ok: true, size: 20, firstBadIndex: null, problems: [], uncovered: 0 });
    expect(report.checkpoints).toEqual({ stored: 4, verified: 4, latestSize: 20 });
    expect(report.external).toEqual({ checked: 4, verified: 4, largestSize: 20 });
  });

  it("a record's bytes modified", () => {
    const dir = tampered((db) =>
      db
        .prepare(
          "UPDATE leaves SET leaf = CAST(replace(CAST(leaf AS TEXT), 'allow', 'block') AS BLOB) WHERE idx = 7",
        )
        .run(),
    );
    const report = verify(dir);
    expect(report.ok).toBe(false);
    expect(report.firstBadIndex).toBe(7);
    expect(report.problems[0]).toMatchObject({
      kind: "leaf",
      index: 7,
      reason: expect.stringMatching(/stored leaf hash does not match/),
    });
  });

  it("a stored leaf hash modified", () => {
    const dir = tampered((db) => db.prepare("UPDATE leaves SET hash = zeroblob(32) WHERE idx = 12").run());
    const report = verify(dir);
    expect(report.firstBadIndex).toBe(12);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: "leaf", index: 12, reason: expect.stringMatching(/stored leaf hash/) }),
    ]);
  });

  it("a record rewritten and re-hashed with care: caught by the checkpoint that covers it", () => {
    const dir = tampered((db) => {
      rewrite(db, 7, (t) => t.replace('"action":"allow"', '"action":"block"'));
      fixMeta(db);
    });
    const report = verify(dir);
    expect(report.ok).toBe(false);
    // Checkpoint #2 (size 10) is the first that no longer matches: the change is in 5..9.
    expect(report.problems[0]).toMatchObject({
      kind: "checkpoint",
      checkpoint: 2,
      index: 5,
      reason: expect.stringMatching(
        /first 10 records differs from the root signed in checkpoint #2: a record in 5\.\.9/,
      ),
    });
    expect(report.firstBadIndex).toBe(5);
  });

  it("a record deleted", () => {
    const report = verify(tampered((db) => db.prepare("DELETE FROM leaves WHERE idx = 7").run()));
    expect(report.firstBadIndex).toBe(7);
    expect(report.problems[0]).toMatchObject({
      kind: "leaf",
      index: 7,
      reason: "record 7 is missing (deleted)",
    });
  });

  it("a record deleted and the rest renumbered and re-hashed", () => {
    const dir = tampered((db) => {
      db.prepare("DELETE FROM leaves WHERE idx = 7").run();
      db.prepare("UPDATE leaves SET idx = -idx WHERE idx > 7").run();
      db.prepare("UPDATE leaves SET idx = -idx - 1 WHERE idx < 0").run();
      fixMeta(db);
    });
    const report = verify(dir);
    expect(report.firstBadIndex).toBe(7);
    expect(report.problems[0]).toMatchObject({
      kind: "leaf",
      index: 7,
      reason: expect.stringMatching(
        /record 7: leaf says it is record 8 but is stored at 7 \(records before it were removed/,
      ),
    });
  });

  it("two records swapped", () => {
    const dir = tampered((db) => {
      db.prepare("UPDATE leaves SET idx = -1 WHERE idx = 3").run();
      db.prepare("UPDATE leaves SET idx = 3 WHERE idx = 4").run();
      db.prepare("UPDATE leaves SET idx = 4 WHERE idx = -1").run();
      fixMeta(db);
    });
    const report = verify(dir);
    expect(report.firstBadIndex).toBe(3);
    expect(report.problems.slice(0, 2)).toEqual([
      expect.objectContaining({
        index: 3,
        reason: expect.stringMatching(/says it is record 4 but is stored at 3/),
      }),
      expect.objectContaining({
        index: 4,
        reason: expect.stringMatching(/says it is record 3 but is stored at 4/),
      }),
    ]);
    // And the signed root no longer matches either.
    expect(report.problems.some((p) => p.kind === "checkpoint" && p.checkpoint === 1)).toBe(true);
  });

  it("the tail truncated", () => {
    const report = verify(tampered((db) => db.prepare("DELETE FROM leaves WHERE idx >= 17").run()));
    expect(report.firstBadIndex).toBe(17);
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        kind: "checkpoint",
        checkpoint: 4,
        reason:
          "checkpoint #4 covers 20 records but the log holds only 17: records 17..19 were removed (truncated)",
      }),
    );
  });

  it("the tail truncated together with the checkpoints that covered it, and the bookkeeping fixed", () => {
    const dir = tampered((db) => {
      db.prepare("DELETE FROM leaves WHERE idx >= 12").run();
      db.prepare("DELETE FROM checkpoints WHERE size > 12").run();
      db.prepare("UPDATE sqlite_sequence SET seq = 2 WHERE name = 'checkpoints'").run();
      fixMeta(db);
    });
    // Nothing inside the database contradicts this any more: only a copy kept outside can.
    expect(verify(dir).ok).toBe(true);
    const report = verify(dir, { external: true });
    expect(report.ok).toBe(false);
    expect(report.firstBadIndex).toBe(12);
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        kind: "external",
        reason:
          "checkpoints.txt checkpoint 4 covers 20 records but the log holds only 12: records 12..19 were removed (truncated)",
      }),
    );
  });

  it("a record inserted in the middle", () => {
    const dir = tampered((db) => {
      db.prepare("UPDATE leaves SET idx = -idx WHERE idx >= 7").run();
      db.prepare("UPDATE leaves SET idx = -idx + 1 WHERE idx <= -7").run();
      const forged = encodeLeaf(sampleEvent(999, { activity: "key.deleted" }), 7);
      db.prepare("INSERT INTO leaves (idx, leaf, hash) VALUES (7, ?, ?)").run(forged, hashLeaf(forged));
      fixMeta(db);
    });
    const report = verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        index: 8,
        reason: expect.stringMatching(
          /says it is record 7 but is stored at 8 \(records were inserted before it/,
        ),
      }),
    );
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: "checkpoint", checkpoint: 2, index: 5 }),
    );
  });

  it("a record appended after the last checkpoint, behind the writer's back", () => {
    const dir = tampered((db) => {
      const forged = encodeLeaf(sampleEvent(20), 20);
      db.prepare("INSERT INTO leaves (idx, leaf, hash) VALUES (20, ?, ?)").run(forged, hashLeaf(forged));
    });
    const report = verify(dir);
    expect(report.firstBadIndex).toBe(20);
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "log",
        reason: expect.stringMatching(/recorded 20 records but 21 are stored/),
      }),
    ]);
    expect(report.uncovered).toBe(1);
  });

  it("a checkpoint modified", () => {
    const dir = tampered((db) =>
      db
        .prepare(
          "UPDATE checkpoints SET note = replace(note, char(10) || '10' || char(10), char(10) || '11' || char(10)) WHERE id = 2",
        )
        .run(),
    );
    const report = verify(dir);
    expect(report.problems[0]).toMatchObject({
      kind: "checkpoint",
      checkpoint: 2,
      reason: "checkpoint #2: signature does not verify",
    });
  });

  it("a checkpoint replaced by binary junk", () => {
    const dir = tampered((db) => db.prepare("UPDATE checkpoints SET note = zeroblob(8) WHERE id = 3").run());
    expect(verify(dir).problems).toEqual([
      expect.objectContaining({ checkpoint: 3, reason: "checkpoint #3: the stored note is not text" }),
    ]);
  });

  it("a checkpoint deleted", () => {
    const report = verify(tampered((db) => db.prepare("DELETE FROM checkpoints WHERE id = 2").run()));
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "checkpoint",
        checkpoint: 2,
        reason: "checkpoint #2 is missing (deleted)",
      }),
    ]);
  });

  it("the newest checkpoint deleted", () => {
    const report = verify(tampered((db) => db.prepare("DELETE FROM checkpoints WHERE id = 4").run()));
    expect(report.problems).toEqual([
      expect.objectContaining({ checkpoint: 4, reason: "checkpoint #4 was signed but is missing (deleted)" }),
    ]);
  });

  it("a checkpoint forged with another key", () => {
    const { signer: forger } = generateSigner(ORIGIN);
    const dir = tampered((db) => {
      const note = signCheckpoint(forger, 20, Buffer.alloc(32, 1)).note;
      db.prepare("INSERT INTO checkpoints (size, created_at, note) VALUES (20, 0, ?)").run(note);
    });
    const report = verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "checkpoint",
        checkpoint: 5,
        reason: expect.stringMatching(/checkpoint #5: not signed by the log's key/),
      }),
    ]);
  });

  it("a checkpoint that goes backwards", () => {
    const dir = copyDataDir(base);
    // Signed with the log's own key: a log that signs a smaller tree after a larger one is broken.
    const signer = signerFromPem(ORIGIN, readFileSync(signingKeyFiles(dir).privateKey, "utf8"));
    attack(dir, (db) => {
      const f = new Frontier();
      for (const h of db
        .prepare("SELECT hash FROM leaves WHERE idx < 3 ORDER BY idx")
        .pluck()
        .all() as Buffer[])
        f.append(h);
      db.prepare("INSERT INTO checkpoints (size, created_at, note) VALUES (3, 0, ?)").run(
        signCheckpoint(signer, 3, f.root()).note,
      );
    });
    const report = verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        checkpoint: 5,
        reason: "checkpoint #5 (size 3) is smaller than an earlier one (size 20): sizes only grow",
      }),
    ]);
  });

  it("the signing key swapped, old checkpoints left in place", () => {
    const dir = copyDataDir(base);
    const { signer: attacker, pem } = generateSigner(ORIGIN);
    writeFileSync(signingKeyFiles(dir).privateKey, pem);
    writeFileSync(signingKeyFiles(dir).publicKey, `${formatVerifierKey(attacker)}\n`);
    const report = verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(4);
    expect(report.problems[0]).toMatchObject({
      kind: "checkpoint",
      checkpoint: 1,
      reason: expect.stringMatching(/not signed by the log's key/),
    });
  });

  it("the whole history rewritten and re-signed with a swapped key: only a trusted key or an external copy can tell", () => {
    const dir = copyDataDir(base);
    const { signer: attacker, pem } = generateSigner(ORIGIN);
    writeFileSync(signingKeyFiles(dir).privateKey, pem);
    writeFileSync(signingKeyFiles(dir).publicKey, `${formatVerifierKey(attacker)}\n`);
    attack(dir, (db) => {
      rewrite(db, 2, (t) => t.replace('"action":"allow"', '"action":"block"'));
      fixMeta(db);
      const hashes = db.prepare("SELECT hash FROM leaves ORDER BY idx").pluck().all() as Buffer[];
      for (const row of db.prepare("SELECT id, size FROM checkpoints").all() as {
        id: number;
        size: number;
      }[]) {
        const f = new Frontier();
        hashes.slice(0, row.size).forEach((h) => f.append(h));
        db.prepare("UPDATE checkpoints SET note = ? WHERE id = ?").run(
          signCheckpoint(attacker, row.size, f.root()).note,
          row.id,
        );
      }
    });
    // With the key found in the data directory, the forgery is self-consistent (docs/audit.md).
    expect(verify(dir).ok).toBe(true);
    // A public key kept elsewhere exposes every checkpoint…
    const withTrustedKey = verify(dir, { verifier: trusted });
    expect(withTrustedKey.ok).toBe(false);
    expect(withTrustedKey.problems[0]).toMatchObject({ kind: "checkpoint", checkpoint: 1 });
    // …and so does a checkpoint kept elsewhere, checked with the swapped key.
    const withExternal = verify(dir, { external: true });
    expect(withExternal.ok).toBe(false);
    expect(withExternal.problems.every((p) => p.kind === "external")).toBe(true);
    // …and with the trusted key, the external copies name the first bad range: records 0..4.
    const both = verify(dir, { external: true, verifier: trusted });
    expect(both.problems).toContainEqual(
      expect.objectContaining({
        kind: "external",
        index: 0,
        reason: expect.stringMatching(/first 5 records differs .* checkpoints\.txt checkpoint 1/),
      }),
    );
  });

  it("a checkpoint file that was itself tampered with", () => {
    const content = readFileSync(external, "utf8").replace("\n15\n", "\n16\n");
    const report = verifyAuditLog({
      file: auditDbFile(base),
      verifier: trusted,
      external: [{ source: "copy.txt", content }],
    });
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "external",
        checkpoint: 3,
        reason: "copy.txt checkpoint 3: signature does not verify",
      }),
    ]);
  });
});
