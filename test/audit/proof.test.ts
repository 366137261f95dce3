import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditDbFile,
  buildConsistencyProof,
  buildInclusionProof,
  inclusionProof,
  openCheckpoint,
  ProofError,
  verifyConsistency,
} from "../../src/audit/index.js";
import { loadVerifier, signingKeyFiles, type NoteVerifier } from "../../src/crypto/signing/index.js";
import { attack, buildLog, copyDataDir } from "./helpers.js";

let dataDir: string;
let verifier: NoteVerifier;
let leafHashes: Buffer[];

beforeAll(async () => {
  ({ dataDir } = await buildLog(23));
  verifier = loadVerifier(signingKeyFiles(dataDir).publicKey);
  const db = new Database(auditDbFile(dataDir), { readonly: true });
  leafHashes = db.prepare("SELECT hash FROM leaves ORDER BY idx").pluck().all() as Buffer[];
  db.close();
});

const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString("base64"));

describe("proofs from the stored log (one streaming pass)", () => {
  it("every record's inclusion proof matches the in-memory construction and the signed checkpoint", () => {
    for (let index = 0; index < 23; index++) {
      const proof = buildInclusionProof({ file: auditDbFile(dataDir), verifier, index });
      expect(proof.treeSize).toBe(23);
      expect(proof.verified).toBe(true);
      expect(proof.path).toEqual(b64(inclusionProof(leafHashes, index, 23)));
      expect(openCheckpoint(proof.checkpoint!, verifier).root.toString("base64")).toBe(proof.root);
    }
    const older = buildInclusionProof({ file: auditDbFile(dataDir), verifier, index: 3, size: 10 });
    expect(older).toMatchObject({ treeSize: 10, verified: true });
    expect(older.path).toEqual(b64(inclusionProof(leafHashes, 3, 10)));
  });

  it("consistency proofs between stored sizes verify against the signed roots", () => {
    const file = auditDbFile(dataDir);
    const db = new Database(file, { readonly: true });
    const notes = db.prepare("SELECT note FROM checkpoints ORDER BY id").pluck().all() as string[];
    db.close();
    const signed = notes.map((n) => openCheckpoint(n, verifier));
    for (const a of signed)
      for (const b of signed.filter((c) => c.size >= a.size)) {
        const proof = buildConsistencyProof({ file, verifier, size1: a.size, size2: b.size });
        const path = proof.path.map((p) => Buffer.from(p, "base64"));
        expect(proof.root1).toBe(a.root.toString("base64"));
        expect(proof.root2).toBe(b.root.toString("base64"));
        expect(verifyConsistency(a.size, b.size, path, a.root, b.root)).toEqual({ ok: true });
      }
  });

  it("refuses out-of-range requests as usage errors, and a log with gaps as damage", () => {
    const usage = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ProofError ? error.kind : "other";
      }
      return "none";
    };
    const file = auditDbFile(dataDir);
    expect(usage(() => buildInclusionProof({ file, verifier, index: 23 }))).toBe("usage");
    expect(usage(() => buildInclusionProof({ file, verifier, index: 5, size: 5 }))).toBe("usage");
    expect(usage(() => buildConsistencyProof({ file, verifier, size1: 0, size2: 5 }))).toBe("usage");
    const dir = copyDataDir(dataDir);
    attack(dir, (db) => db.prepare("DELETE FROM leaves WHERE idx = 4").run());
    expect(usage(() => buildInclusionProof({ file: auditDbFile(dir), verifier, index: 10 }))).toBe("damage");
  });
});
