import {
  close,
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  open,
  openSync,
  read,
  readFileSync,
  readSync,
  readdirSync,
  write,
  writeFileSync,
} from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SecurityEvent } from "../types.js";

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);
const readAsync = promisify(read);

/**
 * One queued event as it sits in the log. Offsets are *logical*: a byte position in the
 * concatenation of all segments ever written, so a segment is named by the offset of its first byte
 * (as Kafka names its log segments) and the cursor is one number that survives segment deletion.
 */
export interface LogRecord {
  /** Logical offset of the record's first byte. */
  offset: number;
  /** Logical offset just past its newline: the cursor value that acknowledges it. */
  end: number;
  /** When the bus accepted it (ms since the epoch); `lag` is measured from here. */
  time: number;
  /** Absent when the line on disk could not be read back (it then goes to the dead-letter file). */
  event?: SecurityEvent;
  /** The unreadable line, for the dead-letter file. */
  raw?: string;
}

interface Segment {
  base: number;
  size: number;
}

const SEGMENT_NAME = /^(\d{20})\.jsonl$/;
const CURSOR = "cursor";
const LOCK = "lock";
/** Read-back granularity; a line longer than this grows the buffer rather than failing. */
const READ_CHUNK = 256 * 1024;
const NEWLINE = 0x0a;

const segmentName = (base: number) => `${String(base).padStart(20, "0")}.jsonl`;

/** One queued event as a JSON line: `{"t":<accepted at>,"e":<the event>}`. */
export function encodeRecord(time: number, event: SecurityEvent): string {
  return `{"t":${time},"e":${JSON.stringify(event)}}\n`;
}

