/**
 * Byte-level builders for the model-scanner tests: a pickle assembler and writers for ZIP, NumPy,
 * safetensors, GGUF, ONNX (protobuf), HDF5 and tar. Every fixture is built here from the format
 * specifications, so no exploit file is copied into the repository and nothing is ever loaded.
 */
import { crc32, deflateRawSync, gzipSync } from "node:zlib";

type Part = number | string | Uint8Array | readonly number[];

const enc = new TextEncoder();

/** Concatenates bytes, byte arrays and latin-1 strings. */
export function bytes(...parts: Part[]): Uint8Array {
  const chunks: Uint8Array[] = parts.map((p) =>
    typeof p === "number"
      ? Uint8Array.of(p)
      : typeof p === "string"
        ? Uint8Array.from([...p].map((c) => c.charCodeAt(0) & 0xff))
        : p instanceof Uint8Array
          ? p
          : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export function le(n: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt(n);
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & BigInt(0xff));
    v >>= BigInt(8);
  }
  return out;
}

/** The pickle opcodes used by the tests (names as in Lib/pickletools.py). */
export const P = {
  proto: (n: number) => bytes(0x80, n),
  frame: (n: number) => bytes(0x95, le(n, 8)),
  stop: ".",
  mark: "(",
  pop: "0",
  dup: "2",
  none: "N",
  global: (m: string, n: string) => bytes("c", enc.encode(`${m}\n${n}\n`)),
  inst: (m: string, n: string) => bytes("i", enc.encode(`${m}\n${n}\n`)),
  obj: "o",
  reduce: "R",
  build: "b",
  newobj: bytes(0x81),
  newobjEx: bytes(0x92),
  stackGlobal: bytes(0x93),
  memoize: bytes(0x94),
  put: (i: number) => `p${i}\n`,
  get: (i: number) => `g${i}\n`,
  binput: (i: number) => bytes(0x71, i),
  binget: (i: number) => bytes(0x68, i),
  longBinget: (i: number) => bytes(0x6a, le(i, 4)),
  /** SHORT_BINUNICODE */
  str: (s: string) => {
    const b = enc.encode(s);
    return bytes(0x8c, b.length, b);
  },
  /** BINUNICODE */
  binunicode: (s: string) => {
    const b = enc.encode(s);
    return bytes(0x58, le(b.length, 4), b);
  },
  /** UNICODE (raw-unicode-escape, newline-terminated) */
  unicode: (raw: string) => bytes("V", raw, "\n"),
  /** STRING (quoted, escape-decoded) */
  string: (quoted: string) => bytes("S", quoted, "\n"),
  shortBinstring: (s: string) => bytes(0x55, s.length, s),
  binbytes: (b: Uint8Array) => bytes(0x42, le(b.length, 4), b),
  shortBinbytes: (b: Uint8Array) => bytes(0x43, b.length, b),
  int: (n: number) => (n >= 0 && n < 256 ? bytes(0x4b, n) : bytes(0x4a, le(n, 4))),
  tuple: "t",
  tuple1: bytes(0x85),
  tuple2: bytes(0x86),
  tuple3: bytes(0x87),
  emptyTuple: ")",
  emptyDict: "}",
  emptyList: "]",
  setitem: "s",
  setitems: "u",
  append: "a",
  appends: "e",
  ext1: (n: number) => bytes(0x82, n),
  binpersid: "Q",
  newfalse: bytes(0x89),
  newtrue: bytes(0x88),
};

/** A call `module.name(arg)` in protocol 2 GLOBAL form. */
export function callPickle(module: string, name: string, arg = "x", proto = 2): Uint8Array {
  return bytes(P.proto(proto), P.global(module, name), P.binunicode(arg), P.tuple1, P.reduce, P.stop);
}

