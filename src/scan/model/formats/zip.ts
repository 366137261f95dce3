/**
 * ZIP archives (PyTorch checkpoints, .npz, .keras), read the way the most permissive loader
 * reads them (PKWARE APPNOTE 6.3.x). PyTorch's reader (miniz) trusts the central directory,
 * ignores CRCs and most flag bits; Python's zipfile refuses some of the same files; streaming
 * readers follow local headers. Scanners that read with the strictest of these were bypassed
 * (picklescan: flag bits 0x1/0x20/0x40, bad CRCs, central directory names that differ from the
 * local header). So: every central-directory entry is read through its local header with the
 * central sizes, every local header is walked as well (entries missing from the directory are
 * scanned too), flag bits and CRCs never stop a read, and every member is scanned by content.
 */
import { inflateRawSync } from "node:zlib";
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { BufferSource, SliceSource, u16, u32, u64, type Source } from "../source.js";
import type { FileReport, Finding } from "../types.js";

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const DESCRIPTOR = 0x08074b50;

/** EOCD is 22 bytes plus a comment of at most 65535 bytes (APPNOTE 4.3.16). */
const EOCD_SEARCH = 22 + 65_535;

export interface ZipEntry {
  name: string;
  localName?: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  headerOffset: number;
  dataOffset: number;
  fromCentral: boolean;
}

/** Finds the end-of-central-directory record: the last signature within the comment window. */
function findEocd(src: Source): number {
  const from = Math.max(0, src.size - EOCD_SEARCH);
  const tail = src.read(from, src.size - from);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06)
      return from + i;
  }
  return -1;
}

export function looksLikeZip(src: Source): boolean {
  const head = src.read(0, 4);
  if (head.length === 4 && u32(head, 0) === LOCAL) return true;
  return findEocd(src) >= 0;
}

interface Directory {
  entries: ZipEntry[];
  cdStart: number;
  findings: Finding[];
  /** Bytes before the archive (self-extractors, polyglots): added to every stored offset. */
  bias: number;
}

function readCentral(src: Source, maxMembers: number): Directory {
  const findings: Finding[] = [];
  const eocd = findEocd(src);
  if (eocd < 0) return { entries: [], cdStart: src.size, findings, bias: 0 };
  const e = src.read(eocd, 22);
  let count = u16(e, 10);
  let cdSize = u32(e, 12);
  let cdOffset = u32(e, 16);
  let eocdStart = eocd;
  // ZIP64 (APPNOTE 4.3.14/4.3.15): PyTorch writes these for every archive.
  const loc = src.read(eocd - 20, 20);
  if (eocd >= 20 && loc.length === 20 && u32(loc, 0) === EOCD64_LOCATOR) {
    const at = u64(loc, 8);
    const z = src.read(at, 56);
    if (z.length === 56 && u32(z, 0) === EOCD64) {
      count = u64(z, 32);
      cdSize = u64(z, 40);
      cdOffset = u64(z, 48);
      eocdStart = at;
    }
  }
  // Python's zipfile: data prepended to the archive shifts every offset by the same amount.
  let bias = eocdStart - cdSize - cdOffset;
  if (!Number.isFinite(bias) || bias < 0) bias = 0;
  let pos = cdOffset + bias;
  if (u32(src.read(pos, 4), 0) !== CENTRAL && u32(src.read(cdOffset, 4), 0) === CENTRAL) {
    pos = cdOffset;
    bias = 0;
  }
  if (bias > 0) findings.push(finding("zip-prefix", "low", 0, `${bias} bytes precede the archive`));
  const entries: ZipEntry[] = [];
  const cdStart = pos;
  while (
    entries.length < Math.min(count, maxMembers) ||
    (entries.length < maxMembers && u32(src.read(pos, 4), 0) === CENTRAL)
  ) {
    const h = src.read(pos, 46);
    if (h.length < 46 || u32(h, 0) !== CENTRAL) break;
    const nameLen = u16(h, 28);
    const extraLen = u16(h, 30);
    const commentLen = u16(h, 32);
    const rest = src.read(pos + 46, nameLen + extraLen);
    const name = new TextDecoder().decode(rest.subarray(0, nameLen));
    let compressedSize = u32(h, 20);
    let size = u32(h, 24);
    let headerOffset = u32(h, 42);
    // ZIP64 extended information extra field (0x0001): only the fields that overflowed are present.
    const extra = rest.subarray(nameLen);
    for (let i = 0; i + 4 <= extra.length;) {
      const id = u16(extra, i);
      const len = u16(extra, i + 2);
      if (id === 0x0001) {
        let j = i + 4;
        if (size === 0xffffffff && j + 8 <= i + 4 + len) {
          size = u64(extra, j);
          j += 8;
        }
        if (compressedSize === 0xffffffff && j + 8 <= i + 4 + len) {
          compressedSize = u64(extra, j);
          j += 8;
        }
        if (headerOffset === 0xffffffff && j + 8 <= i + 4 + len) headerOffset = u64(extra, j);
      }
      i += 4 + len;
    }
    entries.push({
      name,
      method: u16(h, 10),
      flags: u16(h, 8),
      compressedSize,
      size,
      headerOffset: headerOffset + bias,
      dataOffset: -1,
      fromCentral: true,
    });
    pos += 46 + nameLen + extraLen + commentLen;
  }
  if (entries.length >= maxMembers) {
    findings.push(
      finding("member-limit", "medium", cdStart, `more than ${maxMembers} members; the rest are not scanned`),
    );
  }
  return { entries, cdStart, findings, bias };
}

