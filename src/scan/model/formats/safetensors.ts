/**
 * safetensors (huggingface/safetensors, docs "Format"): an 8-byte little-endian header size N,
 * N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
 * {str: str}}`, then the byte buffer. The format runs no code; what can go wrong is a parser
 * trusting the header: sizes past the file, overlapping tensors, holes that carry hidden bytes.
 * The reference loader rejects all of these, and so does this check (verdict `invalid`).
 */
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { u64 } from "../source.js";
import type { FileReport } from "../types.js";

/** Bits per element of each dtype the reference implementation accepts. */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  I64: 64,
  U64: 64,
  F64: 64,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
};

/** The reference implementation's header size cap (100 MB). */
const MAX_HEADER = 100_000_000;

/** True when the first 9 bytes look like a safetensors header start. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = u64(head, 0);
  return n >= 2 && n + 8 <= size && head[8] === 0x7b;
}

export function scanSafetensors(ctx: ScanContext, node: ScanNode, report: FileReport): void {
  report.format = "safetensors";
  const src = node.source;
  const bad = (offset: number, detail: string) =>
    report.findings.push(finding("invalid-safetensors", "medium", offset, detail));
  if (src.size < 8) return void bad(0, "shorter than the 8-byte header size");
  const n = u64(src.read(0, 8), 0);
  if (n > MAX_HEADER || n > ctx.limits.maxJsonBytes)
    return void bad(0, `header size ${n} exceeds the 100 MB limit`);
  if (n + 8 > src.size)
    return void bad(0, `header size ${n} runs past the end of the file (${src.size} bytes)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(src.read(8, n));
  } catch {
    return void bad(8, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) return void bad(8, "header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return void bad(8, `header is not JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    return void bad(8, "header is not a JSON object");
  const dataLen = src.size - 8 - n;
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (
        typeof value !== "object" ||
        value === null ||
        Array.isArray(value) ||
        !Object.values(value).every((v) => typeof v === "string")
      ) {
        bad(8, "__metadata__ must map strings to strings");
      }
      continue;
    }
    const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== "object" || t === null) {
      bad(8, `${JSON.stringify(name)} is not a tensor description`);
      continue;
    }
    const bits = typeof t.dtype === "string" ? DTYPE_BITS[t.dtype] : undefined;
    if (bits === undefined) bad(8, `${JSON.stringify(name)}: unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(8, `${JSON.stringify(name)}: shape must be a list of non-negative integers`);
      continue;
    }
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(8, `${JSON.stringify(name)}: data_offsets must be [begin, end]`);
      continue;
    }
    const [begin, end] = off as [number, number];
    if (begin > end) bad(8, `${JSON.stringify(name)}: data_offsets begin ${begin} > end ${end}`);
    if (end > dataLen)
      bad(8, `${JSON.stringify(name)}: data_offsets end ${end} is past the data (${dataLen} bytes)`);
    if (bits !== undefined) {
      const elems = (t.shape as number[]).reduce((a, d) => a * BigInt(d), BigInt(1));
      const bitsTotal = elems * BigInt(bits);
      if (bitsTotal % BigInt(8) !== BigInt(0) || bitsTotal / BigInt(8) !== BigInt(end - begin)) {
        bad(
          8,
          `${JSON.stringify(name)}: ${end - begin} bytes do not match shape [${(t.shape as number[]).join(", ")}] of ${t.dtype as string}`,
        );
      }
    }
    spans.push({ name, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin < cursor) bad(8 + n + s.begin, `${JSON.stringify(s.name)} overlaps the tensor before it`);
    else if (s.begin > cursor)
      bad(
        8 + n + cursor,
        `${s.begin - cursor} bytes before ${JSON.stringify(s.name)} belong to no tensor (the buffer must be fully indexed)`,
      );
    cursor = Math.max(cursor, s.end);
  }
  if (cursor < dataLen)
    bad(8 + n + cursor, `${dataLen - cursor} bytes after the last tensor belong to no tensor`);
}
