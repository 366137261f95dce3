/**
 * GGUF (ggml docs/gguf.md): magic `GGUF`, version, tensor count, metadata count, typed key/value
 * metadata, tensor infos, alignment padding, tensor data. Loaders written in C have had integer
 * overflows and out-of-bounds reads from counts and lengths taken on trust (CVE-2024-25664…25668),
 * so every count and length is checked against the bytes that remain before it is used, and
 * tensors must lie inside the file without overlapping. Chat templates are checked as code.
 */
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { u32, u64 } from "../source.js";
import type { FileReport } from "../types.js";
import { checkChatTemplate } from "./jinja.js";

/** GGML_MAX_DIMS and GGML_MAX_NAME in ggml.h. */
const MAX_DIMS = 4;
const MAX_NAME = 64;
const DEFAULT_ALIGNMENT = 32;

/** Value type ids (gguf.md "gguf_metadata_value_type") and their fixed sizes; 8 string, 9 array. */
const FIXED: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** ggml_type → [bytes per block, elements per block] (ggml.c type_traits) for the sizes this checks. */
const GGML_TYPES: Readonly<Record<number, [number, number]>> = {
  0: [4, 1],
  1: [2, 1],
  2: [18, 32],
  3: [20, 32],
  6: [22, 32],
  7: [24, 32],
  8: [34, 32],
  9: [36, 32],
  10: [84, 256],
  11: [110, 256],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
  15: [292, 256],
  16: [66, 256],
  17: [74, 256],
  18: [98, 256],
  19: [50, 256],
  20: [18, 32],
  21: [110, 256],
  22: [82, 256],
  23: [136, 256],
  24: [1, 1],
  25: [2, 1],
  26: [4, 1],
  27: [8, 1],
  28: [8, 1],
  29: [56, 256],
  30: [2, 1],
};
/** Ids ggml has assigned (some retired); anything above is unknown. */
const GGML_TYPE_MAX = 40;

class Eof extends Error {}