interface Local {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  dataOffset: number;
}

function readLocal(src: Source, at: number): Local | undefined {
  const h = src.read(at, 30);
  if (h.length < 30 || u32(h, 0) !== LOCAL) return undefined;
  const nameLen = u16(h, 26);
  const extraLen = u16(h, 28);
  const rest = src.read(at + 30, nameLen + extraLen);
  let compressedSize = u32(h, 18);
  let size = u32(h, 22);
  const extra = rest.subarray(nameLen);
  for (let i = 0; i + 4 <= extra.length;) {
    const id = u16(extra, i);
    const len = u16(extra, i + 2);
    if (id === 0x0001 && len >= 16) {
      size = u64(extra, i + 4);
      compressedSize = u64(extra, i + 12);
    }
    i += 4 + len;
  }
  return {
    name: new TextDecoder().decode(rest.subarray(0, nameLen)),
    flags: u16(h, 6),
    method: u16(h, 8),
    compressedSize,
    size,
    dataOffset: at + 30 + nameLen + extraLen,
  };
}

/** Lists every member reachable through the central directory or by walking local headers. */
export function listZip(src: Source, maxMembers: number): { entries: ZipEntry[]; findings: Finding[] } {
  const dir = readCentral(src, maxMembers);
  const findings = [...dir.findings];
  const byOffset = new Map<number, ZipEntry>();
  const names = new Set<string>();
  for (const e of dir.entries) {
    const local = readLocal(src, e.headerOffset);
    if (!local) {
      findings.push(
        finding(
          "zip-bad-local-header",
          "medium",
          e.headerOffset,
          `central entry ${JSON.stringify(e.name)} points at no local header`,
        ),
      );
      continue;
    }
    e.dataOffset = local.dataOffset;
    e.localName = local.name;
    if (local.name !== e.name) {
      findings.push(
        finding(
          "zip-name-mismatch",
          "medium",
          e.headerOffset,
          `central directory names ${JSON.stringify(e.name)} but the local header names ${JSON.stringify(local.name)}: readers disagree on which member this is`,
        ),
      );
    }
    if (names.has(e.name)) {
      findings.push(
        finding(
          "zip-duplicate-name",
          "medium",
          e.headerOffset,
          `duplicate member name ${JSON.stringify(e.name)}: readers pick different copies`,
        ),
      );
    }
    names.add(e.name);
    if (e.flags & 0x1)
      findings.push(
        finding(
          "zip-flags",
          "low",
          e.headerOffset,
          `${e.name}: encryption flag set; read as PyTorch does (flag ignored)`,
        ),
      );
    byOffset.set(e.headerOffset, e);
  }
  // Walk local headers from the start (streaming readers see these; the directory may omit some).
  let pos = dir.bias;
  const entries = [...byOffset.values()];
  for (let n = 0; n < maxMembers && pos < dir.cdStart; n++) {
    const known = byOffset.get(pos);
    const local = readLocal(src, pos);
    if (!local) break;
    let dataEnd: number;
    if (known) {
      dataEnd = local.dataOffset + known.compressedSize;
    } else {
      let csize = local.compressedSize;
      if ((local.flags & 0x8) !== 0 && csize === 0) {
        // Sizes follow the data: find the next signature.
        const window = src.read(local.dataOffset, Math.min(64 * 1024 * 1024, dir.cdStart - local.dataOffset));
        let next = window.length;
        for (let i = 0; i + 4 <= window.length; i++) {
          if (window[i] !== 0x50 || window[i + 1] !== 0x4b) continue;
          const sig = u32(window, i);
          if (sig === LOCAL || sig === CENTRAL || sig === DESCRIPTOR || sig === EOCD) {
            next = i;
            break;
          }
        }
        csize = next;
      }
      const entry: ZipEntry = {
        name: local.name,
        localName: local.name,
        method: local.method,
        flags: local.flags,
        compressedSize: csize,
        size: local.size,
        headerOffset: pos,
        dataOffset: local.dataOffset,
        fromCentral: false,
      };
      if (dir.entries.length > 0) {
        findings.push(
          finding(
            "zip-hidden-entry",
            "medium",
            pos,
            `local entry ${JSON.stringify(local.name)} is not in the central directory: streaming readers see it, directory readers do not`,
          ),
        );
      }
      entries.push(entry);
      dataEnd = local.dataOffset + csize;
    }
    pos = dataEnd;
    // Optional data descriptor (APPNOTE 4.3.9), with or without its signature.
    const d = src.read(pos, 4);
    if (d.length === 4 && u32(d, 0) === DESCRIPTOR) {
      const zip64 = known ? known.compressedSize >= 0xffffffff || known.size >= 0xffffffff : false;
      pos += zip64 ? 24 : 16;
    } else if ((local.flags & 0x8) !== 0 && d.length === 4 && u32(d, 0) !== LOCAL) {
      pos += 12;
    }
  }
  return { entries, findings };
}

