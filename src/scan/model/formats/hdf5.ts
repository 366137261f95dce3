/**
 * Legacy Keras `.h5` files: HDF5 (HDF5 File Format Specification 3.0) whose root group carries a
 * `model_config` attribute holding the model's JSON config. This reads the subset needed to find
 * root-group attributes: superblock versions 0–3, object header versions 1 and 2 with
 * continuation blocks, attribute messages versions 1–3, fixed-length strings and variable-length
 * strings in global heap collections. Not covered: attributes in dense storage (fractal heap,
 * used only when a group has very many or very large attributes), shared (committed) datatypes.
 * For those, and as a second opinion always, the raw bytes are searched for JSON configs — Keras
 * never compresses attributes, so the config text is present verbatim.
 */
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { ascii, u16, u32, type Source } from "../source.js";
import type { FileReport, Finding } from "../types.js";
import { checkKerasConfig, findConfigObjects } from "./keras.js";

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MSG_ATTRIBUTE = 0x0c;
const MSG_CONTINUATION = 0x10;
const MSG_ATTRIBUTE_INFO = 0x15;

class H5Error extends Error {}

/** The superblock may sit at 0, 512, 1024, 2048, … (a user block precedes it). */
export function findHdf5(src: Source): number {
  for (let at = 0; at < Math.min(src.size, 1 << 24); at = at === 0 ? 512 : at * 2) {
    const b = src.read(at, 8);
    if (SIGNATURE.every((x, i) => b[i] === x)) return at;
  }
  return -1;
}

interface Attr {
  name: string;
  value?: string;
}

class H5 {
  offSize = 8;
  lenSize = 8;
  base = 0;
  notes: string[] = [];
  constructor(private readonly src: Source) {}

  num(b: Uint8Array, o: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (b[o + i] as number);
    return v;
  }

  read(addr: number, len: number): Uint8Array {
    const b = this.src.read(this.base + addr, len);
    if (b.length < len) throw new H5Error(`read of ${len} bytes at ${addr} runs past the file`);
    return b;
  }

  rootHeader(sb: number): number {
    const b = this.src.read(sb, 128);
    const version = b[8] as number;
    if (version === 0 || version === 1) {
      this.offSize = b[13] as number;
      this.lenSize = b[14] as number;
      const baseAt = version === 0 ? 24 : 28;
      this.base = this.num(b, baseAt, this.offSize);
      // base, free-space, EOF, driver addresses, then the root symbol table entry.
      const entry = baseAt + 4 * this.offSize;
      return this.num(b, entry + this.offSize, this.offSize);
    }
    if (version === 2 || version === 3) {
      this.offSize = b[9] as number;
      this.lenSize = b[10] as number;
      this.base = this.num(b, 12, this.offSize);
      return this.num(b, 12 + 3 * this.offSize, this.offSize);
    }
    throw new H5Error(`superblock version ${version} is not supported`);
  }

  /** Every message of an object header (both versions), following continuation blocks. */
  messages(addr: number): { type: number; flags: number; data: Uint8Array }[] {
    const out: { type: number; flags: number; data: Uint8Array }[] = [];
    const head = this.read(addr, 16);
    const blocks: { start: number; len: number; v2: boolean }[] = [];
    let v2 = false;
    let creationOrder = false;
    if (ascii(head, 0, 4) === "OHDR") {
      v2 = true;
      const flags = head[5] as number;
      creationOrder = (flags & 0x04) !== 0;
      let p = 6;
      if (flags & 0x20) p += 16;
      if (flags & 0x10) p += 4;
      const sizeBytes = 1 << (flags & 3);
      const hdr = this.read(addr, p + sizeBytes);
      const chunk = this.num(hdr, p, sizeBytes);
      blocks.push({ start: addr + p + sizeBytes, len: chunk, v2 });
    } else if (head[0] === 1) {
      blocks.push({ start: addr + 16, len: u32(head, 8), v2 });
    } else throw new H5Error(`object header at ${addr} has unknown version ${head[0]}`);
    for (let bi = 0; bi < blocks.length && bi < 256; bi++) {
      const blk = blocks[bi] as { start: number; len: number; v2: boolean };
      if (blk.len > 64 * 1024 * 1024) throw new H5Error("object header block larger than 64 MiB");
      const data = this.read(blk.start, blk.len);
      let p = 0;
      while (p + (v2 ? 4 : 8) <= data.length && out.length < 100_000) {
        let type: number, size: number, flags: number;
        if (v2) {
          type = data[p] as number;
          size = u16(data, p + 1);
          flags = data[p + 3] as number;
          p += 4 + (creationOrder ? 2 : 0);
        } else {
          type = u16(data, p);
          size = u16(data, p + 2);
          flags = data[p + 4] as number;
          p += 8;
        }
        if (p + size > data.length) break;
        const body = data.subarray(p, p + size);
        p += size;
        if (type === MSG_CONTINUATION) {
          const at = this.num(body, 0, this.offSize);
          const len = this.num(body, this.offSize, this.lenSize);
          // v2 continuation blocks: "OCHK" signature first, 4-byte checksum last.
          blocks.push(v2 ? { start: at + 4, len: len - 8, v2 } : { start: at, len, v2 });
        } else out.push({ type, flags, data: body });
      }
    }
    return out;
  }

