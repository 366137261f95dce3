/**
 * The model-file scanner: parses model files and archives, never loads them. Formats are
 * recognised by content (magic bytes, structure), not by name — a pickle named `.txt` inside a
 * PyTorch zip is still a pickle — with extensions used only as hints. See docs/scanning.md.
 */
import { lstatSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { inflateSync, gunzipSync } from "node:zlib";
import { finding, type ScanContext, type ScanNode } from "./context.js";
import { isGguf, scanGguf } from "./formats/gguf.js";
import { findHdf5, scanHdf5 } from "./formats/hdf5.js";
import { checkKerasConfig } from "./formats/keras.js";
import { isNpy, scanNpy } from "./formats/npy.js";
import { looksLikeOnnx, scanOnnx } from "./formats/onnx.js";
import { carvePickles, scanPickle } from "./formats/pickle.js";
import { looksLikeSafetensors, scanSafetensors } from "./formats/safetensors.js";
import { isTar, scanTar } from "./formats/tar.js";
import { looksLikeZip, scanZip } from "./formats/zip.js";
import { BufferSource, FileSource, type Source } from "./source.js";
import { DEFAULT_LIMITS, verdictOf, worse, type FileReport, type ScanLimits } from "./types.js";

export type { FileReport, Finding, ScanLimits, Severity, Verdict } from "./types.js";
export { DEFAULT_LIMITS, verdictRank } from "./types.js";
export { classifyGlobal, SAFE_GLOBALS } from "./policy.js";
export { simulatePickle } from "./pickle/simulate.js";

/** Extensions under which pickles travel (the list, plus legacy checkpoint names). */
export const PICKLE_EXTENSIONS = new Set([
  ".pkl",
  ".pickle",
  ".joblib",
  ".dill",
  ".bin",
  ".pt",
  ".pth",
  ".ckpt",
  ".p",
  ".mar",
  ".data",
]);

/** Extensions a directory walk always reports (unrecognised content is then `invalid`). */
export const MODEL_EXTENSIONS = new Set([
  ...PICKLE_EXTENSIONS,
  ".npy",
  ".npz",
  ".keras",
  ".h5",
  ".hdf5",
  ".safetensors",
  ".gguf",
  ".onnx",
  ".zip",
  ".tar",
  ".7z",
  ".gz",
]);

export class ModelScanError extends Error {}

export interface ModelScanOptions {
  limits?: Partial<ScanLimits>;
}

/** Compressed or archive formats recognised but not unpacked: contents are searched for pickles. */
const OPAQUE: readonly { name: string; magic: number[] }[] = [
  { name: "7z", magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: "xz", magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: "bzip2", magic: [0x42, 0x5a, 0x68] },
  { name: "lz4", magic: [0x04, 0x22, 0x4d, 0x18] },
  { name: "zstd", magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: "rar", magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
];

/** Formats that are plainly not models (a PNG named .pt), named in the report. */
const NOT_MODELS: readonly { name: string; magic: number[] }[] = [
  { name: "PNG image", magic: [0x89, 0x50, 0x4e, 0x47] },
  { name: "JPEG image", magic: [0xff, 0xd8, 0xff] },
  { name: "GIF image", magic: [0x47, 0x49, 0x46, 0x38] },
  { name: "PDF document", magic: [0x25, 0x50, 0x44, 0x46] },
  { name: "ELF executable", magic: [0x7f, 0x45, 0x4c, 0x46] },
];

const startsWith = (head: Uint8Array, magic: number[]) => magic.every((b, i) => head[i] === b);

function isZlib(head: Uint8Array): boolean {
  return (
    head.length >= 2 &&
    ((head[0] as number) & 0x0f) === 8 &&
    (((head[0] as number) << 8) | (head[1] as number)) % 31 === 0
  );
}

function decompress(ctx: ScanContext, node: ScanNode, kind: "gzip" | "zlib"): Uint8Array | string {
  const budget = ctx.limits.maxExpandedBytes - ctx.expanded;
  if (budget <= 0) return "expansion budget spent";
  const input = node.source.read(0, node.source.size);
  try {
    const out =
      kind === "gzip"
        ? gunzipSync(input, { maxOutputLength: Math.min(budget, 2 ** 31 - 1) })
        : inflateSync(input, { maxOutputLength: Math.min(budget, 2 ** 31 - 1) });
    ctx.expanded += out.length;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE"
      ? `expands beyond the ${ctx.limits.maxExpandedBytes}-byte budget (decompression bomb?)`
      : (e as Error).message;
  }
}

function scanNode(ctx: ScanContext, node: ScanNode): FileReport | undefined {
  const report: FileReport = { path: node.path, verdict: "clean", format: "unknown", findings: [] };
  const at = ctx.reports.length;
  ctx.reports.push(report);
  let children: FileReport[] = [];
  let recognised = true;
  try {
    children = dispatch(ctx, node, report);
    recognised = report.format !== "unknown";
  } catch (e) {
    report.findings.push(
      finding("scanner-error", "medium", -1, `the scanner failed on this input: ${(e as Error).message}`),
    );
  }
  if (!recognised) {
    if (!node.explicit) {
      ctx.reports.splice(at, 1);
      return undefined;
    }
    const head = node.source.read(0, 8);
    const known = NOT_MODELS.find((m) => startsWith(head, m.magic));
    report.findings.push(
      finding(
        "invalid-format",
        "medium",
        0,
        node.source.size === 0
          ? "empty file"
          : known
            ? `a ${known.name}, not a model file`
            : "not a model format this scanner recognises (pickle, PyTorch, NumPy, Keras, safetensors, GGUF, ONNX)",
      ),
    );
  }
  report.verdict = children.reduce((v, c) => worse(v, c.verdict), verdictOf(report.findings));
  return report;
}

function dispatch(ctx: ScanContext, node: ScanNode, report: FileReport): FileReport[] {
  const src = node.source;
  if (src.size === 0) return [];
  const head = src.read(0, 512);
  const ext = extname(node.name).toLowerCase();
  if (isNpy(head)) return (scanNpy(ctx, node, report), []);
  if (isGguf(head)) return (scanGguf(ctx, node, report), []);
  if (findHdf5(src) >= 0) return (scanHdf5(ctx, node, report), []);
  if (isTar(head)) return scanTar(ctx, node, report);
  if (head[0] === 0x1f && head[1] === 0x8b) return unpack(ctx, node, report, "gzip");
  const opaque = OPAQUE.find((o) => startsWith(head, o.magic));
  if (opaque) {
    report.format = opaque.name;
    report.findings.push(
      finding(
        "unsupported-container",
        "medium",
        0,
        `${opaque.name} data is not unpacked by this scanner; its contents cannot be vouched for`,
      ),
      ...carvePickles(src.read(0, Math.min(src.size, ctx.limits.maxPickleBytes)), 0),
    );
    return [];
  }
  if (NOT_MODELS.some((m) => startsWith(head, m.magic))) return [];
  if (looksLikeOnnx(node.name)) return (scanOnnx(ctx, node, report), []);
  if (ext === ".json") return (scanJson(ctx, node, report), []);
  if (looksLikeSafetensors(head, src.size)) return (scanSafetensors(ctx, node, report), []);
  let children: FileReport[] = [];
  const zipAtStart = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  if (looksLikeZip(src)) {
    children = scanZip(ctx, node, report);
    // torch.load decides "zip" by the first four bytes only: with anything else in front, it
    // unpickles the file from byte 0 — so a zip with a pickle in front is scanned both ways.
    if (zipAtStart) return children;
  }
  // A PROTO byte alone makes a pickle "expected" only for files the user named: inside an
  // archive, raw tensor storages start with 0x80 0x02 by chance (about 1 in 11,000), and a member
  // counts as a pickle only when it completes or imports something.
  const expect = PICKLE_EXTENSIONS.has(ext) || (head[0] === 0x80 && node.explicit);
  const pickle = scanPickle(ctx, node, expect && report.format === "unknown");
  if (pickle.isPickle) {
    if (report.format !== "unknown") {
      report.findings.push(
        finding(
          "polyglot",
          "medium",
          0,
          `the file is both a ${report.format} and a pickle: loaders that check the first bytes unpickle it`,
        ),
      );
    }
    report.format = report.format === "unknown" ? pickle.format : `${report.format}+${pickle.format}`;
    report.findings.push(...pickle.findings);
    return children;
  }
  if (report.format === "unknown" && isZlib(head) && PICKLE_EXTENSIONS.has(ext))
    return unpack(ctx, node, report, "zlib");
  return children;
}

function unpack(ctx: ScanContext, node: ScanNode, report: FileReport, kind: "gzip" | "zlib"): FileReport[] {
  report.format = kind;
  const out = decompress(ctx, node, kind);
  if (typeof out === "string") {
    report.findings.push(finding("invalid-compression", "medium", 0, `${kind}: ${out}`));
    return [];
  }
  if (node.depth + 1 > ctx.limits.maxDepth) {
    report.findings.push(finding("depth-limit", "medium", 0, "nested too deep; not scanned"));
    return [];
  }
  const inner = node.name.replace(/\.(gz|z)$/i, "");
  const child = ctx.scanChild({
    path: `${node.path}:${kind}`,
    name: inner === node.name ? `${inner}.pkl` : inner,
    source: new BufferSource(out),
    depth: node.depth + 1,
    explicit: true,
  });
  return child ? [child] : [];
}

function scanJson(ctx: ScanContext, node: ScanNode, report: FileReport): void {
  if (node.source.size > ctx.limits.maxJsonBytes) return;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(node.source.read(0, node.source.size)));
  } catch {
    return;
  }
  const text = JSON.stringify(value);
  if (!text.includes('"class_name"')) return;
  report.format = "keras-config";
  report.findings.push(...checkKerasConfig(value, 0, node.name));
}

