/**
 * NumPy .npy (numpy/lib/format.py, "NEP 1"): magic `\x93NUMPY`, version, a little-endian header
 * length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict literal with `descr`, `fortran_order` and
 * `shape`, then the data. An array whose dtype holds Python objects stores its data as a pickle,
 * which `numpy.load(allow_pickle=True)` unpickles: that pickle is scanned like any other.
 */
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { ascii, u16, u32 } from "../source.js";
import type { FileReport } from "../types.js";
import { scanPickle } from "./pickle.js";

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function isNpy(head: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => head[i] === b);
}

function itemSize(descr: string): number | undefined {
  const m = /^[<>|=]?([a-zA-Z?])(\d*)$/.exec(descr);
  if (!m) return undefined;
  const kind = m[1] as string;
  const n = m[2] ? Number(m[2]) : kind === "?" || kind === "b" || kind === "B" ? 1 : NaN;
  const size = kind === "U" ? n * 4 : n;
  return Number.isFinite(size) ? size : undefined;
}

export function scanNpy(ctx: ScanContext, node: ScanNode, report: FileReport): void {
  report.format = "npy";
  const src = node.source;
  const head = src.read(0, 12);
  const major = head[6] as number;
  if (head.length < 10 || major < 1 || major > 3) {
    report.findings.push(finding("invalid-npy", "medium", 6, `unsupported .npy version ${major}`));
    return;
  }
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? u16(head, 8) : u32(head, 8);
  const dataStart = 8 + lenBytes + hlen;
  if (dataStart > src.size || hlen > 1024 * 1024) {
    report.findings.push(finding("invalid-npy", "medium", 8, `header length ${hlen} runs past the file`));
    return;
  }
  const header = ascii(src.read(8 + lenBytes, hlen));
  const descrMatch = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[))/.exec(header);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrMatch || !shapeMatch || !/['"]fortran_order['"]\s*:\s*(True|False)/.test(header)) {
    report.findings.push(
      finding("invalid-npy", "medium", 8 + lenBytes, "header lacks descr, fortran_order or shape"),
    );
    return;
  }
  const structured = descrMatch[3] !== undefined;
  const descr = descrMatch[1] ?? descrMatch[2] ?? "";
  const hasObject = structured ? /['"][<>|=]?O\d*['"]/.test(header) : /^[<>|=]?O\d*$/.test(descr);
  if (hasObject) {
    report.format = "npy-object";
    const r = scanPickle(ctx, node, true, dataStart);
    for (const f of r.findings) report.findings.push({ ...f, detail: `object array pickle: ${f.detail}` });
    return;
  }
  if (structured) return;
  const dims = shapeMatch[1]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (!dims.every((d) => /^\d+L?$/.test(d))) {
    report.findings.push(
      finding("invalid-npy", "medium", 8 + lenBytes, `shape (${shapeMatch[1]}) is not a tuple of integers`),
    );
    return;
  }
  const size = itemSize(descr);
  if (size === undefined) {
    report.findings.push(
      finding("invalid-npy", "medium", 8 + lenBytes, `unknown dtype ${JSON.stringify(descr)}`),
    );
    return;
  }
  const count = dims.reduce((a, d) => a * BigInt(d.replace("L", "")), BigInt(1));
  const need = count * BigInt(size);
  const have = BigInt(src.size - dataStart);
  if (need > have) {
    report.findings.push(
      finding(
        "invalid-npy",
        "medium",
        dataStart,
        `shape and dtype need ${need} data bytes, the file has ${have}`,
      ),
    );
  } else if (need < have) {
    report.findings.push(
      finding("trailing-data", "low", dataStart + Number(need), `${have - need} bytes after the array data`),
    );
  }
}
