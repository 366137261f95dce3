/**
 * A static simulator of Python's pickle virtual machine (protocols 0–5), written from the opcode
 * descriptions in CPython's Lib/pickletools.py, PEP 307 (protocol 2), PEP 3154 (protocol 4) and
 * PEP 574 (protocol 5). It never imports or calls anything: it tracks the stack, the mark stack
 * and the memo the way `_pickle.c` does, so that every global a pickle would import is known
 * with its opcode offset — including STACK_GLOBAL operands that arrive through the memo, through
 * UNICODE escapes or through a BUILD that overwrote a module attribute — and every call whose
 * target cannot be resolved statically is reported as such.
 *
 * Memory and time are bounded: one pass over the bytes, at most one value per opcode, containers
 * keep at most CONTAINER_KEEP items, the memo at most MEMO_MAX entries, strings at most
 * STRING_KEEP characters.
 */
import { classifyGlobal, isDottedIdentifier, type GlobalClass } from "../policy.js";
import type { Finding } from "../types.js";
import {
  decodeLatin1,
  decodeQuotedString,
  decodeRawUnicodeEscape,
  decodeUtf8Surrogatepass,
} from "./strings.js";

/** The highest protocol Python 3.8+ writes and reads (PEP 574). */
export const HIGHEST_PROTOCOL = 5;

const CONTAINER_KEEP = 4096;
const MEMO_MAX = 4_000_000;
const STRING_KEEP = 65_536;
const NESTED_MAX = 32;

export type PVal =
  | { t: "none" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: number | bigint }
  | { t: "float" }
  | { t: "str"; v: string; truncated: boolean }
  | { t: "bytes"; data: Uint8Array; offset: number }
  | { t: "tuple"; items: PVal[] }
  | { t: "list"; items: PVal[]; n: number }
  | { t: "dict"; entries: [PVal, PVal][]; n: number }
  | { t: "set"; n: number }
  | { t: "global"; module: string; name: string; offset: number; level: GlobalClass }
  | { t: "obj"; fn: PVal; args: PVal; offset: number; state?: PVal; hijacked?: PVal }
  | { t: "pers"; id: PVal }
  | { t: "unknown"; why: string };

export interface GlobalRef {
  module: string;
  name: string;
  offset: number;
  level: GlobalClass;
  reason: string;
}

export interface PickleResult {
  /** True when a STOP opcode ended the stream. */
  complete: boolean;
  /** Offset just after STOP (or where parsing ended). */
  end: number;
  /** Set when the bytes stopped being a valid pickle before STOP. */
  error?: { offset: number; message: string };
  protocol: number;
  opcodes: number;
  globals: GlobalRef[];
  findings: Finding[];
  /** The value STOP returned, for callers that read the structure (legacy torch magic number). */
  value?: PVal;
  /** Byte-string values that are themselves pickles, for a nested scan by the caller. */
  nested: { offset: number; data: Uint8Array }[];
  /** Byte ranges joblib reads raw after a NumpyArrayWrapper (not opcodes). */
  skipped: { start: number; end: number }[];
}

export interface SimulateOptions {
  /** Stop reading at this offset (exclusive); defaults to the buffer's end. */
  limit?: number;
  /** Follow joblib's NumpyArrayWrapper convention (array bytes follow the BUILD). */
  joblib?: boolean;
}

class PickleError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NONE: PVal = { t: "none" };
const UNKNOWN = (why: string): PVal => ({ t: "unknown", why });

function describe(v: PVal | undefined): string {
  if (!v) return "nothing";
  switch (v.t) {
    case "global":
      return `${v.module}.${v.name}`;
    case "str":
      return JSON.stringify(v.v.length > 60 ? v.v.slice(0, 60) + "…" : v.v);
    case "obj":
      return `the result of calling ${describe(v.fn)}`;
    case "unknown":
      return `an unresolved value (${v.why})`;
    default:
      return `a ${v.t}`;
  }
}

function isPickleStart(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x80 && (data[1] as number) <= HIGHEST_PROTOCOL;
}

/** Joblib's array wrapper classes (current and the copy vendored in old scikit-learn). */
const JOBLIB_WRAPPERS = new Set([
  "joblib.numpy_pickle.NumpyArrayWrapper",
  "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
]);