function makeContext(limits: ScanLimits, reports: FileReport[]): ScanContext {
  const ctx: ScanContext = {
    limits,
    expanded: 0,
    reports,
    scanChild: (child) => scanNode(ctx, child),
  };
  return ctx;
}

/** Scans bytes already in memory (tests, library use). Returns the file's report, then its members'. */
export function scanModelBytes(
  bytes: Uint8Array,
  path: string,
  options: ModelScanOptions = {},
): FileReport[] {
  const reports: FileReport[] = [];
  const ctx = makeContext({ ...DEFAULT_LIMITS, ...options.limits }, reports);
  scanNode(ctx, { path, name: basename(path), source: new BufferSource(bytes), depth: 0, explicit: true });
  return reports;
}

function scanFile(limits: ScanLimits, reports: FileReport[], path: string, explicit: boolean): void {
  let source: FileSource;
  try {
    source = new FileSource(path);
  } catch (e) {
    throw new ModelScanError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    const ctx = makeContext(limits, reports);
    scanNode(ctx, {
      path,
      name: basename(path),
      source: source as Source,
      depth: 0,
      explicit,
      dir: dirname(path),
    });
  } finally {
    source.close();
  }
}

/** Directory depth followed when walking folders (separate from archive nesting). */
const MAX_DIR_DEPTH = 32;