  attribute(msg: { flags: number; data: Uint8Array }): Attr | undefined {
    const b = msg.data;
    const version = b[0] as number;
    const flags = b[1] as number;
    const nameSize = u16(b, 2);
    const dtSize = u16(b, 4);
    const dsSize = u16(b, 6);
    let p = version === 3 ? 9 : 8;
    const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    const name = ascii(b, p, p + nameSize).replace(/\0+$/, "");
    p += pad(nameSize);
    const dt = b.subarray(p, p + dtSize);
    p += pad(dtSize);
    const ds = b.subarray(p, p + dsSize);
    p += pad(dsSize);
    if (version >= 2 && flags & 0x3) {
      this.notes.push(`attribute ${name} uses a shared datatype or dataspace`);
      return { name };
    }
    const cls = (dt[0] as number) & 0x0f;
    const elemSize = u32(dt, 4);
    const count = this.elements(ds);
    if (count !== 1) return { name };
    if (cls === 3) {
      return { name, value: new TextDecoder().decode(b.subarray(p, p + elemSize)).replace(/\0+$/, "") };
    }
    if (cls === 9 && (((dt[1] as number) & 0x0f) === 1 || ((dt[1] as number) & 0x0f) === 0)) {
      const len = u32(b, p);
      const heap = this.num(b, p + 4, this.offSize);
      const index = u32(b, p + 4 + this.offSize);
      return { name, value: this.globalHeap(heap, index, len) };
    }
    return { name };
  }

  elements(ds: Uint8Array): number {
    const version = ds[0] as number;
    const rank = ds[1] as number;
    if (version === 2 && ds[3] === 2) return 0;
    const start = version === 1 ? 8 : 4;
    let n = 1;
    for (let i = 0; i < rank; i++) n *= this.num(ds, start + i * this.lenSize, this.lenSize);
    return n;
  }

  globalHeap(addr: number, index: number, len: number): string {
    const head = this.read(addr, 8 + this.lenSize);
    if (ascii(head, 0, 4) !== "GCOL") throw new H5Error(`no global heap collection at ${addr}`);
    const size = this.num(head, 8, this.lenSize);
    if (size > 256 * 1024 * 1024) throw new H5Error("global heap collection larger than 256 MiB");
    const coll = this.read(addr, size);
    let p = 8 + this.lenSize;
    while (p + 8 + this.lenSize <= coll.length) {
      const idx = u16(coll, p);
      const objSize = this.num(coll, p + 8, this.lenSize);
      if (idx === 0) break;
      const dataStart = p + 8 + this.lenSize;
      if (idx === index)
        return new TextDecoder().decode(coll.subarray(dataStart, dataStart + Math.min(len, objSize)));
      p = dataStart + Math.ceil(objSize / 8) * 8;
    }
    throw new H5Error(`global heap object ${index} not found`);
  }
}

export function scanHdf5(ctx: ScanContext, node: ScanNode, report: FileReport): void {
  report.format = "hdf5";
  const src = node.source;
  const sb = findHdf5(src);
  const found: Finding[] = [];
  let structured = false;
  try {
    const h5 = new H5(src);
    const root = h5.rootHeader(sb);
    for (const msg of h5.messages(root)) {
      if (msg.type === MSG_ATTRIBUTE_INFO)
        h5.notes.push("root group keeps attributes in dense storage (not read)");
      if (msg.type !== MSG_ATTRIBUTE) continue;
      const attr = h5.attribute(msg);
      if (!attr || attr.value === undefined) continue;
      if (attr.name === "model_config" || attr.name === "training_config") {
        structured = true;
        report.format = "keras-h5";
        try {
          found.push(...checkKerasConfig(JSON.parse(attr.value), 0, `attribute ${attr.name}`));
        } catch {
          found.push(finding("invalid-keras-config", "medium", 0, `attribute ${attr.name} is not JSON`));
        }
      }
    }
    if (h5.notes.length) report.findings.push(finding("hdf5-not-covered", "low", sb, h5.notes.join("; ")));
  } catch (e) {
    if (!(e instanceof H5Error)) throw e;
    report.findings.push(
      finding(
        "hdf5-not-covered",
        "low",
        sb,
        `HDF5 structure not fully read (${e.message}); searched the raw bytes instead`,
      ),
    );
  }
  // Second opinion over the raw bytes (bounded): configs stored where the reader did not look.
  const raw = src.read(0, Math.min(src.size, ctx.limits.maxJsonBytes * 4));
  for (const obj of findConfigObjects(raw, ctx.limits.maxJsonBytes)) {
    for (const f of checkKerasConfig(obj.value, obj.offset, `JSON config at byte ${obj.offset}`)) {
      if (
        !found.some(
          (g) =>
            g.kind === f.kind &&
            g.detail.split(": ").slice(1).join(": ") === f.detail.split(": ").slice(1).join(": "),
        )
      ) {
        found.push(f);
      }
    }
    if (!structured) report.format = "keras-h5";
  }
  report.findings.push(...found);
}
