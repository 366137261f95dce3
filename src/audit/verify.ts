import type Database from "better-sqlite3";
import type { NoteVerifier } from "../crypto/signing/index.js";
import { openCheckpoint, splitNotes, type SignedCheckpoint } from "./checkpoint.js";
import { openReader, readMeta, type CheckpointRow, type LeafRow } from "./db.js";
import { decodeLeaf } from "./encoding.js";
import { Frontier, hashLeaf } from "./merkle/index.js";

/**
 * `audit verify`: recompute the whole tree from the stored leaf bytes and hold it against every
 * signed checkpoint — the stored ones and any kept outside. What each check catches:
 *
 * - leaf hash ≠ SHA-256(0x00 || bytes): a record or its stored hash was edited;
 * - the index inside a leaf ≠ its position, or a gap in positions: records moved, removed, inserted;
 * - a recomputed root ≠ a checkpoint's signed root: anything above done carefully (re-hashed,
 *   renumbered) to the records the checkpoint covers;
 * - a checkpoint larger than the log: records removed from the end;
 * - a signature that does not verify, or a gap in checkpoint ids: checkpoints forged or removed.
 *
 * Runs in one read transaction, so a gateway appending meanwhile does not disturb it.
 */

export type ProblemKind = "leaf" | "checkpoint" | "external" | "log";

export interface VerifyProblem {
  kind: ProblemKind;
  /** The first leaf index concerned, when one is known (for `range`, its start). */
  index?: number;
  /** When only a signed root tells that something changed: the records it may be, first..last. */
  range?: [number, number];
  /** Stored checkpoint id (`kind: "checkpoint"`) or position in the external file (`"external"`). */
  checkpoint?: number;
  reason: string;
}

export interface ExternalCheckpoints {
  /** Shown in problems, e.g. the file name. */
  source: string;
  content: string;
}

export interface VerifyOptions {
  file: string;
  verifier: NoteVerifier;
  external?: ExternalCheckpoints[];
  /** Stop collecting after this many problems (the first ones are the ones that matter). */
  maxProblems?: number;
}

export interface VerifyReport {
  ok: boolean;
  origin: string;
  keyId: string;
  /** Leaves read. */
  size: number;
  /** Recomputed root of all leaves, base64. */
  root: string;
  checkpoints: { stored: number; verified: number; latestSize: number | null };
  external: { checked: number; verified: number; largestSize: number | null };
  /** Leaves after the newest valid checkpoint: not yet covered by any signature. */
  uncovered: number;
  firstBadIndex: number | null;
  problems: VerifyProblem[];
  elapsedMs: number;
}

interface Target {
  size: number;
  root: Buffer;
  /** Problem to report if the recomputed root differs, or if the log is shorter. */
  kind: "checkpoint" | "external";
  label: string;
  checkpoint: number;
}

class Problems {
  readonly list: VerifyProblem[] = [];
  constructor(private readonly max: number) {}
  add(problem: VerifyProblem): void {
    if (this.list.length < this.max) this.list.push(problem);
  }
}

export function verifyAuditLog(options: VerifyOptions): VerifyReport {
  const started = performance.now();
  const db = openReader(options.file);
  try {
    db.exec("BEGIN");
    try {
      return verifyOpen(db, options, started);
    } finally {
      db.exec("COMMIT");
    }
  } finally {
    db.close();
  }
}

