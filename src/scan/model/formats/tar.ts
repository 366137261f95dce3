/**
 * POSIX tar (ustar/pax), the container of PyTorch's oldest format (`sys_info`, `pickle`,
 * `storages`, `tensors` members, each a run of pickles and raw bytes). Members are scanned by
 * content; the `storages` and `tensors` members are additionally searched for embedded pickle
 * streams because raw storage bytes sit between them.
 */
import { finding, type ScanContext, type ScanNode } from "../context.js";
import { SliceSource, ascii } from "../source.js";
import type { FileReport } from "../types.js";
import { carvePickles } from "./pickle.js";

export function isTar(head: Uint8Array): boolean {
  return head.length >= 262 && ascii(head, 257, 262) === "ustar";
}

function octal(b: Uint8Array, from: number, len: number): number {
  // GNU base-256 for large sizes: high bit of the first byte set.
  if (((b[from] as number) & 0x80) !== 0) {
    let v = 0;
    for (let i = from + 1; i < from + len; i++) v = v * 256 + (b[i] as number);
    return v;
  }
  const s = ascii(b, from, from + len)
    .replace(/\0.*$/, "")
    .trim();
  return s ? parseInt(s, 8) : 0;
}

export function scanTar(ctx: ScanContext, node: ScanNode, report: FileReport): FileReport[] {
  report.format = "tar";
  const src = node.source;
  const children: FileReport[] = [];
  let pos = 0;
  let longName: string | undefined;
  for (let n = 0; n < ctx.limits.maxMembers && pos + 512 <= src.size; n++) {
    const h = src.read(pos, 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] as number);
    const prefix = ascii(h, 345, 500).replace(/\0.*$/, "");
    let name = ascii(h, 0, 100).replace(/\0.*$/, "");
    if (prefix) name = `${prefix}/${name}`;
    if (longName) {
      name = longName;
      longName = undefined;
    }
    const dataStart = pos + 512;
    if (!Number.isFinite(size) || dataStart + size > src.size) {
      report.findings.push(
        finding(
          "invalid-tar",
          "medium",
          pos,
          `member ${JSON.stringify(name)} runs past the end of the archive`,
        ),
      );
      break;
    }
    if (type === "L") longName = ascii(src.read(dataStart, Math.min(size, 4096))).replace(/\0.*$/, "");
    else if (type === "0" || type === "\0" || type === "7") {
      if (node.depth + 1 > ctx.limits.maxDepth) {
        report.findings.push(
          finding("depth-limit", "medium", pos, "archive nested too deep; members not scanned"),
        );
        break;
      }
      const member = new SliceSource(src, dataStart, size);
      const child = ctx.scanChild({
        path: `${node.path}:${name}`,
        name: name.split("/").pop() ?? name,
        source: member,
        depth: node.depth + 1,
        explicit: false,
      });
      if (child) children.push(child);
      if (/(^|\/)(storages|tensors)$/.test(name)) {
        report.format = "pytorch-tar";
        const carved = carvePickles(member.read(0, Math.min(size, ctx.limits.maxPickleBytes)), 0);
        for (const f of carved) report.findings.push({ ...f, offset: -1, detail: `${name}: ${f.detail}` });
      }
    }
    pos = dataStart + Math.ceil(size / 512) * 512;
  }
  return children;
}