function decodeRecord(line: string): { time: number; event: SecurityEvent } | undefined {
  try {
    const parsed = JSON.parse(line) as { t?: unknown; e?: { id?: unknown } };
    if (typeof parsed.t !== "number" || typeof parsed.e?.id !== "string") return undefined;
    return { time: parsed.t, event: parsed.e as SecurityEvent };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * An append-only log of JSON lines in segment files, with a persisted read cursor. It stores, it
 * does not schedule: the durable queue decides when to append and when to acknowledge.
 *
 * Durability: `append` returns only after write(2) and fdatasync(2) of the new bytes, so a record
 * the reader can see survives a process crash and a power loss. A new segment's directory entry is
 * made durable with an fsync of the directory (fsync(2): syncing a file does not sync the entry
 * that names it). The cursor is replaced atomically by rename(2) but not fsynced: losing its last
 * update re-delivers a few batches, which at-least-once delivery allows.
 *
 * Recovery (`open`): a torn last line (a crash mid-write) is cut off; segments wholly before the
 * cursor are deleted; a cursor that is missing, unreadable or out of range falls back to the oldest
 * segment, again erring towards re-delivery.
 */
export class SegmentLog {
  private segments: Segment[] = [];
  private fd = -1;
  private readFds = new Map<number, Promise<number>>();
  private ackedOffset = 0;
  private cursorWriting: Promise<void> | undefined;
  private cursorDirty = false;
  private closed = false;
  /** Events found on disk at open time, not yet acknowledged. */
  readonly recoveredRecords: number;
  /** When the oldest recovered record was accepted, or undefined when none was pending. */
  readonly recoveredHeadTime: number | undefined;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly segmentBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.lock();
    this.segments = this.listSegments();
    if (this.segments.length === 0) this.segments.push({ base: 0, size: 0 });
    const last = this.segments.at(-1)!;
    // "a+": appends always land at the end (O_APPEND); reading is for the torn-tail check.
    this.fd = openSync(join(dir, segmentName(last.base)), "a+", 0o600);
    last.size = this.cutTornTail(this.fd, last.size);

    const first = this.segments[0]!.base;
    const cursor = this.readCursor();
    this.ackedOffset = cursor !== undefined && cursor >= first && cursor <= this.end ? cursor : first;
    this.dropConsumedSegments();
    const { count, headTime } = this.scanPending();
    this.recoveredRecords = count;
    this.recoveredHeadTime = headTime;
  }

  /** Opens (and recovers) the log in `dir`. Synchronous: it runs once, at start-up, off any request. */
  static open(dir: string, maxBytes: number): SegmentLog {
    // Eight segments per bound, so consumed space is given back in steps of an eighth.
    const segmentBytes = Math.min(64 * 1024 * 1024, Math.max(1, Math.floor(maxBytes / 8)));
    return new SegmentLog(dir, maxBytes, segmentBytes);
  }

  /** Logical offset just past the last durable byte. */
  get end(): number {
    const last = this.segments.at(-1)!;
    return last.base + last.size;
  }

  get acked(): number {
    return this.ackedOffset;
  }

  /** Bytes the segments take on disk, acknowledged or not: what `maxBytes` bounds. */
  get diskBytes(): number {
    return this.end - this.segments[0]!.base;
  }

  /**
   * Whether `bytes` more would still fit under the bound. A fully consumed log counts as empty: the
   * next append starts a new segment and deletes the old one.
   */
  fits(bytes: number): boolean {
    const used = this.ackedOffset >= this.end ? 0 : this.diskBytes;
    return used + bytes <= this.maxBytes;
  }

  /**
   * Appends whole lines and makes them durable. One call at a time (the queue serialises them).
   * On a failed write the segment is cut back to where it was, so the log never holds half a batch.
   */
  async append(chunk: Buffer): Promise<void> {
    if (this.closed) throw new Error("durable queue is closed");
    await this.rollIfDue();
    const segment = this.segments.at(-1)!;
    const before = segment.size;
    try {
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await writeAsync(this.fd, chunk, written, chunk.length - written, null);
        written += bytesWritten;
      }
      await fdatasyncAsync(this.fd);
    } catch (error) {
      try {
        ftruncateSync(this.fd, before);
      } catch {
        // The cut failed as well; the torn tail is cut off at the next start.
      }
      throw error;
    }
    segment.size = before + chunk.length;
  }

  /**
   * Reads up to `maxRecords` records from `from` (a record boundary), not past `limit`. Lines that do
   * not parse come back without an event, so the caller can set them aside instead of stalling.
   */
  async read(from: number, limit: number, maxRecords: number): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    let pos = from;
    let chunkSize = READ_CHUNK;
    while (records.length < maxRecords && pos < limit) {
      const segment = this.segments.find((s) => s.base <= pos && pos < s.base + s.size);
      if (!segment) {
        // A gap (a segment removed by hand): continue at the next segment that exists.
        const next = this.segments.find((s) => s.base > pos);
        if (!next) break;
        pos = next.base;
        continue;
      }
      const segmentEnd = Math.min(segment.base + segment.size, limit);
      const length = Math.min(segmentEnd - pos, chunkSize);
      const buffer = Buffer.allocUnsafe(length);
      const fd = await this.readFd(segment.base);
      const bytesRead = await readAt(fd, buffer, pos - segment.base);
      let start = 0;
      for (
        let nl = buffer.indexOf(NEWLINE, 0);
        nl !== -1 && nl < bytesRead;
        nl = buffer.indexOf(NEWLINE, start)
      ) {
        const line = buffer.toString("utf8", start, nl);
        const decoded = decodeRecord(line);
        const offset = pos + start;
        const end = pos + nl + 1;
        records.push(decoded ? { offset, end, ...decoded } : { offset, end, time: Date.now(), raw: line });
        start = nl + 1;
        if (records.length >= maxRecords) break;
      }
      if (start === 0) {
        if (length < segmentEnd - pos) {
          chunkSize *= 2;
          continue;
        }
        // The segment ends without a newline: only possible if it was damaged outside this code.
        const raw = buffer.toString("utf8", 0, bytesRead);
        records.push({ offset: pos, end: pos + bytesRead, time: Date.now(), raw });
        start = bytesRead;
      }
      pos += start;
      chunkSize = READ_CHUNK;
    }
    return records;
  }

  /** Moves the cursor: everything before `offset` was handled. Consumed segments are deleted. */
  ack(offset: number): void {
    if (this.closed || offset <= this.ackedOffset) return;
    this.ackedOffset = offset;
    this.persistCursor();
    this.dropConsumedSegments();
  }

  /** Stops writing; the cursor is saved, files are closed and the lock is released. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Closed first, so no acknowledgement starts another cursor write while the last one is made.
    this.closed = true;
    await this.cursorWriting;
    await this.writeCursor();
    await closeAsync(this.fd);
    for (const fd of this.readFds.values()) await closeAsync(await fd);
    this.readFds.clear();
    await unlink(join(this.dir, LOCK)).catch(() => {});
  }

  /**
   * A new segment starts when the current one is full, or when everything in it was acknowledged
   * (so the old one can be deleted and an idle queue gives its disk space back).
   */
  private async rollIfDue(): Promise<void> {
    const current = this.segments.at(-1)!;
    const consumed = this.ackedOffset >= this.end;
    if (current.size === 0 || (current.size < this.segmentBytes && !consumed)) return;
    const base = this.end;
    const fd = await openAsync(join(this.dir, segmentName(base)), "a", 0o600);
    const dirFd = await openAsync(this.dir, "r");
    try {
      await fsyncAsync(dirFd);
    } finally {
      await closeAsync(dirFd);
    }
    const previous = this.fd;
    this.fd = fd;
    this.segments.push({ base, size: 0 });
    await closeAsync(previous);
    this.dropConsumedSegments();
  }

  private dropConsumedSegments(): void {
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.size <= this.ackedOffset) {
      const segment = this.segments.shift()!;
      const file = join(this.dir, segmentName(segment.base));
      const readFd = this.readFds.get(segment.base);
      this.readFds.delete(segment.base);
      void (async () => {
        if (readFd) await closeAsync(await readFd).catch(() => {});
        await unlink(file).catch(() => {});
      })();
    }
  }

  private readFd(base: number): Promise<number> {
    let fd = this.readFds.get(base);
    if (!fd) {
      fd = openAsync(join(this.dir, segmentName(base)), "r");
      this.readFds.set(base, fd);
    }
    return fd;
  }

  private persistCursor(): void {
    if (this.cursorWriting) {
      this.cursorDirty = true;
      return;
    }
    this.cursorWriting = (async () => {
      do {
        this.cursorDirty = false;
        await this.writeCursor().catch(() => {
          // A cursor that could not be saved only means re-delivery after a restart.
        });
      } while (this.cursorDirty && !this.closed);
      this.cursorWriting = undefined;
    })();
  }

  private async writeCursor(): Promise<void> {
    const file = join(this.dir, CURSOR);
    await writeFile(`${file}.tmp`, `${this.ackedOffset}\n`, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  private readCursor(): number | undefined {
    const file = join(this.dir, CURSOR);
    if (!existsSync(file)) return undefined;
    const value = Number(readFileSync(file, "utf8").trim());
    return Number.isSafeInteger(value) ? value : undefined;
  }

  /**
   * One process per queue directory: two writers would interleave their lines. A lock file names
   * the owner's pid; one left by a dead process (a crash) is taken over. The same pid counts as
   * stale too — it can only be a lock this process left behind, or a container restarted as pid 1.
   */
  private lock(): void {
    const file = join(this.dir, LOCK);
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number(readFileSync(file, "utf8").trim());
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(`durable queue ${this.dir} is in use by process ${owner}`);
    }
    writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  }

  private listSegments(): Segment[] {
    const segments: Segment[] = [];
    for (const name of readdirSync(this.dir)) {
      const match = SEGMENT_NAME.exec(name);
      if (!match) continue;
      const fd = openSync(join(this.dir, name), "r");
      try {
        segments.push({ base: Number(match[1]), size: fstatSync(fd).size });
      } finally {
        closeSync(fd);
      }
    }
    return segments.sort((a, b) => a.base - b.base);
  }

  /** Cuts the file after its last newline: a line without one was torn by a crash mid-write. */
  private cutTornTail(fd: number, size: number): number {
    const buffer = Buffer.allocUnsafe(4096);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - buffer.length);
      const n = readSync(fd, buffer, 0, end - start, start);
      const nl = buffer.lastIndexOf(NEWLINE, n - 1);
      if (nl !== -1) {
        const keep = start + nl + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return keep;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
    return 0;
  }

  /** Counts the records still pending after recovery (depth) and reads the oldest one's time (lag). */
  private scanPending(): { count: number; headTime: number | undefined } {
    let count = 0;
    let headTime: number | undefined;
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    for (const segment of this.segments) {
      const from = Math.max(segment.base, this.ackedOffset);
      if (from >= segment.base + segment.size) continue;
      const fd = openSync(join(this.dir, segmentName(segment.base)), "r");
      try {
        for (let pos = from - segment.base; pos < segment.size;) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, segment.size - pos), pos);
          if (n <= 0) break;
          if (headTime === undefined) {
            const nl = buffer.indexOf(NEWLINE);
            if (nl !== -1 && nl < n)
              headTime = decodeRecord(buffer.toString("utf8", 0, nl))?.time ?? Date.now();
          }
          for (let i = buffer.indexOf(NEWLINE); i !== -1 && i < n; i = buffer.indexOf(NEWLINE, i + 1))
            count++;
          pos += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    return { count, headTime };
  }
}

/** A positioned read: the writer's appends on its own descriptor do not move it. */
async function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, position);
  return bytesRead;
}