function verifyOpen(db: Database.Database, options: VerifyOptions, started: number): VerifyReport {
  const { verifier } = options;
  const problems = new Problems(options.maxProblems ?? 100);
  const targets: Target[] = [];

  const origin = readMeta(db, "origin");
  if (origin !== undefined && origin !== verifier.name)
    problems.add({
      kind: "log",
      reason: `the log's origin is "${origin}" but the key is named "${verifier.name}"`,
    });

  // Stored checkpoints: signatures, ids without gaps, sizes that only grow.
  const rows = db
    .prepare("SELECT id, size, created_at, note FROM checkpoints ORDER BY id")
    .all() as CheckpointRow[];
  let verified = 0;
  let latest: SignedCheckpoint | undefined;
  let expectedId = 1;
  for (const row of rows) {
    if (row.id !== expectedId) {
      problems.add({
        kind: "checkpoint",
        checkpoint: expectedId,
        reason:
          row.id > expectedId
            ? `checkpoint${row.id - expectedId > 1 ? `s #${expectedId}–#${row.id - 1} are` : ` #${expectedId} is`} missing (deleted)`
            : `unexpected checkpoint id ${row.id}`,
      });
    }
    expectedId = row.id + 1;
    let checkpoint: SignedCheckpoint;
    try {
      if (typeof row.note !== "string") throw new Error("the stored note is not text");
      checkpoint = openCheckpoint(row.note, verifier);
    } catch (error) {
      problems.add({
        kind: "checkpoint",
        checkpoint: row.id,
        reason: `checkpoint #${row.id}: ${(error as Error).message}`,
      });
      continue;
    }
    if (checkpoint.size !== row.size)
      problems.add({
        kind: "checkpoint",
        checkpoint: row.id,
        reason: `checkpoint #${row.id}: the size column says ${row.size}, the signed note ${checkpoint.size}`,
      });
    if (latest && checkpoint.size < latest.size)
      problems.add({
        kind: "checkpoint",
        checkpoint: row.id,
        reason: `checkpoint #${row.id} (size ${checkpoint.size}) is smaller than an earlier one (size ${latest.size}): sizes only grow`,
      });
    verified++;
    if (!latest || checkpoint.size >= latest.size) latest = checkpoint;
    targets.push({
      size: checkpoint.size,
      root: checkpoint.root,
      kind: "checkpoint",
      label: `checkpoint #${row.id}`,
      checkpoint: row.id,
    });
  }
  const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'checkpoints'").pluck().get() as
    number | undefined;
  const lastId = rows.length ? rows[rows.length - 1]!.id : 0;
  if (sequence !== undefined && sequence > lastId) {
    const missing = sequence - lastId;
    problems.add({
      kind: "checkpoint",
      checkpoint: lastId + 1,
      reason:
        missing > 1
          ? `checkpoints #${lastId + 1}–#${sequence} were signed but are missing (deleted)`
          : `checkpoint #${sequence} was signed but is missing (deleted)`,
    });
  }

  // External checkpoints: the copies kept outside; the ones that matter most.
  let externalChecked = 0;
  let externalVerified = 0;
  let largestExternal: number | null = null;
  for (const source of options.external ?? []) {
    const notes = splitNotes(source.content);
    if (notes.length === 0)
      problems.add({ kind: "external", reason: `${source.source}: no checkpoint found` });
    notes.forEach((note, i) => {
      externalChecked++;
      const label = `${source.source} checkpoint ${i + 1}`;
      try {
        const checkpoint = openCheckpoint(note, verifier);
        externalVerified++;
        largestExternal = Math.max(largestExternal ?? 0, checkpoint.size);
        targets.push({
          size: checkpoint.size,
          root: checkpoint.root,
          kind: "external",
          label,
          checkpoint: i + 1,
        });
      } catch (error) {
        problems.add({
          kind: "external",
          checkpoint: i + 1,
          reason: `${label}: ${(error as Error).message}`,
        });
      }
    });
  }

  // One pass over the leaves, recomputing the tree and checking it at every target size.
  targets.sort((a, b) => a.size - b.size);
  let next = 0;
  const frontier = new Frontier();
  let lastGood = 0;
  const checkTargets = () => {
    while (next < targets.length && targets[next]!.size === frontier.size) {
      const target = targets[next++]!;
      if (frontier.root().equals(target.root)) {
        lastGood = Math.max(lastGood, target.size);
        continue;
      }
      problems.add({
        kind: target.kind,
        checkpoint: target.checkpoint,
        index: lastGood,
        range: [lastGood, target.size - 1],
        reason: `the recomputed root of the first ${target.size} records differs from the root signed in ${target.label}: a record in ${lastGood}..${target.size - 1} was changed, removed, inserted or reordered`,
      });
    }
  };
  checkTargets();
  let expected = 0;
  for (const row of db
    .prepare("SELECT idx, leaf, hash FROM leaves ORDER BY idx")
    .iterate() as IterableIterator<LeafRow>) {
    if (row.idx < expected) {
      problems.add({ kind: "leaf", index: row.idx, reason: `record at index ${row.idx} is out of range` });
      continue;
    }
    if (row.idx > expected) {
      problems.add({
        kind: "leaf",
        index: expected,
        reason:
          row.idx - expected === 1
            ? `record ${expected} is missing (deleted)`
            : `records ${expected}..${row.idx - 1} are missing (deleted)`,
      });
    }
    expected = row.idx + 1;
    const leaf = Buffer.isBuffer(row.leaf) ? row.leaf : Buffer.from(String(row.leaf));
    const leafHash = hashLeaf(leaf);
    if (!Buffer.isBuffer(row.hash) || !leafHash.equals(row.hash))
      problems.add({
        kind: "leaf",
        index: row.idx,
        reason: `record ${row.idx}: the stored leaf hash does not match the record's bytes (the record or its hash was changed)`,
      });
    const decoded = decodeLeaf(leaf, row.idx);
    if (!decoded.ok)
      problems.add({
        kind: "leaf",
        index: row.idx,
        reason: `record ${row.idx}: ${decoded.reason}${hint(leaf, row.idx)}`,
      });
    frontier.append(leafHash);
    checkTargets();
  }
  // The writer keeps its own count and right edge in the same transaction as the leaves; rows
  // added or removed behind its back (even re-hashed ones past the last checkpoint) disagree with it.
  const cached = readMeta(db, "frontier");
  if (cached !== undefined) {
    let meta: { size?: unknown; nodes?: unknown } = {};
    try {
      meta = JSON.parse(cached) as typeof meta;
    } catch {
      // reported below
    }
    const nodes = Array.isArray(meta.nodes) ? meta.nodes : [];
    const same =
      meta.size === frontier.size &&
      nodes.length === frontier.hashes.length &&
      frontier.hashes.every((h, i) => h.toString("base64") === nodes[i]);
    if (!same) {
      const size = typeof meta.size === "number" ? meta.size : NaN;
      problems.add({
        kind: "log",
        index: Number.isSafeInteger(size) ? Math.min(size, frontier.size) : 0,
        reason:
          size === frontier.size
            ? `the log's own record of its tree edge does not match the stored records: records were changed outside the gateway`
            : `the log recorded ${size} records but ${frontier.size} are stored: records were added or removed outside the gateway`,
      });
    }
  } else if (frontier.size > 0) {
    problems.add({ kind: "log", index: 0, reason: "the log's own record of its size is missing" });
  }

  for (; next < targets.length; next++) {
    const target = targets[next]!;
    problems.add({
      kind: target.kind,
      checkpoint: target.checkpoint,
      index: frontier.size,
      reason: `${target.label} covers ${target.size} records but the log holds only ${frontier.size}: records ${frontier.size}..${target.size - 1} were removed (truncated)`,
    });
  }

  // An exact index beats the start of a range that only a root mismatch reveals.
  const exact = problems.list.filter((p) => p.index !== undefined && !p.range).map((p) => p.index!);
  const indexed = exact.length ? exact : problems.list.filter((p) => p.range).map((p) => p.index!);
  const latestSize = latest?.size ?? null;
  return {
    ok: problems.list.length === 0,
    origin: origin ?? verifier.name,
    keyId: verifier.keyId.toString(16).padStart(8, "0"),
    size: frontier.size,
    root: frontier.root().toString("base64"),
    checkpoints: { stored: rows.length, verified, latestSize },
    external: { checked: externalChecked, verified: externalVerified, largestSize: largestExternal },
    uncovered: Math.max(0, frontier.size - Math.max(latestSize ?? 0, largestExternal ?? 0)),
    firstBadIndex: indexed.length ? Math.min(...indexed) : null,
    problems: problems.list,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** For a leaf that names another position: what that usually means. */
function hint(leaf: Buffer, index: number): string {
  const match = /,"index":(\d+),"v":1\}$/.exec(leaf.toString("utf8"));
  if (!match) return "";
  const claimed = Number(match[1]);
  if (claimed < index) return " (records were inserted before it, or it was moved)";
  if (claimed > index) return " (records before it were removed, or it was moved)";
  return "";
}
