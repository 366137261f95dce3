/**
 * Pickle streams as loaders read them: `pickle.load` reads one stream; legacy `torch.save` files
 * are several streams back to back (magic number, protocol version, system info, the object,
 * the storage keys) followed by raw storage bytes; joblib interleaves raw array bytes. Findings of
 * a stream that breaks off still count: the unpickler has already run every REDUCE before the
 * point where it fails.
 */
import { BufferSource } from "../source.js";
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { HIGHEST_PROTOCOL, simulatePickle, type PickleResult } from "../pickle/simulate.js";
import { isDottedIdentifier } from "../policy.js";
import type { Finding } from "../types.js";

/** torch/serialization.py MAGIC_NUMBER: the first pickle of every legacy (non-zip) torch.save file. */
const TORCH_MAGIC = BigInt("0x1950a86a20f9469cfc6c");

/** Bytes read before the first attempt to parse; grown ×16 while a stream needs more. */
const FIRST_WINDOW = 1024 * 1024;

/** Streams read back to back from one file (legacy torch.save writes five). */
const MAX_STREAMS = 16;

export interface PickleScan {
  /** Whether the bytes are a pickle at all (a stream completed, or a broken one imported something). */
  isPickle: boolean;
  format: "pickle" | "pytorch-legacy";
  findings: Finding[];
}

function looksImported(r: PickleResult): boolean {
  return r.globals.some((g) => isDottedIdentifier(g.module) && isDottedIdentifier(g.name));
}

/** Findings of a nested pickle (bytes inside a pickle that are themselves a pickle). */
function nestedFindings(ctx: ScanContext, r: PickleResult, depth: number): Finding[] {
  const out: Finding[] = [];
  if (depth >= ctx.limits.maxDepth) return out;
  for (const n of r.nested) {
    const inner = simulatePickle(n.data, 0);
    if (!inner.complete && !looksImported(inner)) continue;
    for (const f of [...inner.findings, ...nestedFindings(ctx, inner, depth + 1)]) {
      out.push({
        ...f,
        kind: f.kind,
        offset: n.offset + Math.max(0, f.offset),
        detail: `pickle inside a bytes value: ${f.detail}`,
      });
    }
  }
  return out;
}

/**
 * Scans the pickle stream(s) at the start of `node`. `expectPickle` says the caller knows the bytes
 * are meant to be a pickle (extension, or an .npy object array), so a stream that breaks off early
 * is `invalid` rather than "not a pickle".
 */
export function scanPickle(ctx: ScanContext, node: ScanNode, expectPickle: boolean, start = 0): PickleScan {
  const limit = ctx.limits.maxPickleBytes;
  const size = node.source.size;
  // Read a small window first and grow it only while a stream runs past it: most members that
  // start like a pickle by chance (raw tensor storages of gigabytes) fail within a few bytes.
  const full = Math.min(size, start + limit);
  let window = node.source.read(0, Math.min(full, start + FIRST_WINDOW));
  const findings: Finding[] = [];
  let format: PickleScan["format"] = "pickle";
  let pos = start;
  let isPickle = false;
  for (let stream = 0; stream < MAX_STREAMS && pos < window.length; stream++) {
    if (stream > 0 && !(window[pos] === 0x80 && (window[pos + 1] as number) <= HIGHEST_PROTOCOL)) break;
    let r = simulatePickle(window, pos, { joblib: true });
    while (!r.complete && window.length < full && r.error?.message.includes("truncated")) {
      window = node.source.read(0, Math.min(full, window.length * 16));
      r = simulatePickle(window, pos, { joblib: true });
    }
    const imported = looksImported(r);
    const real = r.complete || imported || (stream === 0 && expectPickle);
    if (!real) break;
    isPickle = true;
    if (stream === 0 && r.value?.t === "int" && BigInt(r.value.v) === TORCH_MAGIC) format = "pytorch-legacy";
    findings.push(...r.findings, ...nestedFindings(ctx, r, node.depth + 1));
    if (!r.complete) {
      const err = r.error ?? { offset: r.end, message: "incomplete" };
      const cut = size > window.length && err.message.includes("truncated");
      if (cut) {
        findings.push(
          finding(
            "scan-limit",
            "medium",
            err.offset,
            `pickle longer than the ${limit}-byte scan limit; the rest is not scanned`,
          ),
        );
      } else if (stream === 0 || imported) {
        findings.push(
          finding("parse-error", "medium", err.offset, `not a valid pickle from here: ${err.message}`),
        );
      }
      break;
    }
    pos = r.end;
    // A legacy torch file continues with raw storage bytes after its five streams.
    if (format === "pytorch-legacy" && stream >= 4) break;
  }
  return { isPickle, format, findings };
}

/**
 * Looks for pickle streams inside bytes this scanner cannot unpack (7z, LZMA, raw tails): every
 * PROTO opcode that starts a stream which imports something is reported. Bounded attempts.
 */
export function carvePickles(bytes: Uint8Array, baseOffset: number, maxAttempts = 20_000): Finding[] {
  const out: Finding[] = [];
  let attempts = 0;
  for (let i = bytes.indexOf(0x80); i >= 0 && i < bytes.length - 2; i = bytes.indexOf(0x80, i + 1)) {
    if ((bytes[i + 1] as number) > HIGHEST_PROTOCOL || (bytes[i + 1] as number) < 2) continue;
    if (++attempts > maxAttempts) break;
    const r = simulatePickle(bytes, i);
    if (!looksImported(r)) continue;
    for (const f of r.findings) {
      out.push({
        ...f,
        offset: baseOffset + f.offset,
        detail: `embedded pickle at byte ${baseOffset + i}: ${f.detail}`,
      });
    }
    if (r.complete) i = r.end - 1;
  }
  return out;
}

export function scanPickleBytes(
  ctx: ScanContext,
  node: ScanNode,
  bytes: Uint8Array,
  expect: boolean,
): PickleScan {
  return scanPickle(ctx, { ...node, source: new BufferSource(bytes) }, expect);
}
