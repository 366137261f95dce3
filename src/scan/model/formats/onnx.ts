/**
 * ONNX models are protobuf `ModelProto` messages (onnx/onnx.proto). A tensor may keep its data
 * outside the model file (`data_location = EXTERNAL`, `external_data` entry `location`); the
 * loader opens that path relative to the model's folder. An absolute path, a `..` step or a
 * symlink turns loading a model into reading any file the loader can read (CVE-2024-27318,
 * CVE-2024-5187). The protobuf wire format is read here directly (varint tags; wire types 0, 1,
 * 2, 5), descending only into the messages that can hold tensors: graphs, nodes, attributes,
 * functions, training info and sparse tensors, in every nesting (If/Loop/Scan subgraphs).
 */
import { lstatSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { finding, type ScanContext, type ScanNode } from "../context.js";
import type { Source } from "../source.js";
import type { FileReport, Finding } from "../types.js";

class WireError extends Error {}

interface Field {
  num: number;
  wire: number;
  /** For wire type 2: the payload's start and length. For varints: the value. */
  start: number;
  len: number;
  value: number;
}

const MAX_NESTING = 64;

class Reader {
  fields = 0;
  constructor(private readonly src: Source) {}

  varint(pos: number): [number, number] {
    const b = this.src.read(pos, 10);
    let v = 0;
    let mul = 1;
    for (let i = 0; i < b.length; i++) {
      const byte = b[i] as number;
      v += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) return [v, pos + i + 1];
    }
    throw new WireError(`bad varint at ${pos}`);
  }

  *fieldsOf(start: number, end: number): Generator<Field> {
    let pos = start;
    while (pos < end) {
      if (++this.fields > 5_000_000) throw new WireError("more than 5,000,000 protobuf fields");
      const [tag, p1] = this.varint(pos);
      const num = Math.floor(tag / 8);
      const wire = tag % 8;
      if (num === 0) throw new WireError(`field number 0 at ${pos}`);
      let next: number;
      let f: Field;
      if (wire === 0) {
        const [v, p2] = this.varint(p1);
        f = { num, wire, start: p1, len: p2 - p1, value: v };
        next = p2;
      } else if (wire === 1) {
        f = { num, wire, start: p1, len: 8, value: 0 };
        next = p1 + 8;
      } else if (wire === 5) {
        f = { num, wire, start: p1, len: 4, value: 0 };
        next = p1 + 4;
      } else if (wire === 2) {
        const [len, p2] = this.varint(p1);
        f = { num, wire, start: p2, len, value: 0 };
        next = p2 + len;
      } else throw new WireError(`unsupported wire type ${wire} at ${pos}`);
      if (next > end) throw new WireError(`field ${num} at ${pos} runs past its message`);
      yield f;
      pos = next;
    }
  }

  text(f: Field): string {
    return new TextDecoder().decode(this.src.read(f.start, Math.min(f.len, 1 << 20)));
  }
}

/** Which fields of which message hold messages to descend into (field number → message kind). */
const CHILDREN: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  model: { 7: "graph", 20: "training", 25: "function" },
  training: { 1: "graph", 2: "graph" },
  graph: { 1: "node", 5: "tensor", 15: "sparse" },
  function: { 7: "node" },
  node: { 5: "attribute" },
  attribute: { 5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse" },
  sparse: { 1: "tensor", 2: "tensor" },
};

export function looksLikeOnnx(name: string): boolean {
  return /\.onnx$/i.test(name);
}

/** Why an external-data location escapes the model folder, or undefined when it stays inside. */
export function locationEscape(location: string): string | undefined {
  if (location.length === 0) return "is empty";
  if (location.includes("\0")) return "contains a NUL byte";
  const unified = location.replace(/\\/g, "/");
  if (unified.startsWith("/") || /^[A-Za-z]:/.test(unified) || unified.startsWith("//"))
    return "is an absolute path";
  if (unified.split("/").some((seg) => seg === "..")) return "climbs out with '..'";
  if (/^[a-z][a-z0-9+.-]*:/i.test(unified)) return "is a URL";
  return undefined;
}

