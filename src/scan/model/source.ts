import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * Random-access bytes: a whole file is never read into memory just to look at its header, its
 * zip directory or its HDF5 object headers. Reads past the end return fewer bytes.
 */
export interface Source {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export class BufferSource implements Source {
  constructor(private readonly buf: Uint8Array) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset >= this.buf.length || length <= 0 || offset < 0) return new Uint8Array(0);
    return this.buf.subarray(offset, Math.min(this.buf.length, offset + length));
  }
  /** The whole buffer, without a copy. */
  all(): Uint8Array {
    return this.buf;
  }
}

export class SliceSource implements Source {
  readonly size: number;
  constructor(
    private readonly parent: Source,
    private readonly start: number,
    size: number,
  ) {
    this.size = Math.max(0, Math.min(size, parent.size - start));
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset >= this.size) return new Uint8Array(0);
    return this.parent.read(this.start + offset, Math.min(length, this.size - offset));
  }
}

const BLOCK = 64 * 1024;
const CACHE_BLOCKS = 64;

/** A file read through its descriptor, with a small block cache for the many tiny header reads. */
export class FileSource implements Source {
  readonly size: number;
  private readonly fd: number;
  private readonly cache = new Map<number, Uint8Array>();

  constructor(path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }

  private block(index: number): Uint8Array {
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const buf = new Uint8Array(Math.min(BLOCK, this.size - start));
    readSync(this.fd, buf, 0, buf.length, start);
    this.cache.set(index, buf);
    if (this.cache.size > CACHE_BLOCKS) this.cache.delete(this.cache.keys().next().value as number);
    return buf;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset >= this.size || length <= 0) return new Uint8Array(0);
    const end = Math.min(this.size, offset + length);
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      return b.subarray(offset - first * BLOCK, end - first * BLOCK);
    }
    if (end - offset > BLOCK * 4) {
      const out = new Uint8Array(end - offset);
      let done = 0;
      while (done < out.length) {
        const n = readSync(this.fd, out, done, out.length - done, offset + done);
        if (n <= 0) break;
        done += n;
      }
      return out.subarray(0, done);
    }
    const out = new Uint8Array(end - offset);
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const bStart = i * BLOCK;
      const from = Math.max(offset, bStart);
      const to = Math.min(end, bStart + b.length);
      out.set(b.subarray(from - bStart, to - bStart), from - offset);
    }
    return out;
  }
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}
export function u32(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) +
    (b[o + 3] as number) * 0x1000000
  );
}
/** Little-endian u64 as a number; values beyond 2^53 come back as Infinity (always out of bounds). */
export function u64(b: Uint8Array, o: number): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) return Infinity;
  return hi * 0x100000000 + lo;
}
export function ascii(b: Uint8Array, from = 0, to = b.length): string {
  let s = "";
  for (let i = from; i < to && i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}