export function isGguf(head: Uint8Array): boolean {
  return head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

export function scanGguf(ctx: ScanContext, node: ScanNode, report: FileReport): void {
  report.format = "gguf";
  const src = node.source;
  const bytes = src.read(0, Math.min(src.size, ctx.limits.maxJsonBytes * 4));
  const bad = (offset: number, detail: string) =>
    report.findings.push(finding("invalid-gguf", "medium", offset, detail));
  let pos = 4;
  const need = (n: number) => {
    if (!Number.isFinite(n) || n < 0 || pos + n > bytes.length)
      throw new Eof(`needs ${n} bytes at ${pos}, ${bytes.length - pos} remain`);
  };
  if (bytes.length < 8) return void bad(0, `shorter than the 8-byte GGUF header (${bytes.length} bytes)`);
  const version = u32(bytes, pos);
  pos += 4;
  if (version < 1 || version > 3) return void bad(4, `unsupported GGUF version ${version}`);
  const wide = version >= 2;
  const count = (): number => {
    need(wide ? 8 : 4);
    const v = wide ? u64(bytes, pos) : u32(bytes, pos);
    pos += wide ? 8 : 4;
    return v;
  };
  const str = (max = Infinity): string => {
    const at = pos;
    const n = count();
    if (n > max) throw new Eof(`string of ${n} bytes at ${at} is longer than ${max}`);
    need(n);
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const value = (type: number, depth: number): unknown => {
    if (type in FIXED) {
      const size = FIXED[type] as number;
      need(size);
      const v = type === 4 ? u32(bytes, pos) : type === 7 ? bytes[pos] : undefined;
      pos += size;
      return v;
    }
    if (type === 8) return str();
    if (type === 9) {
      need(4);
      const inner = u32(bytes, pos);
      pos += 4;
      const n = count();
      if (depth > 4) throw new Eof("arrays nested deeper than 4");
      if (inner in FIXED) {
        need(n * (FIXED[inner] as number));
        pos += n * (FIXED[inner] as number);
        return undefined;
      }
      if (inner !== 8 && inner !== 9) throw new Eof(`array of unknown value type ${inner}`);
      if (n > bytes.length - pos) throw new Eof(`array count ${n} exceeds the bytes left`);
      for (let i = 0; i < n; i++) value(inner, depth + 1);
      return undefined;
    }
    throw new Eof(`unknown metadata value type ${type}`);
  };
  try {
    const tensorCount = count();
    const kvCount = count();
    if (tensorCount > src.size / 8 || kvCount > src.size / 8)
      return void bad(8, `counts (${tensorCount} tensors, ${kvCount} keys) cannot fit in ${src.size} bytes`);
    let alignment = DEFAULT_ALIGNMENT;
    const keys = new Set<string>();
    for (let i = 0; i < kvCount; i++) {
      const at = pos;
      const key = str(65_535);
      if (keys.has(key)) bad(at, `duplicate metadata key ${JSON.stringify(key)}`);
      keys.add(key);
      need(4);
      const type = u32(bytes, pos);
      pos += 4;
      const v = value(type, 0);
      if (key === "general.alignment") {
        if (type !== 4 || typeof v !== "number" || v === 0 || (v & (v - 1)) !== 0)
          bad(at, "general.alignment must be a non-zero power of two (uint32)");
        else alignment = v;
      }
      if (key === "tokenizer.chat_template" || key.startsWith("tokenizer.chat_template.")) {
        if (typeof v !== "string") bad(at, `${key} is not a string`);
        else {
          for (const issue of checkChatTemplate(v)) {
            report.findings.push(
              finding("chat-template-code", issue.severity, at, `${key}: ${issue.detail}`),
            );
          }
        }
      }
    }
    const tensors: { name: string; offset: number; size: number | undefined; at: number }[] = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const at = pos;
      const name = str(1 << 20);
      if (new TextEncoder().encode(name).length >= MAX_NAME)
        bad(at, `tensor name of ${name.length} characters exceeds GGML_MAX_NAME (${MAX_NAME})`);
      if (names.has(name)) bad(at, `duplicate tensor name ${JSON.stringify(name.slice(0, 64))}`);
      names.add(name);
      need(4);
      const nDims = u32(bytes, pos);
      pos += 4;
      if (nDims > MAX_DIMS)
        throw new Eof(
          `tensor ${JSON.stringify(name.slice(0, 64))} has ${nDims} dimensions (max ${MAX_DIMS})`,
        );
      need(8 * nDims + 12);
      let elems = BigInt(1);
      for (let d = 0; d < nDims; d++) {
        elems *= BigInt(u64(bytes, pos) === Infinity ? Number.MAX_SAFE_INTEGER : u64(bytes, pos));
        pos += 8;
      }
      const type = u32(bytes, pos);
      const offset = u64(bytes, pos + 4);
      pos += 12;
      if (type > GGML_TYPE_MAX)
        bad(at, `tensor ${JSON.stringify(name.slice(0, 64))} has unknown ggml type ${type}`);
      if (offset % alignment !== 0)
        bad(
          at,
          `tensor ${JSON.stringify(name.slice(0, 64))} offset ${offset} is not aligned to ${alignment}`,
        );
      const traits = GGML_TYPES[type];
      let size: number | undefined;
      if (traits) {
        const [blockBytes, blockElems] = traits;
        if (elems % BigInt(blockElems) !== BigInt(0))
          bad(
            at,
            `tensor ${JSON.stringify(name.slice(0, 64))}: ${elems} elements is not a whole number of ${blockElems}-element blocks`,
          );
        const total = (elems / BigInt(blockElems)) * BigInt(blockBytes);
        size = total > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(total);
      }
      tensors.push({ name, offset, size, at });
    }
    const dataStart = Math.ceil(pos / alignment) * alignment;
    const dataLen = src.size - dataStart;
    tensors.sort((a, b) => a.offset - b.offset);
    let end = 0;
    for (const t of tensors) {
      if (t.offset < end)
        bad(t.at, `tensor ${JSON.stringify(t.name.slice(0, 64))} overlaps the tensor before it`);
      if (t.size !== undefined) {
        if (t.offset + t.size > dataLen)
          bad(
            t.at,
            `tensor ${JSON.stringify(t.name.slice(0, 64))} (${t.size} bytes at ${t.offset}) runs past the end of the data`,
          );
        end = Math.max(end, t.offset + t.size);
      } else end = Math.max(end, t.offset + 1);
    }
  } catch (e) {
    if (!(e instanceof Eof)) throw e;
    bad(pos, `malformed: ${e.message}`);
  }
}