/**
 * Scans files and folders. Folders are walked recursively (symlinked folders are not followed,
 * symlinked files are scanned); files with a model extension are always reported, others only
 * when their content is a recognised model format.
 */
export function scanModelPaths(
  paths: readonly string[],
  options: ModelScanOptions = {},
): { files: FileReport[] } {
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const reports: FileReport[] = [];
  let files = 0;
  const visit = (path: string, depth: number, explicit: boolean): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      throw new ModelScanError(
        `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (st.isSymbolicLink()) {
      try {
        st = statSync(path);
      } catch {
        if (explicit) throw new ModelScanError(`cannot read ${path}: broken symlink`);
        return;
      }
      if (st.isDirectory() && !explicit) return;
    }
    if (st.isDirectory()) {
      if (depth > MAX_DIR_DEPTH) return;
      for (const name of readdirSync(path).sort()) {
        if (name === ".git") continue;
        visit(join(path, name), depth + 1, false);
      }
      return;
    }
    if (!st.isFile()) return;
    if (++files > limits.maxFiles) {
      if (files === limits.maxFiles + 1) {
        reports.push({
          path,
          verdict: "suspicious",
          format: "unknown",
          findings: [
            finding(
              "file-limit",
              "medium",
              -1,
              `more than ${limits.maxFiles} files; the rest are not scanned`,
            ),
          ],
        });
      }
      return;
    }
    scanFile(limits, reports, path, explicit || MODEL_EXTENSIONS.has(extname(path).toLowerCase()));
  };
  for (const p of paths) visit(p, 0, true);
  return { files: reports };
}