function checkOnDisk(dir: string, location: string): string | undefined {
  const target = resolve(dir, location);
  try {
    if (lstatSync(target).isSymbolicLink()) {
      const real = realpathSync(target);
      const rel = relative(realpathSync(dir), real);
      if (rel.startsWith("..") || isAbsolute(rel)) return `is a symlink to ${real}, outside the model folder`;
      return undefined;
    }
  } catch {
    return undefined;
  }
  const rel = relative(dir, target);
  if (rel.startsWith(".." + sep) || rel === "..") return "resolves outside the model folder";
  return undefined;
}

export function scanOnnx(_ctx: ScanContext, node: ScanNode, report: FileReport): void {
  report.format = "onnx";
  const reader = new Reader(node.source);
  const findings: Finding[] = report.findings;
  let sawGraph = false;
  const walk = (kind: string, start: number, end: number, depth: number): void => {
    if (depth > MAX_NESTING) throw new WireError(`messages nested deeper than ${MAX_NESTING}`);
    if (kind === "tensor") return tensor(start, end);
    const children = CHILDREN[kind] ?? {};
    for (const f of reader.fieldsOf(start, end)) {
      const child = children[f.num];
      if (kind === "model" && f.num === 7) sawGraph = true;
      if (child && f.wire === 2) walk(child, f.start, f.start + f.len, depth + 1);
    }
  };
  const tensor = (start: number, end: number): void => {
    let name = "";
    let externalLoc = false;
    const entries: { key: string; value: string; at: number }[] = [];
    for (const f of reader.fieldsOf(start, end)) {
      if (f.num === 8 && f.wire === 2) name = reader.text(f);
      else if (f.num === 14 && f.wire === 0) externalLoc = f.value === 1;
      else if (f.num === 13 && f.wire === 2) {
        let key = "";
        let value = "";
        for (const g of reader.fieldsOf(f.start, f.start + f.len)) {
          if (g.num === 1 && g.wire === 2) key = reader.text(g);
          if (g.num === 2 && g.wire === 2) value = reader.text(g);
        }
        entries.push({ key, value, at: f.start });
      }
    }
    if (!externalLoc && entries.length === 0) return;
    const loc = entries.find((e) => e.key === "location");
    if (!loc) {
      findings.push(
        finding(
          "invalid-onnx",
          "medium",
          start,
          `tensor ${JSON.stringify(name)} is external but names no location`,
        ),
      );
      return;
    }
    const why = locationEscape(loc.value);
    if (why) {
      findings.push(
        finding(
          "onnx-external-path",
          "critical",
          loc.at,
          `tensor ${JSON.stringify(name)} external data location ${JSON.stringify(loc.value)} ${why}: loading reads a file outside the model folder`,
        ),
      );
      return;
    }
    if (node.dir) {
      const disk = checkOnDisk(node.dir, loc.value);
      if (disk)
        findings.push(
          finding(
            "onnx-external-path",
            "critical",
            loc.at,
            `tensor ${JSON.stringify(name)} external data ${JSON.stringify(loc.value)} ${disk}`,
          ),
        );
    }
    for (const e of entries) {
      if ((e.key === "offset" || e.key === "length") && !/^\d+$/.test(e.value)) {
        findings.push(
          finding(
            "invalid-onnx",
            "medium",
            e.at,
            `tensor ${JSON.stringify(name)} external ${e.key} ${JSON.stringify(e.value)} is not a number`,
          ),
        );
      }
    }
  };
  try {
    walk("model", 0, node.source.size, 0);
    if (!sawGraph) findings.push(finding("invalid-onnx", "medium", 0, "no graph: not an ONNX ModelProto"));
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    findings.push(finding("invalid-onnx", "medium", 0, `not a valid protobuf ModelProto: ${e.message}`));
  }
}
