import type Database from "better-sqlite3";
import type { NoteSigner } from "../crypto/signing/index.js";
import type { EventSubscriber, SecurityEvent } from "../events/index.js";
import { CheckpointError, openCheckpoint, signCheckpoint, type SignedCheckpoint } from "./checkpoint.js";
import { openWriter, readMeta, type CheckpointRow } from "./db.js";
import { encodeLeaf } from "./encoding.js";
import type { CheckpointExporter } from "./export/types.js";
import { Frontier, hashLeaf, type Hash } from "./merkle/index.js";

/** The subset of a pino logger the log writes to. */
export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CheckpointCadence {
  /** Sign after this many new records… */
  everyEvents: number;
  /** …or this many seconds after the first record not yet covered, whichever comes first. */
  everySeconds: number;
}

export interface AuditLogOptions {
  file: string;
  /** Signs the checkpoints; its name is the log's origin. */
  signer: NoteSigner;
  cadence: CheckpointCadence;
  exporters?: CheckpointExporter[];
  logger?: AuditLogger;
  /** How long `close()` waits for exports still in flight. */
  closeTimeoutMs?: number;
}

export interface ExporterStats {
  exported: number;
  failed: number;
  /** Checkpoints skipped because a slow target had a backlog (a later one supersedes them). */
  skipped: number;
}

export interface AuditLogStats {
  size: number;
  checkpoints: number;
  lastCheckpointSize: number;
  /** Set when the log refuses to sign (its newest checkpoint did not check out at start-up). */
  signingRefused?: string;
  exporters: Record<string, ExporterStats>;
}

export class AuditLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditLogError";
  }
}

const silent: AuditLogger = { info() {}, warn() {}, error() {} };
/** Checkpoints waiting per target; each one covers all before it, so older ones may be dropped. */
const EXPORT_BACKLOG = 16;

/** Sends checkpoints to one target in order, one at a time, never holding up the log. */
class ExportQueue {
  private readonly pending: SignedCheckpoint[] = [];
  private running: Promise<void> | undefined;
  readonly stats: ExporterStats = { exported: 0, failed: 0, skipped: 0 };

  constructor(
    readonly exporter: CheckpointExporter,
    private readonly logger: AuditLogger,
  ) {}

  push(checkpoint: SignedCheckpoint): void {
    if (this.pending.length >= EXPORT_BACKLOG) {
      this.pending.shift();
      this.stats.skipped++;
    }
    this.pending.push(checkpoint);
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      try {
        await this.exporter.export(next);
        this.stats.exported++;
      } catch (error) {
        this.stats.failed++;
        this.logger.warn(
          { target: this.exporter.name, size: next.size, err: error },
          "audit checkpoint export failed (the checkpoint is kept in audit.db)",
        );
      }
    }
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

interface FrontierMeta {
  size: number;
  nodes: string[];
}

/**
 * The append-only Merkle log (RFC 6962/9162) behind `portcullis serve`. Records arrive in batches
 * from the event bus, off the request path; each batch is one SQLite transaction. The root is kept
 * incrementally (see Frontier), so an append costs O(log n) whatever the size of the log.
 *
 * A checkpoint is signed every `everyEvents` records or `everySeconds` after the first record not
 * yet covered, whichever comes first, and on `close()`; it is stored and handed to the exporters.
 */
export class AuditLog {
  private readonly db: Database.Database;
  private frontier: Frontier;
  private last: { size: number; id: number } = { size: 0, id: 0 };
  private checkpointCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Why checkpoints are no longer signed (see checkStart), if they are not. */
  private refusal: string | undefined;
  private readonly queues: ExportQueue[];
  private readonly logger: AuditLogger;
  private readonly insertLeaf: Database.Statement;
  private readonly insertCheckpoint: Database.Statement;
  private readonly saveFrontier: Database.Statement;
  private readonly appendTx: (events: readonly SecurityEvent[], frontier: Frontier) => void;