/** The pickle a protocol-2 torch.save writes for `{"w": tensor}` (structure only; storage by persistent id). */
export function torchStateDictPickle(): Uint8Array {
  return bytes(
    P.proto(2),
    P.global("collections", "OrderedDict"),
    P.binput(0),
    P.emptyTuple,
    P.reduce,
    P.binput(1),
    P.binunicode("w"),
    P.global("torch._utils", "_rebuild_tensor_v2"),
    P.mark,
    P.mark,
    P.binunicode("storage"),
    P.global("torch", "FloatStorage"),
    P.binunicode("0"),
    P.binunicode("cpu"),
    P.int(4),
    P.tuple,
    P.binpersid,
    P.int(0),
    P.int(2),
    P.int(2),
    P.tuple2,
    P.int(2),
    P.int(1),
    P.tuple2,
    P.newfalse,
    P.global("collections", "OrderedDict"),
    P.emptyTuple,
    P.reduce,
    P.tuple,
    P.reduce,
    P.setitem,
    P.stop,
  );
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  method?: 0 | 8;
  flags?: number;
  /** A different name in the local header (central-directory trick). */
  localName?: string;
  /** Write a wrong CRC. */
  badCrc?: boolean;
  /** Leave the member out of the central directory (only its local header exists). */
  hidden?: boolean;
}

/** A ZIP archive (APPNOTE 4.3): local headers, data, central directory, EOCD. */
export function zip(members: ZipMember[], prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = prefix.length;
  let count = 0;
  for (const m of members) {
    const method = m.method ?? 0;
    const body = method === 8 ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const crc = m.badCrc ? (crc32(m.data) ^ 0xdeadbeef) >>> 0 : crc32(m.data);
    const localName = enc.encode(m.localName ?? m.name);
    const name = enc.encode(m.name);
    const flags = m.flags ?? 0;
    const local = bytes(
      le(0x04034b50, 4),
      le(20, 2),
      le(flags, 2),
      le(method, 2),
      le(0, 4),
      le(crc, 4),
      le(body.length, 4),
      le(m.data.length, 4),
      le(localName.length, 2),
      le(0, 2),
      localName,
      body,
    );
    locals.push(local);
    if (!m.hidden) {
      centrals.push(
        bytes(
          le(0x02014b50, 4),
          le(20, 2),
          le(20, 2),
          le(flags, 2),
          le(method, 2),
          le(0, 4),
          le(crc, 4),
          le(body.length, 4),
          le(m.data.length, 4),
          le(name.length, 2),
          le(0, 2),
          le(0, 2),
          le(0, 2),
          le(0, 2),
          le(0, 4),
          le(offset - prefix.length, 4),
          name,
        ),
      );
      count++;
    }
    offset += local.length;
  }
  const cd = bytes(...centrals);
  const eocd = bytes(
    le(0x06054b50, 4),
    le(0, 2),
    le(0, 2),
    le(count, 2),
    le(count, 2),
    le(cd.length, 4),
    le(offset - prefix.length, 4),
    le(0, 2),
  );
  return bytes(prefix, ...locals, cd, eocd);
}

/** A .npy file (format version 1.0) with a Python dict-literal header padded to 64 bytes. */
export function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  return bytes(0x93, "NUMPY", 1, 0, le(header.length, 2), header, data);
}

/** A safetensors file from a header object and a data buffer. */
export function safetensors(header: unknown, data: Uint8Array): Uint8Array {
  const h = enc.encode(JSON.stringify(header));
  return bytes(le(h.length, 8), h, data);
}

export type GgufValue =
  { type: "u32"; v: number } | { type: "str"; v: string } | { type: "strs"; v: string[] };

function ggufString(s: string): Uint8Array {
  const b = enc.encode(s);
  return bytes(le(b.length, 8), b);
}

/** A GGUF v3 file with metadata and F32 tensors (`dims`, byte offset). */
export function gguf(
  meta: [string, GgufValue][],
  tensors: { name: string; dims: number[]; offset: number }[],
  dataBytes: number,
): Uint8Array {
  const kv = meta.map(([k, v]) =>
    v.type === "u32"
      ? bytes(ggufString(k), le(4, 4), le(v.v, 4))
      : v.type === "str"
        ? bytes(ggufString(k), le(8, 4), ggufString(v.v))
        : bytes(ggufString(k), le(9, 4), le(8, 4), le(v.v.length, 8), ...v.v.map(ggufString)),
  );
  const infos = tensors.map((t) =>
    bytes(
      ggufString(t.name),
      le(t.dims.length, 4),
      ...t.dims.map((d) => le(d, 8)),
      le(0, 4),
      le(t.offset, 8),
    ),
  );
  const head = bytes("GGUF", le(3, 4), le(tensors.length, 8), le(meta.length, 8), ...kv, ...infos);
  const pad = (32 - (head.length % 32)) % 32;
  return bytes(head, new Uint8Array(pad), new Uint8Array(dataBytes));
}

