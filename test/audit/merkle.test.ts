import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  consistencyProofRanges,
  EMPTY_ROOT,
  Frontier,
  hashChildren,
  hashLeaf,
  inclusionPathRanges,
  inclusionProof,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
} from "../../src/audit/merkle/index.js";

const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (...values: number[]) => Uint8Array.from(values);

/** MTH straight from RFC 9162 §2.1.1, recursive, as the reference the incremental tree must match. */
function referenceRoot(leaves: Uint8Array[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(bytes(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(bytes(1), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function frontierRoot(leaves: Uint8Array[]): Buffer {
  const f = new Frontier();
  for (const leaf of leaves) f.append(hashLeaf(leaf));
  return f.root();
}

/** The eight inputs of the Certificate Transparency reference tree (RFC 6962 test data). */
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map((h) => Buffer.from(h, "hex"));
/** Its published roots for sizes 0..8, as other RFC 6962 implementations report them. */
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

describe("RFC 6962 hashing, by hand", () => {
  it("the empty tree's root is SHA-256 of the empty string", () => {
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(new Frontier().root().equals(sha())).toBe(true);
  });

  it("a 1-leaf tree's root is SHA-256(0x00 || leaf)", () => {
    const leaf = Buffer.from("hello");
    expect(frontierRoot([leaf]).equals(sha(bytes(0), leaf))).toBe(true);
  });

  it("2, 3 and 5 leaves split at the largest power of two below n", () => {
    const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map((s) => Buffer.from(s));
    const l = (x: Uint8Array) => sha(bytes(0), x);
    const n = (x: Uint8Array, y: Uint8Array) => sha(bytes(1), x, y);
    expect(frontierRoot([a!, b!]).equals(n(l(a!), l(b!)))).toBe(true);
    // 3 leaves: k = 2 → H(H(a, b), c), never H(a, H(b, c)).
    expect(frontierRoot([a!, b!, c!]).equals(n(n(l(a!), l(b!)), l(c!)))).toBe(true);
    // 5 leaves: k = 4 → H(H(H(a,b), H(c,d)), e).
    expect(frontierRoot([a!, b!, c!, d!, e!]).equals(n(n(n(l(a!), l(b!)), n(l(c!), l(d!))), l(e!)))).toBe(
      true,
    );
  });

  it("matches the published RFC 6962 reference roots for sizes 0..8", () => {
    for (let size = 0; size <= 8; size++) {
      expect(hex(frontierRoot(CT_LEAVES.slice(0, size))), `size ${size}`).toBe(CT_ROOTS[size]);
      expect(hex(subtreeRoot(CT_LEAVES.map(hashLeaf), 0, size))).toBe(CT_ROOTS[size]);
    }
  });

  it("the incremental tree agrees with the recursive definition for every size up to 70", () => {
    const leaves = Array.from({ length: 70 }, (_, i) => Buffer.from(`leaf ${i}`));
    const f = new Frontier();
    for (let size = 0; size <= leaves.length; size++) {
      expect(f.root().equals(referenceRoot(leaves.slice(0, size))), `size ${size}`).toBe(true);
      if (size < leaves.length) f.append(hashLeaf(leaves[size]!));
    }
  });

  it("a frontier restored from its hashes continues where it left off", () => {
    const leaves = Array.from({ length: 23 }, (_, i) => hashLeaf(Buffer.from([i])));
    const f = new Frontier();
    leaves.slice(0, 13).forEach((h) => f.append(h));
    const restored = new Frontier(f.size, f.hashes);
    leaves.slice(13).forEach((h) => restored.append(h));
    expect(restored.root().equals(subtreeRoot(leaves, 0, 23))).toBe(true);
    expect(() => new Frontier(13, f.hashes.slice(1))).toThrow(/3 nodes/);
  });

  it("node hashing refuses children that are not 32-byte hashes", () => {
    expect(() => hashChildren(Buffer.alloc(31), Buffer.alloc(32))).toThrow();
  });
});

const LEAF_HASHES = Array.from({ length: 33 }, (_, i) => hashLeaf(Buffer.from(`record ${i}`)));

describe("proofs over every small tree", () => {
  it("every inclusion proof verifies, and has the audit path the RFC describes", () => {
    for (let size = 1; size <= LEAF_HASHES.length; size++) {
      const root = subtreeRoot(LEAF_HASHES, 0, size);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(LEAF_HASHES, index, size);
        expect(verifyInclusion(LEAF_HASHES[index]!, index, size, proof, root), `${index}/${size}`).toEqual({
          ok: true,
        });
      }
    }
    // Hand-derived: leaf 0 of 8 needs its sibling, the pair to its right, then the right half.
    const path = inclusionProof(LEAF_HASHES, 0, 8);
    expect(path.map(hex)).toEqual(
      [LEAF_HASHES[1]!, hashChildren(LEAF_HASHES[2]!, LEAF_HASHES[3]!), subtreeRoot(LEAF_HASHES, 4, 8)].map(
        hex,
      ),
    );
  });

  it("every consistency proof between two sizes verifies", () => {
    for (let size2 = 1; size2 <= 20; size2++) {
      const root2 = subtreeRoot(LEAF_HASHES, 0, size2);
      for (let size1 = 0; size1 <= size2; size1++) {
        const root1 = subtreeRoot(LEAF_HASHES, 0, size1);
        const proof = consistencyProof(LEAF_HASHES, size1, size2);
        expect(verifyConsistency(size1, size2, proof, root1, root2), `${size1}→${size2}`).toEqual({
          ok: true,
        });
      }
    }
  });
});

describe("verifier rejection rules (as transparency-dev/merkle proof/verify.go)", () => {
  const size = 13;
  const index = 6;
  const root = subtreeRoot(LEAF_HASHES, 0, size);
  const leaf = LEAF_HASHES[index]!;
  const proof = inclusionProof(LEAF_HASHES, index, size);
  const reject = (r: { ok: boolean; reason?: string }) => {
    expect(r.ok).toBe(false);
    return r.reason;
  };

  it.each([
    ["index = size", () => verifyInclusion(leaf, size, size, proof, root), /beyond/],
    ["index > size", () => verifyInclusion(leaf, size + 5, size, proof, root), /beyond/],
    ["size 0", () => verifyInclusion(leaf, 0, 0, [], root), /beyond/],
    ["index - 1", () => verifyInclusion(leaf, index - 1, size, proof, root), /root|proof size/],
    ["index + 1", () => verifyInclusion(leaf, index + 1, size, proof, root), /root|proof size/],
    ["size * 2", () => verifyInclusion(leaf, index, size * 2, proof, root), /proof size|root/],
    [
      "size / 2",
      () => verifyInclusion(leaf, index, Math.floor(size / 2), proof, root),
      /proof size|root|beyond/,
    ],
    ["empty proof where one is needed", () => verifyInclusion(leaf, index, size, [], root), /proof size/],
    ["a missing hash", () => verifyInclusion(leaf, index, size, proof.slice(1), root), /proof size/],
    [
      "a superfluous hash at the end",
      () => verifyInclusion(leaf, index, size, [...proof, root], root),
      /proof size/,
    ],
    [
      "a superfluous hash in front",
      () => verifyInclusion(leaf, index, size, [root, ...proof], root),
      /proof size/,
    ],
    [
      "a 31-byte proof hash",
      () => verifyInclusion(leaf, index, size, [proof[0]!.subarray(1), ...proof.slice(1)], root),
      /31 bytes/,
    ],
    [
      "a 33-byte root",
      () => verifyInclusion(leaf, index, size, proof, Buffer.concat([root, bytes(0)])),
      /root has 33/,
    ],
    [
      "an empty leaf hash",
      () => verifyInclusion(Buffer.alloc(0), index, size, proof, root),
      /leaf hash has 0/,
    ],
    ["the empty tree's root", () => verifyInclusion(leaf, index, size, proof, EMPTY_ROOT), /does not match/],
    ["a fractional index", () => verifyInclusion(leaf, 1.5, size, proof, root), /integers/],
  ])("inclusion: %s", (_name, run, reason) => {
    expect(reject(run())).toMatch(reason);
  });

  const size1 = 6;
  const size2 = 13;
  const root1 = subtreeRoot(LEAF_HASHES, 0, size1);
  const cproof = consistencyProof(LEAF_HASHES, size1, size2);

  it.each([
    ["sizes out of order", () => verifyConsistency(size2, size1, cproof, root, root1), /out of order/],
    ["equal sizes with a proof", () => verifyConsistency(size1, size1, [root1], root1, root1), /not empty/],
    ["equal sizes, other roots", () => verifyConsistency(size1, size1, [], root1, root), /different roots/],
    [
      "from the empty tree with a proof",
      () => verifyConsistency(0, size2, [root], EMPTY_ROOT, root),
      /must be empty/,
    ],
    [
      "from the empty tree, wrong root1",
      () => verifyConsistency(0, size2, [], root1, root),
      /empty tree's root/,
    ],
    [
      "empty proof where one is needed",
      () => verifyConsistency(size1, size2, [], root1, root),
      /empty proof/,
    ],
    ["a missing hash", () => verifyConsistency(size1, size2, cproof.slice(0, -1), root1, root), /short|root/],
    [
      "a superfluous hash",
      () => verifyConsistency(size1, size2, [...cproof, root], root1, root),
      /superfluous/,
    ],
    [
      "a hash in front",
      () => verifyConsistency(size1, size2, [root1, ...cproof], root1, root),
      /superfluous|root/,
    ],
    ["size1 + 1", () => verifyConsistency(size1 + 1, size2, cproof, root1, root), /root|superfluous|short/],
    ["size2 * 2", () => verifyConsistency(size1, size2 * 2, cproof, root1, root), /root|superfluous|short/],
    ["swapped roots", () => verifyConsistency(size1, size2, cproof, root, root1), /root/],
    [
      "a 0-byte proof hash",
      () => verifyConsistency(size1, size2, [Buffer.alloc(0), ...cproof], root1, root),
      /0 bytes/,
    ],
  ])("consistency: %s", (_name, run, reason) => {
    expect(reject(run())).toMatch(reason);
  });

  it("the empty tree is consistent with every tree, through the empty proof only", () => {
    expect(verifyConsistency(0, size2, [], EMPTY_ROOT, root)).toEqual({ ok: true });
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toEqual({ ok: true });
  });
});

/** One flipped bit, at a position chosen by the property. */
function flip(buffer: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(buffer);
  const at = bit % (copy.length * 8);
  copy[at >> 3]! ^= 1 << (at & 7);
  return copy;
}

describe("properties over random logs", () => {
  // Distinct leaves, as in the log itself (every leaf carries its own index).
  const logArb = fc
    .array(fc.uint8Array({ minLength: 0, maxLength: 24 }), { minLength: 1, maxLength: 300 })
    .map((items) => items.map((data, i) => hashLeaf(Buffer.concat([Buffer.from(`${i}:`), data]))));

  it("every inclusion proof verifies; a flipped bit in proof, root, leaf or index never does", () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), fc.nat(), (hashes, a, b, bit) => {
        const size = 1 + (a % hashes.length);
        const index = b % size;
        const root = subtreeRoot(hashes, 0, size);
        const proof = inclusionProof(hashes, index, size);
        expect(verifyInclusion(hashes[index]!, index, size, proof, root).ok).toBe(true);
        // Frontier and recursive definition agree on this size too.
        const f = new Frontier();
        hashes.slice(0, size).forEach((h) => f.append(h));
        expect(f.root().equals(root)).toBe(true);

        expect(verifyInclusion(hashes[index]!, index, size, proof, flip(root, bit)).ok).toBe(false);
        expect(verifyInclusion(flip(hashes[index]!, bit), index, size, proof, root).ok).toBe(false);
        if (proof.length > 0) {
          const at = bit % proof.length;
          const bad = proof.map((p, i) => (i === at ? flip(p, bit >> 3) : p));
          expect(verifyInclusion(hashes[index]!, index, size, bad, root).ok).toBe(false);
        }
        const badIndex = index ^ (1 << (bit % 20));
        expect(verifyInclusion(hashes[index]!, badIndex, size, proof, root).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("every consistency proof between random sizes verifies; a flipped bit in a proof hash or a root never does", () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), fc.nat(), (hashes, a, b, bit) => {
        const size2 = 1 + (a % hashes.length);
        const size1 = 1 + (b % size2);
        const root1 = subtreeRoot(hashes, 0, size1);
        const root2 = subtreeRoot(hashes, 0, size2);
        const proof = consistencyProof(hashes, size1, size2);
        expect(verifyConsistency(size1, size2, proof, root1, root2).ok).toBe(true);
        if (size1 === size2) return;
        expect(verifyConsistency(size1, size2, proof, flip(root1, bit), root2).ok).toBe(false);
        expect(verifyConsistency(size1, size2, proof, root1, flip(root2, bit)).ok).toBe(false);
        const at = bit % proof.length;
        const bad = proof.map((p, i) => (i === at ? flip(p, bit >> 3) : p));
        expect(verifyConsistency(size1, size2, bad, root1, root2).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("proof ranges (for streaming proofs over a large log)", () => {
  it("the roots of the ranges are exactly the proof hashes, for every small tree", () => {
    for (let size = 1; size <= LEAF_HASHES.length; size++) {
      for (let index = 0; index < size; index++) {
        const ranges = inclusionPathRanges(index, size);
        expect(ranges.map(([lo, hi]) => hex(subtreeRoot(LEAF_HASHES, lo, hi)))).toEqual(
          inclusionProof(LEAF_HASHES, index, size).map(hex),
        );
        // Disjoint, and together with the leaf itself they cover the tree.
        const covered = ranges.reduce((n, [lo, hi]) => n + hi - lo, 1);
        expect(covered).toBe(size);
      }
      for (let size1 = 0; size1 <= size; size1++) {
        expect(
          consistencyProofRanges(size1, size).map(([lo, hi]) => hex(subtreeRoot(LEAF_HASHES, lo, hi))),
        ).toEqual(consistencyProof(LEAF_HASHES, size1, size).map(hex));
      }
    }
  });
});