  /** Append to this from the event bus (capacity and batching as the store's). */
  readonly subscriber: EventSubscriber;

  constructor(private readonly options: AuditLogOptions) {
    this.logger = options.logger ?? silent;
    this.db = openWriter(options.file);
    this.queues = (options.exporters ?? []).map((e) => new ExportQueue(e, this.logger));
    const origin = readMeta(this.db, "origin");
    if (origin === undefined) {
      this.db.prepare("INSERT INTO meta (name, value) VALUES ('origin', ?)").run(options.signer.name);
    } else if (origin !== options.signer.name) {
      this.db.close();
      throw new AuditLogError(
        `the audit log in ${options.file} has origin "${origin}", but the configuration says "${options.signer.name}": a log's origin is fixed when it is created (set audit.origin to "${origin}", or start a new data directory)`,
      );
    }
    this.insertLeaf = this.db.prepare("INSERT INTO leaves (idx, leaf, hash) VALUES (?, ?, ?)");
    this.insertCheckpoint = this.db.prepare(
      "INSERT INTO checkpoints (size, created_at, note) VALUES (?, ?, ?)",
    );
    this.saveFrontier = this.db.prepare(
      "INSERT INTO meta (name, value) VALUES ('frontier', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    );
    this.appendTx = this.db.transaction((events: readonly SecurityEvent[], frontier: Frontier) => {
      for (const event of events) {
        const index = frontier.size;
        const leaf = encodeLeaf(event, index);
        const leafHash = hashLeaf(leaf);
        this.insertLeaf.run(index, leaf, leafHash);
        frontier.append(leafHash);
      }
      this.saveFrontier.run(frontierJson(frontier));
    });
    this.frontier = this.loadFrontier();
    this.checkStart();
    this.subscriber = {
      name: "audit",
      flushDelayMs: 20,
      maxBatch: 1000,
      handle: (batch) => this.append(batch),
    };
  }

  get size(): number {
    return this.frontier.size;
  }

  get origin(): string {
    return this.options.signer.name;
  }

  root(): Hash {
    return this.frontier.root();
  }

  /** The cached right edge if it matches the stored leaves, else rebuilt from them (O(n), logged). */
  private loadFrontier(): Frontier {
    const count = (this.db.prepare("SELECT COUNT(*) FROM leaves").pluck().get() as number) ?? 0;
    const cached = readMeta(this.db, "frontier");
    if (cached) {
      try {
        const meta = JSON.parse(cached) as FrontierMeta;
        if (meta.size === count)
          return new Frontier(
            meta.size,
            meta.nodes.map((n) => Buffer.from(n, "base64")),
          );
      } catch {
        // fall through to the rebuild
      }
    }
    const frontier = new Frontier();
    if (count === 0) return frontier;
    // The edge is written in the same transaction as the leaves, so a mismatch means rows were
    // added or removed behind the log's back: keep recording, but sign nothing until verified.
    this.refusal = `audit.db holds ${count} records but the log recorded ${cached ? "another number" : "none"}`;
    this.logger.error(
      { leaves: count },
      "audit log: records were added or removed outside the gateway; no new checkpoints will be signed; run `portcullis audit verify`",
    );
    for (const row of this.db.prepare("SELECT hash FROM leaves ORDER BY idx").pluck().iterate())
      frontier.append(row as Buffer);
    return frontier;
  }

  /**
   * At start-up, compare the tree with the newest checkpoint when it covers the whole log: a
   * mismatch or a checkpoint this key cannot verify means the database or the key files were
   * changed while the gateway was down. The gateway keeps recording (an audit log that stops is
   * worse), but says so loudly; `portcullis audit verify` names what changed.
   */
  private checkStart(): void {
    const row = this.db.prepare("SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1").get() as
      CheckpointRow | undefined;
    this.checkpointCount = this.db.prepare("SELECT COUNT(*) FROM checkpoints").pluck().get() as number;
    if (!row) return;
    this.last = { size: row.size, id: row.id };
    try {
      const checkpoint = openCheckpoint(row.note, this.options.signer.verifier);
      if (checkpoint.size === this.frontier.size && !checkpoint.root.equals(this.frontier.root()))
        throw new CheckpointError("the stored records do not match it");
      if (checkpoint.size > this.frontier.size)
        throw new CheckpointError(
          `it covers ${checkpoint.size} records, the log holds ${this.frontier.size}`,
        );
    } catch (error) {
      // C2SP tlog-checkpoint: a log MUST NOT sign a checkpoint inconsistent with one it signed
      // before. Records are still appended; signing resumes only on a log that checks out.
      this.refusal ??= `the newest checkpoint (#${row.id}) does not check out: ${(error as Error).message}`;
      this.logger.error(
        { checkpoint: row.id, reason: (error as Error).message },
        "audit log: the newest checkpoint does not check out, no new checkpoints will be signed; run `portcullis audit verify`",
      );
    }
  }

  /** Appends records in one transaction; may sign a checkpoint. Synchronous: SQLite is in-process. */
  append(events: readonly SecurityEvent[]): void {
    if (this.closed) throw new AuditLogError("the audit log is closed");
    if (events.length === 0) return;
    // Work on a copy: if the transaction fails, the tree in memory still matches the database.
    const next = this.frontier.clone();
    this.appendTx(events, next);
    this.frontier = next;
    const uncovered = this.frontier.size - this.last.size;
    if (uncovered >= this.options.cadence.everyEvents) this.checkpoint();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        try {
          this.checkpoint();
        } catch (error) {
          this.logger.error({ err: error }, "audit log: signing a checkpoint failed");
        }
      }, this.options.cadence.everySeconds * 1000);
      this.timer.unref();
    }
  }

  /** Signs, stores and exports a checkpoint of the current tree, unless the last one covers it. */
  checkpoint(): SignedCheckpoint | undefined {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.frontier.size === this.last.size) return undefined;
    if (this.refusal) {
      this.logger.error(
        { size: this.frontier.size, reason: this.refusal },
        "audit log: checkpoint not signed",
      );
      return undefined;
    }
    const signed = signCheckpoint(this.options.signer, this.frontier.size, this.frontier.root());
    // A FULL commit syncs the whole WAL: every record this checkpoint covers is on disk with it.
    this.db.pragma("synchronous = FULL");
    let result: Database.RunResult;
    try {
      result = this.insertCheckpoint.run(signed.size, Date.now(), signed.note);
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
    this.last = { size: signed.size, id: Number(result.lastInsertRowid) };
    this.checkpointCount++;
    for (const queue of this.queues) queue.push(signed);
    return signed;
  }

  stats(): AuditLogStats {
    return {
      size: this.frontier.size,
      checkpoints: this.checkpointCount,
      lastCheckpointSize: this.last.size,
      ...(this.refusal ? { signingRefused: this.refusal } : {}),
      exporters: Object.fromEntries(this.queues.map((q) => [q.exporter.name, { ...q.stats }])),
    };
  }

  /** Signs a last checkpoint, waits (bounded) for exports, closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.checkpoint();
    } catch (error) {
      this.logger.error({ err: error }, "audit log: signing the closing checkpoint failed");
    }
    this.closed = true;
    const timeout = this.options.closeTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const exported = await Promise.race([
      Promise.all(this.queues.map((q) => q.idle())).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeout))),
    ]);
    clearTimeout(timer);
    if (!exported)
      this.logger.warn({ timeoutMs: timeout }, "audit log: checkpoint exports still pending at shutdown");
    await Promise.allSettled(this.queues.map((q) => q.exporter.close?.()));
    this.db.close();
  }
}

function frontierJson(frontier: Frontier): string {
  const meta: FrontierMeta = { size: frontier.size, nodes: frontier.hashes.map((h) => h.toString("base64")) };
  return JSON.stringify(meta);
}
