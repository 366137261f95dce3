import type Database from "better-sqlite3";
import type { NoteVerifier } from "../crypto/signing/index.js";
import { openCheckpoint, type SignedCheckpoint } from "./checkpoint.js";
import { openReader, type CheckpointRow } from "./db.js";
import {
  consistencyProofRanges,
  Frontier,
  hashLeaf,
  inclusionPathRanges,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type LeafRange,
} from "./merkle/index.js";

/** Everything a third party needs to check that a record is in the log (see docs/audit.md). */
export interface InclusionProofResult {
  origin: string;
  index: number;
  treeSize: number;
  /** The record's leaf bytes (canonical JSON). */
  leaf: string;
  leafHash: string;
  /** Audit path, leaf level first, base64. */
  path: string[];
  root: string;
  /** The signed checkpoint of this tree size, when the log holds one that verifies. */
  checkpoint: string | null;
  /** The proof checks out against `root` (and the checkpoint, when there is one). */
  verified: boolean;
  problem?: string;
}

export class ProofError extends Error {
  /** `usage`: the request cannot be answered (index or size out of range); `damage`: the log is not intact. */
  constructor(
    message: string,
    readonly kind: "usage" | "damage" = "usage",
  ) {
    super(message);
    this.name = "ProofError";
  }
}

export interface ProofOptions {
  file: string;
  verifier: NoteVerifier;
  index: number;
  /** Tree size to prove against; default: the newest checkpoint covering the index, else the whole log. */
  size?: number;
}

function readLog(options: { file: string; verifier: NoteVerifier; size?: number }) {
  const db = openReader(options.file);
  try {
    db.exec("BEGIN");
    const count = db.prepare("SELECT COUNT(*) FROM leaves").pluck().get() as number;
    const rows = db
      .prepare("SELECT id, size, created_at, note FROM checkpoints ORDER BY id")
      .all() as CheckpointRow[];
    const checkpoints: SignedCheckpoint[] = [];
    for (const row of rows) {
      try {
        checkpoints.push(openCheckpoint(row.note, options.verifier));
      } catch {
        // A checkpoint that does not verify is never offered as evidence (`audit verify` reports it).
      }
    }
    const leaf = (index: number) =>
      db.prepare("SELECT leaf FROM leaves WHERE idx = ?").pluck().get(index) as Buffer | undefined;
    return { db, count, checkpoints, leaf };
  } catch (error) {
    db.close();
    throw error;
  }
}

const GAPS = "the log has gaps in its records; run `portcullis audit verify`";

/**
 * One pass over the first `size` stored leaf hashes: the root of each (disjoint) range, the root
 * of the whole and of the first `size1` leaves. O(log n) memory however large the log; `override`
 * replaces one stored hash (the proven leaf, re-hashed from its bytes).
 */
function streamRoots(
  db: Database.Database,
  size: number,
  ranges: LeafRange[],
  options: { override?: { index: number; hash: Hash }; size1?: number } = {},
): { roots: Hash[]; root: Hash; root1: Hash | undefined } {
  const order = ranges.map((range, i) => ({ range, i })).sort((a, b) => a.range[0] - b.range[0]);
  const roots: Hash[] = new Array<Hash>(ranges.length);
  const whole = new Frontier();
  let root1 = options.size1 === 0 ? whole.root() : undefined;
  let current: { range: LeafRange; i: number; frontier: Frontier } | undefined;
  let next = 0;
  const rows = db
    .prepare("SELECT idx, hash FROM leaves WHERE idx < ? ORDER BY idx")
    .iterate(size) as IterableIterator<{
    idx: number;
    hash: Buffer;
  }>;
  for (const row of rows) {
    if (row.idx !== whole.size) throw new ProofError(GAPS, "damage");
    const hash = options.override && row.idx === options.override.index ? options.override.hash : row.hash;
    whole.append(hash);
    if (whole.size === options.size1) root1 = whole.root();
    if (!current && next < order.length && order[next]!.range[0] === row.idx)
      current = { ...order[next++]!, frontier: new Frontier() };
    if (current) {
      current.frontier.append(hash);
      if (row.idx + 1 === current.range[1]) {
        roots[current.i] = current.frontier.root();
        current = undefined;
      }
    }
  }
  if (whole.size !== size) throw new ProofError(GAPS, "damage");
  return { roots, root: whole.root(), root1 };
}

export function buildInclusionProof(options: ProofOptions): InclusionProofResult {
  const { db, count, checkpoints, leaf } = readLog(options);
  try {
    const { index } = options;
    if (!Number.isSafeInteger(index) || index < 0 || index >= count)
      throw new ProofError(`index ${index} is not in the log (it holds records 0..${count - 1})`);
    let size = options.size;
    if (size === undefined) {
      const covering = checkpoints
        .filter((c) => c.size > index && c.size <= count)
        .sort((a, b) => b.size - a.size)[0];
      size = covering?.size ?? count;
    }
    if (!Number.isSafeInteger(size) || size <= index || size > count)
      throw new ProofError(`size must be in ${index + 1}..${count} for index ${index}`);
    const leafBytes = leaf(index);
    if (!leafBytes) throw new ProofError(GAPS, "damage");
    // The leaf itself is hashed from its bytes, so a proof is never issued for edited bytes.
    const leafHash = hashLeaf(leafBytes);
    const { roots: path, root } = streamRoots(db, size, inclusionPathRanges(index, size), {
      override: { index, hash: leafHash },
    });
    const checkpoint = checkpoints.find((c) => c.size === size);
    let problem: string | undefined;
    const check = verifyInclusion(leafHash, index, size, path, checkpoint?.root ?? root);
    if (!check.ok) problem = `the proof does not match the signed checkpoint: ${check.reason}`;
    return {
      origin: options.verifier.name,
      index,
      treeSize: size,
      leaf: leafBytes.toString("utf8"),
      leafHash: leafHash.toString("base64"),
      path: path.map((h) => h.toString("base64")),
      root: root.toString("base64"),
      checkpoint: checkpoint?.note ?? null,
      verified: check.ok,
      ...(problem ? { problem } : {}),
    };
  } finally {
    db.exec("COMMIT");
    db.close();
  }
}

export interface ConsistencyProofResult {
  origin: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  path: string[];
  verified: boolean;
}

/** A consistency proof between two sizes of the stored log (for a holder of an older checkpoint). */
export function buildConsistencyProof(options: {
  file: string;
  verifier: NoteVerifier;
  size1: number;
  size2?: number;
}): ConsistencyProofResult {
  const { db, count } = readLog(options);
  try {
    const size2 = options.size2 ?? count;
    const { size1 } = options;
    if (!Number.isSafeInteger(size2) || size2 < 1 || size2 > count)
      throw new ProofError(`size must be in 1..${count}`);
    if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2)
      throw new ProofError(`the older size must be in 1..${size2}`);
    const streamed = streamRoots(db, size2, consistencyProofRanges(size1, size2), { size1 });
    const path = streamed.roots;
    const root1 = streamed.root1!;
    const root2 = streamed.root;
    return {
      origin: options.verifier.name,
      size1,
      size2,
      root1: root1.toString("base64"),
      root2: root2.toString("base64"),
      path: path.map((h) => h.toString("base64")),
      verified: verifyConsistency(size1, size2, path, root1, root2).ok,
    };
  } finally {
    db.exec("COMMIT");
    db.close();
  }
}
