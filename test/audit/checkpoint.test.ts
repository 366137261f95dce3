import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CheckpointError,
  openCheckpoint,
  parseCheckpointText,
  parseNote,
  signCheckpoint,
  splitNotes,
} from "../../src/audit/checkpoint.js";
import { inclusionProof, subtreeRoot, verifyInclusion, hashLeaf } from "../../src/audit/merkle/index.js";
import { generateSigner } from "../../src/crypto/signing/index.js";

const { signer } = generateSigner("example.com/audit");
const root = Buffer.alloc(32, 7);

describe("checkpoints (C2SP tlog-checkpoint)", () => {
  it("writes origin, decimal size, base64 root, a blank line and one signature line", () => {
    const cp = signCheckpoint(signer, 20852163, root);
    const lines = cp.note.split("\n");
    expect(lines.slice(0, 4)).toEqual(["example.com/audit", "20852163", root.toString("base64"), ""]);
    expect(lines[4]).toMatch(/^\u2014 example\.com\/audit [A-Za-z0-9+/]+=*$/);
    expect(lines[5]).toBe("");
    const sig = Buffer.from(lines[4]!.split(" ")[2]!, "base64");
    expect(sig.length).toBe(4 + 64);
    expect(sig.readUInt32BE(0)).toBe(signer.keyId);
    expect(openCheckpoint(cp.note, signer.verifier)).toMatchObject({
      origin: "example.com/audit",
      size: 20852163,
    });
  });

  it("size 0 is written as 0", () => {
    expect(signCheckpoint(signer, 0, root).note.split("\n")[1]).toBe("0");
  });

  it.each([
    ["a leading zero", "o\n07\n" + root.toString("base64") + "\n", /decimal/],
    ["a negative size", "o\n-1\n" + root.toString("base64") + "\n", /decimal/],
    ["a short root", "o\n7\n" + Buffer.alloc(31).toString("base64") + "\n", /32 bytes/],
    ["non-canonical base64", "o\n7\n" + root.toString("base64").replace("=", "") + "\n", /base64/],
    ["two lines", "o\n7\n", /three lines/],
    ["an empty extension line", "o\n7\n" + root.toString("base64") + "\n\nx\n", /empty lines/],
  ])("refuses a checkpoint text with %s", (_name, text, reason) => {
    expect(() => parseCheckpointText(text)).toThrow(reason);
  });

  it("accepts (and ignores) extension lines", () => {
    expect(parseCheckpointText(`o\n7\n${root.toString("base64")}\next\n`).size).toBe(7);
  });

  it("ignores signatures by other keys but needs one by the log's key", () => {
    const other = generateSigner("example.com/audit").signer; // same name, other key
    const mine = signCheckpoint(signer, 5, root);
    const theirs = signCheckpoint(other, 5, root);
    const both = mine.note + theirs.note.slice(theirs.note.lastIndexOf("\n\n") + 2);
    expect(openCheckpoint(both, signer.verifier).size).toBe(5);
    expect(() => openCheckpoint(theirs.note, signer.verifier)).toThrow(/not signed by the log's key/);
  });

  it("rejects a signature by the log's key that does not verify", () => {
    const cp = signCheckpoint(signer, 5, root);
    const forged = cp.note.replace("\n5\n", "\n6\n");
    expect(() => openCheckpoint(forged, signer.verifier)).toThrow(/does not verify/);
  });

  it("rejects a checkpoint of another origin signed by a key of the same id", () => {
    const stranger = generateSigner("other.example/log").signer;
    const cp = signCheckpoint(stranger, 5, root);
    expect(() => openCheckpoint(cp.note, stranger.verifier)).not.toThrow();
    const relabelled = `${cp.note.replace("other.example/log\n", "example.com/audit\n")}`;
    expect(() => openCheckpoint(relabelled, signer.verifier)).toThrow();
  });

  it.each([
    ["no trailing newline", (n: string) => n.slice(0, -1), /newline/],
    ["no blank line", (n: string) => n.replace("\n\n", "\n"), /signature/],
    ["a control character", (n: string) => n.replace("example", "exa\u0007mple"), /control/],
    ["a signature line without the em dash", (n: string) => n.replace("\u2014", "-"), /malformed/],
    ["a signature that is not base64", (n: string) => n.replace(/ (\S+)\n$/, " !!!\n"), /base64/],
  ])("refuses a note with %s", (_name, mangle, reason) => {
    const note = signCheckpoint(signer, 5, root).note;
    expect(() => parseNote(mangle(note))).toThrow(reason);
  });

  it("splits a file of appended checkpoints back into notes", () => {
    const notes = [1, 2, 3].map((n) => signCheckpoint(signer, n, root).note);
    expect(splitNotes(notes.join(""))).toEqual(notes);
    expect(splitNotes(notes.join("\n"))).toEqual(notes);
    expect(splitNotes("")).toEqual([]);
  });

  it("property: a flipped bit anywhere in a signed checkpoint (size, root, origin, signature) is rejected", () => {
    const leaves = Array.from({ length: 40 }, (_, i) => hashLeaf(Buffer.from(`r${i}`)));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (size, i, bit) => {
        const index = i % size;
        const cp = signCheckpoint(signer, size, subtreeRoot(leaves, 0, size));
        const proof = inclusionProof(leaves, index, size);
        // Checked against the signed checkpoint: size and root come from the signature.
        const opened = openCheckpoint(cp.note, signer.verifier);
        expect(verifyInclusion(leaves[index]!, index, opened.size, proof, opened.root).ok).toBe(true);
        const bytes = Buffer.from(cp.note, "utf8");
        const at = bit % (bytes.length * 8);
        bytes[at >> 3]! ^= 1 << (at & 7);
        let accepted = false;
        try {
          const mangled = openCheckpoint(bytes.toString("utf8"), signer.verifier);
          accepted = verifyInclusion(leaves[index]!, index, mangled.size, proof, mangled.root).ok;
        } catch (error) {
          expect(error).toBeInstanceOf(CheckpointError);
        }
        expect(accepted).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
