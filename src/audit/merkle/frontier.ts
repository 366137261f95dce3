import { EMPTY_ROOT, HASH_BYTES, hashChildren, type Hash } from "./hash.js";

/**
 * The right edge of a Merkle tree: the roots of its perfect subtrees, one per 1-bit of the size,
 * largest (leftmost) first. A tree of size 13 = 8 + 4 + 1 has three: MTH(D[0:8]), MTH(D[8:12]),
 * MTH(D[12:13]).
 *
 * RFC 6962's MTH splits at the largest power of two below n, so the root is the right fold of the
 * frontier: H(f0, H(f1, H(f2, …))). Appending a leaf merges equal-sized subtrees like a binary
 * counter carries, so an append costs O(log n) hashes (amortised 1) and the root O(log n), without
 * ever reading old leaves.
 */
export class Frontier {
  private readonly nodes: Hash[];
  private count: number;

  constructor(size = 0, nodes: readonly Hash[] = []) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError("size must be a non-negative integer");
    if (nodes.length !== popcount(size))
      throw new RangeError(`a frontier of size ${size} has ${popcount(size)} nodes, got ${nodes.length}`);
    for (const node of nodes)
      if (node.length !== HASH_BYTES) throw new RangeError("frontier nodes must be 32-byte hashes");
    this.count = size;
    this.nodes = nodes.map((n) => Buffer.from(n));
  }

  get size(): number {
    return this.count;
  }

  /** A copy of the perfect-subtree roots, largest first. */
  get hashes(): Hash[] {
    return this.nodes.map((n) => Buffer.from(n));
  }

  append(leafHash: Hash): void {
    let carry = leafHash;
    // Each trailing 1-bit of the old size is a subtree of the same height as `carry`: merge them.
    for (let n = this.count; n % 2 === 1; n = Math.floor(n / 2)) {
      carry = hashChildren(this.nodes.pop()!, carry);
    }
    this.nodes.push(carry);
    this.count++;
  }

  root(): Hash {
    if (this.nodes.length === 0) return Buffer.from(EMPTY_ROOT);
    let root = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = hashChildren(this.nodes[i]!, root);
    return Buffer.from(root);
  }

  clone(): Frontier {
    return new Frontier(this.count, this.nodes);
  }
}

export function popcount(n: number): number {
  let bits = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) bits += x % 2;
  return bits;
}