/** Reads one member's bytes as PyTorch would (stored or deflate); other methods are reported. */
export function memberSource(
  ctx: ScanContext,
  src: Source,
  e: ZipEntry,
): { source?: Source; finding?: Finding } {
  if (e.dataOffset < 0) return {};
  if (e.method === 0) return { source: new SliceSource(src, e.dataOffset, e.compressedSize) };
  if (e.method === 8) {
    const budget = ctx.limits.maxExpandedBytes - ctx.expanded;
    if (budget <= 0) {
      return {
        finding: finding(
          "expansion-limit",
          "medium",
          e.headerOffset,
          `${e.name}: not decompressed, the ${ctx.limits.maxExpandedBytes}-byte expansion budget is spent (zip bomb?)`,
        ),
      };
    }
    const compressed = src.read(e.dataOffset, Math.min(e.compressedSize, src.size - e.dataOffset));
    try {
      const out = inflateRawSync(compressed, { maxOutputLength: Math.min(budget, 2 ** 31 - 1) });
      ctx.expanded += out.length;
      return { source: new BufferSource(new Uint8Array(out.buffer, out.byteOffset, out.length)) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        ctx.expanded = ctx.limits.maxExpandedBytes;
        return {
          finding: finding(
            "expansion-limit",
            "medium",
            e.headerOffset,
            `${e.name}: expands beyond the ${ctx.limits.maxExpandedBytes}-byte budget (zip bomb?); not scanned`,
          ),
        };
      }
      return {
        finding: finding(
          "zip-bad-data",
          "low",
          e.headerOffset,
          `${e.name}: deflate data does not decompress (${(err as Error).message}); loaders fail on it too`,
        ),
      };
    }
  }
  return {
    finding: finding(
      "zip-unsupported-method",
      "medium",
      e.headerOffset,
      `${e.name}: compression method ${e.method} is not supported by this scanner; PyTorch cannot read it, but Python's zipfile (numpy.load) can`,
    ),
  };
}

/** Scans every member of a zip archive as its own node; returns the archive's own findings. */
export function scanZip(ctx: ScanContext, node: ScanNode, report: FileReport): FileReport[] {
  const { entries, findings } = listZip(node.source, ctx.limits.maxMembers);
  report.findings.push(...findings);
  const names = entries.map((e) => e.name);
  if (names.some((n) => n.endsWith("data.pkl"))) report.format = "pytorch-zip";
  else if (
    names.some((n) => n === "config.json") &&
    names.some((n) => n.endsWith(".h5") || n === "metadata.json")
  )
    report.format = "keras";
  else if (names.length > 0 && names.every((n) => n.endsWith(".npy"))) report.format = "npz";
  else report.format = "zip";
  const children: FileReport[] = [];
  if (node.depth + 1 > ctx.limits.maxDepth) {
    report.findings.push(
      finding(
        "depth-limit",
        "medium",
        0,
        `archive nested deeper than ${ctx.limits.maxDepth}; members not scanned`,
      ),
    );
    return children;
  }
  for (const e of entries) {
    if (e.name.endsWith("/") && e.compressedSize === 0) continue;
    const { source, finding: f } = memberSource(ctx, node.source, e);
    if (f) report.findings.push(f);
    if (!source) continue;
    const base = e.name.split("/").pop() ?? e.name;
    const child = ctx.scanChild({
      path: `${node.path}:${e.name}`,
      name: base,
      source,
      depth: node.depth + 1,
      explicit: false,
      ...(node.dir ? { dir: node.dir } : {}),
    });
    if (child) children.push(child);
  }
  return children;
}