/** Runs the pickle VM over `bytes` starting at `start`. Never throws on bad input. */
export function simulatePickle(bytes: Uint8Array, start = 0, options: SimulateOptions = {}): PickleResult {
  const sim = new Simulator(bytes, start, options);
  return sim.run();
}

class Simulator {
  private pos: number;
  private readonly end: number;
  private stack: PVal[] = [];
  private marks: number[] = [];
  private fence = 0;
  private memo = new Map<number, PVal>();
  private memoOverflow = false;
  private protocol = 0;
  private opcodes = 0;
  private readonly globals: GlobalRef[] = [];
  private readonly findings: Finding[] = [];
  private readonly nested: { offset: number; data: Uint8Array }[] = [];
  private readonly skipped: { start: number; end: number }[] = [];
  /** Attributes set on modules or classes by BUILD, keyed `module.name.attr` (attribute-overwrite tricks). */
  private readonly overrides = new Map<string, PVal>();
  private readonly seen = new Map<string, Finding & { count: number }>();
  private op = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly options: SimulateOptions,
  ) {
    this.pos = start;
    this.end = Math.min(bytes.length, options.limit ?? bytes.length);
  }

  run(): PickleResult {
    let complete = false;
    let error: PickleResult["error"];
    let value: PVal | undefined;
    try {
      value = this.loop();
      complete = true;
    } catch (e) {
      if (!(e instanceof PickleError)) throw e;
      error = { offset: e.offset, message: e.message };
    }
    const findings = [...this.findings];
    for (const f of this.seen.values()) {
      const { count, ...rest } = f;
      findings.push(count > 1 ? { ...rest, detail: `${rest.detail} (${count} references)` } : rest);
    }
    findings.sort((a, b) => a.offset - b.offset);
    return {
      complete,
      end: this.pos,
      ...(error ? { error } : {}),
      protocol: this.protocol,
      opcodes: this.opcodes,
      globals: this.globals,
      findings,
      ...(value ? { value } : {}),
      nested: this.nested,
      skipped: this.skipped,
    };
  }

  // ---- reading ---------------------------------------------------------------------------

  private fail(message: string): never {
    throw new PickleError(message, this.op);
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) this.fail(`pickle data was truncated (needed ${n} bytes)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number {
    if (this.pos >= this.end) this.fail("pickle data was truncated");
    return this.bytes[this.pos++] as number;
  }

  private uint(n: 1 | 2 | 4 | 8): number {
    const b = this.take(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[i] as number);
    return v;
  }

  private int32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  }

  private line(): Uint8Array {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0 || nl >= this.end) this.fail("pickle data was truncated (no end of line)");
    const out = this.bytes.subarray(this.pos, nl);
    this.pos = nl + 1;
    return out;
  }

  private lineUtf8(): string {
    try {
      return decodeUtf8Surrogatepass(this.line());
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private str(data: Uint8Array, decode: (b: Uint8Array) => string): PVal {
    const truncated = data.length > STRING_KEEP * 4;
    try {
      const text = decode(truncated ? data.subarray(0, STRING_KEEP * 4) : data);
      return { t: "str", v: text.length > STRING_KEEP ? text.slice(0, STRING_KEEP) : text, truncated };
    } catch (e) {
      if (truncated) return { t: "str", v: "", truncated: true };
      this.fail(`cannot decode string: ${(e as Error).message}`);
    }
  }

  private bytesVal(data: Uint8Array, offset: number): PVal {
    if (isPickleStart(data) && this.nested.length < NESTED_MAX) this.nested.push({ offset, data });
    return { t: "bytes", data, offset };
  }

  private intLine(text: string): number | bigint {
    const t = text.trim().replace(/_/g, "");
    if (!/^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|\d+)$/.test(t))
      this.fail(`invalid literal for int(): ${JSON.stringify(text.slice(0, 40))}`);
    const neg = t.startsWith("-");
    const body = t.replace(/^[+-]/, "");
    const big = BigInt(body);
    const v = neg ? -big : big;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private longBytes(b: Uint8Array): number | bigint {
    if (b.length === 0) return 0;
    if (b.length > 64) return BigInt(2) ** BigInt(512); // only its size matters to the scanner
    let v = BigInt(0);
    for (let i = b.length - 1; i >= 0; i--) v = (v << BigInt(8)) | BigInt(b[i] as number);
    if (((b[b.length - 1] as number) & 0x80) !== 0) v -= BigInt(1) << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  // ---- the stack -------------------------------------------------------------------------

  private push(v: PVal): void {
    this.stack.push(v);
  }

  private pop(): PVal {
    if (this.stack.length <= this.fence) this.fail("unpickling stack underflow");
    return this.stack.pop() as PVal;
  }

  private top(): PVal {
    if (this.stack.length <= this.fence) this.fail("unpickling stack underflow");
    return this.stack[this.stack.length - 1] as PVal;
  }

  private popMark(): PVal[] {
    if (this.marks.length === 0) this.fail("could not find MARK");
    const at = this.marks.pop() as number;
    this.fence = this.marks.length ? (this.marks[this.marks.length - 1] as number) : 0;
    return this.stack.splice(at);
  }

  private memoGet(index: number): PVal {
    const v = this.memo.get(index);
    if (v) return v;
    if (this.memoOverflow) return UNKNOWN("memo entry beyond the scanner's limit");
    this.fail(`memo value not found at index ${index}`);
  }

  private memoPut(index: number, v: PVal): void {
    if (index < 0) this.fail("negative memo index");
    if (this.memo.size >= MEMO_MAX && !this.memo.has(index)) {
      if (!this.memoOverflow) {
        this.memoOverflow = true;
        this.report(
          "memo-limit",
          "medium",
          `more than ${MEMO_MAX} memo entries; later lookups are unresolved`,
        );
      }
      return;
    }
    this.memo.set(index, v);
  }

  // ---- findings --------------------------------------------------------------------------

  private report(kind: string, severity: Finding["severity"], detail: string, offset = this.op): void {
    if (this.findings.length < 10_000) this.findings.push({ kind, severity, offset, detail });
  }

  /** One finding per distinct global and kind; repeats are counted. */
  private reportOnce(key: string, f: Finding): void {
    const had = this.seen.get(key);
    if (had) had.count++;
    else if (this.seen.size < 10_000) this.seen.set(key, { ...f, count: 1 });
  }

  private resolveGlobal(module: string, name: string, via: string): PVal {
    const key = `${module}.${name}`;
    const override = this.overrides.get(key);
    if (override) {
      this.report(
        "overridden-global",
        "critical",
        `${via} ${key} reads an attribute an earlier BUILD overwrote; it now yields ${describe(override)}`,
      );
      return override;
    }
    const c = classifyGlobal(module, name);
    this.globals.push({ module, name, offset: this.op, level: c.level, reason: c.reason });
    if (c.level === "dangerous") {
      this.reportOnce(`d:${key}`, {
        kind: "dangerous-global",
        severity: "critical",
        offset: this.op,
        detail: `${via} ${key}: ${c.reason}`,
      });
    } else if (c.level === "unknown") {
      this.reportOnce(`u:${key}`, {
        kind: "unknown-global",
        severity: "medium",
        offset: this.op,
        detail: `${via} ${key}: ${c.reason}`,
      });
    }
    return { t: "global", module, name, offset: this.op, level: c.level };
  }

  /** A call through REDUCE/NEWOBJ/OBJ/INST: the callable must be a global for the verdict to hold. */
  private call(fn: PVal, args: PVal, how: string): PVal {
    if (fn.t !== "global") {
      this.report(
        "indirect-call",
        "medium",
        `${how} calls ${describe(fn)}, not a statically known global: the call target cannot be checked`,
      );
    }
    return { t: "obj", fn, args, offset: this.op };
  }

  private containerTarget(target: PVal, method: string): void {
    if (target.t === "global") {
      this.report(
        "method-call-gadget",
        "critical",
        `calls ${method} on ${describe(target)} itself (a module or class, not a container): a call gadget`,
      );
    } else if (target.t === "unknown") {
      this.report("method-call-gadget", "medium", `calls ${method} on ${describe(target)}`);
    }
  }

  // ---- BUILD ----------------------------------------------------------------------------

  private build(state: PVal, inst: PVal): void {
    const dictKeys = (d: PVal | undefined): [string, PVal][] =>
      d && d.t === "dict"
        ? d.entries.flatMap(([k, v]) => (k.t === "str" ? [[k.v, v] as [string, PVal]] : []))
        : [];
    let stateDict: PVal | undefined = state;
    let slots: PVal | undefined;
    if (state.t === "tuple" && state.items.length === 2) {
      stateDict = state.items[0];
      slots = state.items[1];
    }
    const assigned = [...dictKeys(stateDict), ...dictKeys(slots)];

    if (inst.t === "obj" && inst.hijacked) {
      this.report(
        "setstate-hijack",
        "critical",
        `BUILD calls the __setstate__ an earlier BUILD planted on this object (${describe(inst.hijacked)}) with ${describe(state)}`,
      );
    }
    if (inst.t === "global") {
      this.report(
        "global-mutation",
        "critical",
        `BUILD sets attributes [${assigned.map(([k]) => k).join(", ")}] on ${describe(inst)} itself: overwriting module or class attributes changes what later imports resolve to`,
      );
      for (const [k, v] of assigned) this.overrides.set(`${inst.module}.${inst.name}.${k}`, v);
    }
    for (const [k, v] of assigned) {
      if (!/^__.*__$/.test(k)) continue;
      const critical = [
        "__setstate__",
        "__reduce__",
        "__reduce_ex__",
        "__getattr__",
        "__getattribute__",
        "__class__",
        "__dict__",
        "__call__",
        "__init__",
        "__new__",
      ].includes(k);
      this.report(
        "dunder-state",
        critical ? "critical" : "medium",
        `BUILD state sets ${k} to ${describe(v)}${k === "__setstate__" ? ": the next BUILD on this object calls it" : ""}`,
      );
      if (k === "__setstate__" && inst.t === "obj") inst.hijacked = v;
    }
    if (inst.t === "obj") inst.state = state;
    if (
      this.options.joblib !== false &&
      inst.t === "obj" &&
      inst.fn.t === "global" &&
      JOBLIB_WRAPPERS.has(`${inst.fn.module}.${inst.fn.name}`)
    ) {
      this.joblibArray(state);
    }
    if (inst.t === "obj" && inst.fn.t === "global" && inst.fn.module === "joblib.numpy_pickle_compat") {
      this.report(
        "joblib-external-array",
        "medium",
        "joblib NDArrayWrapper reads an array from a file named inside the pickle",
      );
    }
  }

  /** joblib writes an array's raw bytes (or a nested pickle for object arrays) right after the wrapper's BUILD. */
  private joblibArray(state: PVal): void {
    const field = (k: string): PVal | undefined =>
      state.t === "dict" ? state.entries.find(([key]) => key.t === "str" && key.v === k)?.[1] : undefined;
    const shape = field("shape");
    const dtype = field("dtype");
    const align = field("numpy_array_alignment_bytes");
    const start = this.pos;
    let count: bigint = BigInt(1);
    const unresolved = (why: string): never => {
      this.report(
        "joblib-array-unresolved",
        "medium",
        `joblib array: ${why}; the bytes after it are not scanned as opcodes`,
      );
      this.fail(`joblib array layout unresolved (${why})`);
    };
    if (!shape || shape.t !== "tuple") return unresolved("shape is not a literal tuple");
    for (const d of shape.items) {
      if (d.t !== "int" || BigInt(d.v) < BigInt(0)) return unresolved("shape holds a non-integer");
      count *= BigInt(d.v);
    }
    const descr = dtypeDescr(dtype);
    if (!descr) return unresolved("dtype is not a literal numpy.dtype");
    if (descr.object) {
      const inner = simulatePickle(this.bytes, this.pos, { limit: this.end });
      for (const f of inner.findings)
        this.findings.push({ ...f, detail: `object array pickle: ${f.detail}` });
      this.globals.push(...inner.globals);
      this.nested.push(...inner.nested);
      if (!inner.complete) this.fail(`object array pickle: ${inner.error?.message ?? "incomplete"}`);
      this.pos = inner.end;
      this.skipped.push({ start, end: this.pos });
      return;
    }
    if (align && align.t !== "none") {
      const pad = this.u8();
      this.take(pad);
    }
    const size = count * BigInt(descr.itemsize);
    if (size > BigInt(this.end - this.pos)) this.fail("joblib array extends past the end of the data");
    this.pos += Number(size);
    this.skipped.push({ start, end: this.pos });
    // The array replaces the wrapper on the stack.
    this.stack[this.stack.length - 1] = UNKNOWN("joblib array");
  }

  // ---- the loop -------------------------------------------------------------------------

  private loop(): PVal {
    for (;;) {
      this.op = this.pos;
      if (this.pos >= this.end) this.fail("pickle data was truncated (no STOP opcode)");
      const code = this.bytes[this.pos++] as number;
      this.opcodes++;
      switch (code) {
        case 0x2e: // STOP
          return this.pop();
        case 0x80: {
          // PROTO
          const p = this.u8();
          if (p > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol: ${p}`);
          this.protocol = p;
          break;
        }
        case 0x95: {
          // FRAME: a length hint; the bytes must exist.
          const n = this.uint(8);
          if (n > this.end - this.pos) this.fail("FRAME length exceeds the data");
          break;
        }
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          this.fence = this.stack.length;
          break;
        case 0x30: {
          // POP: pops a mark if the mark is at the top (as _pickle.c does)
          const lastMark = this.marks[this.marks.length - 1];
          if (lastMark !== undefined && lastMark === this.stack.length) {
            this.marks.pop();
            this.fence = this.marks.length ? (this.marks[this.marks.length - 1] as number) : 0;
          } else this.pop();
          break;
        }
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // ---- constants and numbers
        case 0x4e: // NONE
          this.push(NONE);
          break;
        case 0x88: // NEWTRUE
          this.push({ t: "bool", v: true });
          break;
        case 0x89: // NEWFALSE
          this.push({ t: "bool", v: false });
          break;
        case 0x49: {
          // INT
          const text = decodeLatin1(this.line());
          if (text === "00") this.push({ t: "bool", v: false });
          else if (text === "01") this.push({ t: "bool", v: true });
          else this.push({ t: "int", v: this.intLine(text) });
          break;
        }
        case 0x4a: // BININT
          this.push({ t: "int", v: this.int32() });
          break;
        case 0x4b: // BININT1
          this.push({ t: "int", v: this.u8() });
          break;
        case 0x4d: // BININT2
          this.push({ t: "int", v: this.uint(2) });
          break;
        case 0x4c: {
          // LONG
          let text = decodeLatin1(this.line());
          if (text.endsWith("L")) text = text.slice(0, -1);
          this.push({ t: "int", v: this.intLine(text) });
          break;
        }
        case 0x8a: // LONG1
          this.push({ t: "int", v: this.longBytes(this.take(this.u8())) });
          break;
        case 0x8b: {
          // LONG4
          const n = this.int32();
          if (n < 0) this.fail("LONG pickle has negative byte count");
          this.push({ t: "int", v: this.longBytes(this.take(n)) });
          break;
        }
        case 0x46: {
          // FLOAT
          const text = decodeLatin1(this.line()).trim();
          if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan|infinity)$/i.test(text))
            this.fail("could not convert string to float");
          this.push({ t: "float" });
          break;
        }
        case 0x47: // BINFLOAT
          this.take(8);
          this.push({ t: "float" });
          break;
        // ---- strings and bytes
        case 0x53: // STRING
          this.push(this.str(this.line(), decodeQuotedString));
          break;
        case 0x54: {
          // BINSTRING
          const n = this.int32();
          if (n < 0) this.fail("BINSTRING pickle has negative byte count");
          this.push(this.str(this.take(n), decodeLatin1));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(this.str(this.take(this.u8()), decodeLatin1));
          break;
        case 0x56: // UNICODE
          this.push(this.str(this.line(), decodeRawUnicodeEscape));
          break;
        case 0x58: // BINUNICODE
          this.push(this.str(this.take(this.uint(4)), decodeUtf8Surrogatepass));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.str(this.take(this.u8()), decodeUtf8Surrogatepass));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.str(this.take(this.uint(8)), decodeUtf8Surrogatepass));
          break;
        case 0x42: {
          // BINBYTES
          const at = this.pos + 4;
          this.push(this.bytesVal(this.take(this.uint(4)), at));
          break;
        }
        case 0x43: {
          // SHORT_BINBYTES
          const at = this.pos + 1;
          this.push(this.bytesVal(this.take(this.u8()), at));
          break;
        }
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8
          const at = this.pos + 8;
          this.push(this.bytesVal(this.take(this.uint(8)), at));
          break;
        }
        case 0x97: // NEXT_BUFFER (out-of-band data supplied by the caller)
          this.push(UNKNOWN("out-of-band buffer"));
          break;
        case 0x98: // READONLY_BUFFER
          this.top();
          break;
        // ---- containers
        case 0x29: // EMPTY_TUPLE
          this.push({ t: "tuple", items: [] });
          break;
        case 0x74: // TUPLE
          this.push({ t: "tuple", items: this.keep(this.popMark()) });
          break;
        case 0x85: // TUPLE1
          this.push({ t: "tuple", items: [this.pop()] });
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push({ t: "tuple", items: [a, b] });
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push({ t: "tuple", items: [a, b, c] });
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push({ t: "list", items: [], n: 0 });
          break;
        case 0x6c: {
          // LIST
          const items = this.popMark();
          this.push({ t: "list", items: this.keep(items), n: items.length });
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push({ t: "dict", entries: [], n: 0 });
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          if (items.length % 2) this.fail("odd number of items for DICT");
          const d: PVal = { t: "dict", entries: [], n: 0 };
          this.setItems(d, items);
          this.push(d);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push({ t: "set", n: 0 });
          break;
        case 0x91: // FROZENSET
          this.push({ t: "set", n: this.popMark().length });
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.append(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.append(this.top(), items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          if (items.length % 2) this.fail("odd number of items for SETITEMS");
          this.setItems(this.top(), items);
          break;
        }
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const target = this.top();
          if (target.t === "set") target.n += items.length;
          else this.containerTarget(target, "add()");
          break;
        }
        // ---- memo
        case 0x70: // PUT
          this.memoPut(this.memoIndex(decodeLatin1(this.line())), this.top());
          break;
        case 0x71: // BINPUT
          this.memoPut(this.u8(), this.top());
          break;
        case 0x72: {
          // LONG_BINPUT
          const i = this.uint(4);
          this.memoPut(i, this.top());
          break;
        }
        case 0x94: // MEMOIZE
          this.memoPut(this.memo.size, this.top());
          break;
        case 0x67: // GET
          this.push(this.memoGet(this.memoIndex(decodeLatin1(this.line()))));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.uint(4)));
          break;
        // ---- imports and calls
        case 0x63: {
          // GLOBAL
          const module = this.lineUtf8();
          const name = this.lineUtf8();
          this.push(this.resolveGlobal(module, name, "GLOBAL"));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          this.push(this.stackGlobal(module, name));
          break;
        }
        case 0x69: {
          // INST
          const module = this.lineUtf8();
          const name = this.lineUtf8();
          const cls = this.resolveGlobal(module, name, "INST");
          const args = this.popMark();
          this.push(this.call(cls, { t: "tuple", items: this.keep(args) }, "INST"));
          break;
        }
        case 0x6f: {
          // OBJ
          const items = this.popMark();
          const cls = items.shift();
          if (!cls) this.fail("OBJ needs a class");
          this.push(this.call(cls, { t: "tuple", items: this.keep(items) }, "OBJ"));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const fn = this.pop();
          if (!["tuple", "obj", "unknown", "global", "pers"].includes(args.t)) {
            this.fail(`REDUCE argument must be a tuple, not ${args.t}`);
          }
          this.push(this.call(fn, args, "REDUCE"));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, "NEWOBJ"));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          this.pop(); // kwargs
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, "NEWOBJ_EX"));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          this.build(state, this.top());
          break;
        }
        case 0x50: // PERSID
          this.push({ t: "pers", id: this.str(this.line(), decodeLatin1) });
          break;
        case 0x51: // BINPERSID
          this.push({ t: "pers", id: this.pop() });
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4
          const n = code === 0x82 ? this.u8() : code === 0x83 ? this.uint(2) : this.int32();
          this.report(
            "extension-code",
            "medium",
            `EXT opcode imports whatever the loader's copyreg extension registry maps code ${n} to: not statically resolvable`,
          );
          this.push(UNKNOWN(`extension code ${n}`));
          break;
        }
        default:
          this.fail(`invalid load key 0x${code.toString(16).padStart(2, "0")}`);
      }
    }
  }

  private memoIndex(text: string): number {
    const v = this.intLine(text);
    if (typeof v === "bigint" || v < 0) this.fail("memo index out of range");
    return v;
  }

  private keep(items: PVal[]): PVal[] {
    return items.length > CONTAINER_KEEP ? items.slice(0, CONTAINER_KEEP) : items;
  }

  private append(target: PVal, items: PVal[]): void {
    if (target.t === "list") {
      for (const it of items) if (target.items.length < CONTAINER_KEEP) target.items.push(it);
      target.n += items.length;
    } else this.containerTarget(target, "append()/extend()");
  }

  private setItems(target: PVal, items: PVal[]): void {
    if (target.t !== "dict") {
      this.containerTarget(target, "__setitem__()");
      return;
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i] as PVal;
      const v = items[i + 1] as PVal;
      if (k.t === "str") {
        const at = target.entries.findIndex(([ek]) => ek.t === "str" && ek.v === k.v);
        if (at >= 0 && target.entries.length < 64) {
          target.entries[at] = [k, v];
          continue;
        }
      }
      if (target.entries.length < CONTAINER_KEEP) target.entries.push([k, v]);
    }
    target.n += items.length / 2;
  }

  private stackGlobal(module: PVal, name: PVal): PVal {
    const operand = (v: PVal): string | undefined => (v.t === "str" && !v.truncated ? v.v : undefined);
    const m = operand(module);
    const n = operand(name);
    if (m !== undefined && n !== undefined) return this.resolveGlobal(m, n, "STACK_GLOBAL");
    const literalNonStr = (v: PVal) => !["str", "obj", "unknown", "global", "pers"].includes(v.t);
    if (literalNonStr(module) || literalNonStr(name)) {
      // _pickle.c refuses non-str operands ("STACK_GLOBAL requires str"): the load stops here.
      this.report(
        "stack-global-type-confusion",
        "medium",
        `STACK_GLOBAL with module ${describe(module)} and name ${describe(name)}: operands are not strings`,
      );
      this.fail("STACK_GLOBAL requires str");
    }
    this.report(
      "unresolved-global",
      "medium",
      `STACK_GLOBAL operands are computed at load time (module ${describe(module)}, name ${describe(name)}): the imported global cannot be known statically`,
    );
    if (m && !isDottedIdentifier(m)) return UNKNOWN("invalid module");
    return UNKNOWN("unresolved STACK_GLOBAL");
  }
}

/** numpy.dtype(...) as pickled: the type string and, for object dtypes, a flag. */
function dtypeDescr(v: PVal | undefined): { itemsize: number; object: boolean } | undefined {
  if (!v || v.t !== "obj" || v.fn.t !== "global" || v.fn.name !== "dtype") return undefined;
  if (v.args.t !== "tuple") return undefined;
  const first = v.args.items[0];
  if (!first || first.t !== "str") return undefined;
  const m = /^[<>|=]?([a-zA-Z?])(\d*)$/.exec(first.v);
  if (!m) return undefined;
  const kind = m[1] as string;
  if (kind === "O") return { itemsize: 8, object: true };
  let size = m[2] ? Number(m[2]) : kind === "?" || kind === "b" || kind === "B" ? 1 : NaN;
  if (kind === "U") size *= 4;
  // Flexible dtypes carry their element size in the BUILD state (index 5).
  const st = v.state;
  if (st && st.t === "tuple") {
    const elsize = st.items[5];
    if (elsize && elsize.t === "int" && Number(elsize.v) > 0) size = Number(elsize.v);
  }
  if (!Number.isFinite(size) || size <= 0) return undefined;
  return { itemsize: size, object: false };
}