/** Protobuf wire-format helpers (field number, wire type). */
export const pb = {
  varint(n: number): Uint8Array {
    const out: number[] = [];
    let v = n;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      out.push(b);
    } while (v > 0);
    return Uint8Array.from(out);
  },
  field(num: number, value: number): Uint8Array {
    return bytes(pb.varint(num * 8), pb.varint(value));
  },
  bytesField(num: number, value: Uint8Array | string): Uint8Array {
    const b = typeof value === "string" ? enc.encode(value) : value;
    return bytes(pb.varint(num * 8 + 2), pb.varint(b.length), b);
  },
};

/** An ONNX TensorProto whose data lives in an external file. */
export function onnxExternalTensor(name: string, location: string): Uint8Array {
  return bytes(
    pb.field(1, 4),
    pb.field(2, 1),
    pb.bytesField(8, name),
    pb.bytesField(13, bytes(pb.bytesField(1, "location"), pb.bytesField(2, location))),
    pb.field(14, 1),
  );
}

/** An ONNX ModelProto with one graph holding the given initializers and nodes. */
export function onnxModel(initializers: Uint8Array[], nodes: Uint8Array[] = []): Uint8Array {
  const graph = bytes(
    ...nodes.map((n) => pb.bytesField(1, n)),
    pb.bytesField(2, "g"),
    ...initializers.map((t) => pb.bytesField(5, t)),
  );
  return bytes(pb.field(1, 8), pb.bytesField(2, "test"), pb.bytesField(7, graph));
}

/** An ONNX NodeProto (`If`) whose `then_branch` attribute holds a subgraph. */
export function onnxIfNode(subgraphInitializers: Uint8Array[]): Uint8Array {
  const sub = bytes(pb.bytesField(2, "then"), ...subgraphInitializers.map((t) => pb.bytesField(5, t)));
  const attr = bytes(pb.bytesField(1, "then_branch"), pb.bytesField(6, sub), pb.field(20, 5));
  return bytes(pb.bytesField(4, "If"), pb.bytesField(5, attr));
}

/**
 * A minimal HDF5 file: superblock version 0, a version-1 root object header with one
 * attribute message holding a fixed-length string (how Keras 2 writes `model_config`).
 */
export function hdf5WithAttribute(name: string, value: string): Uint8Array {
  const undef = new Uint8Array(8).fill(0xff);
  const superblock = bytes(
    0x89,
    "HDF\r\n",
    0x1a,
    "\n",
    0,
    0,
    0,
    0,
    0,
    8,
    8,
    0,
    le(4, 2),
    le(16, 2),
    le(0, 4),
    le(0, 8),
    undef,
    le(0, 8), // EOF address, patched below
    undef,
    le(0, 8),
    le(96, 8),
    le(0, 4),
    le(0, 4),
    new Uint8Array(16),
  );
  const pad8 = (b: Uint8Array) => bytes(b, new Uint8Array((8 - (b.length % 8)) % 8));
  const nameBytes = bytes(enc.encode(name), 0);
  const valueBytes = enc.encode(value);
  const datatype = bytes(0x13, 0, 0, 0, le(valueBytes.length, 4));
  const dataspace = bytes(1, 0, 0, 0, le(0, 4));
  const attr = pad8(
    bytes(
      1,
      0,
      le(nameBytes.length, 2),
      le(datatype.length, 2),
      le(dataspace.length, 2),
      pad8(nameBytes),
      pad8(datatype),
      pad8(dataspace),
      valueBytes,
    ),
  );
  const message = bytes(le(0x0c, 2), le(attr.length, 2), 0, 0, 0, 0, attr);
  const header = bytes(1, 0, le(1, 2), le(1, 4), le(message.length, 4), le(0, 4), message);
  const file = bytes(superblock, header);
  file.set(le(file.length, 8), 40);
  return file;
}

/** A ustar archive of regular files. */
export function tar(members: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const h = new Uint8Array(512);
    h.set(enc.encode(m.name), 0);
    h.set(enc.encode("0000644\0"), 100);
    h.set(enc.encode(m.data.length.toString(8).padStart(11, "0") + "\0"), 124);
    h[156] = 0x30;
    h.set(enc.encode("ustar\0" + "00"), 257);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    parts.push(h, m.data, new Uint8Array((512 - (m.data.length % 512)) % 512));
  }
  return bytes(...parts, new Uint8Array(1024));
}

export function gzip(data: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(data));
}

export { enc };
