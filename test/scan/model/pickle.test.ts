import { describe, expect, it } from "vitest";
import { classifyGlobal, scanModelBytes, simulatePickle } from "../../../src/scan/model/index.js";
import { P, bytes, callPickle, torchStateDictPickle } from "./build.js";

const scan = (data: Uint8Array, name = "model.pkl") => scanModelBytes(data, name)[0]!;

describe("pickle simulator: protocols and opcodes", () => {
  it("reads the same call written in protocols 0 through 5", () => {
    // Protocol 0/1: GLOBAL + MARK/TUPLE + REDUCE, text opcodes only.
    const p0 = bytes(P.global("os", "system"), P.mark, P.string("'id'"), P.tuple, P.reduce, P.stop);
    const p2 = callPickle("os", "system", "id", 2);
    const p3 = callPickle("os", "system", "id", 3);
    const body4 = bytes(P.str("os"), P.str("system"), P.stackGlobal, P.str("id"), P.tuple1, P.reduce, P.stop);
    const p4 = bytes(P.proto(4), P.frame(body4.length), body4);
    const p5 = bytes(
      P.proto(5),
      P.str("os"),
      P.memoize,
      P.str("system"),
      P.memoize,
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    for (const data of [p0, p2, p3, p4, p5]) {
      const r = simulatePickle(data);
      expect(r.complete).toBe(true);
      expect(r.globals.map((g) => `${g.module}.${g.name}`)).toEqual(["os.system"]);
      expect(scan(data).verdict).toBe("malicious");
    }
    expect(simulatePickle(p5).protocol).toBe(5);
  });

  it("reports the opcode offset of the import, the global and why", () => {
    const data = callPickle("builtins", "eval", "1+1");
    const f = scan(data).findings.find((x) => x.kind === "dangerous-global")!;
    expect(f.offset).toBe(2); // right after PROTO 2
    expect(f.severity).toBe("critical");
    expect(f.detail).toContain("builtins.eval");
    expect(f.detail).toMatch(/code execution/);
  });

  it("refuses an unknown protocol and unknown opcodes as invalid, not clean", () => {
    expect(scan(bytes(0x80, 9, P.none, P.stop)).verdict).toBe("invalid");
    expect(scan(bytes(0x80, 2, 0xff, P.stop)).verdict).toBe("invalid");
  });

  it("handles every container opcode without losing the call inside", () => {
    const data = bytes(
      P.proto(2),
      P.emptyDict,
      P.mark,
      P.str("k"),
      P.emptyList,
      P.mark,
      P.int(1),
      P.int(2),
      P.appends,
      P.str("j"),
      callPickle("subprocess", "Popen", "ls").subarray(2, -1),
      P.setitems,
      P.stop,
    );
    const r = scan(data);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.detail.includes("subprocess.Popen"))).toBe(true);
  });

  it("follows joblib's raw array bytes and keeps scanning the opcodes after them", () => {
    // NumpyArrayWrapper BUILD is followed by the raw array (4 float32 = 16 bytes), then more opcodes.
    const dtype = bytes(P.global("numpy", "dtype"), P.str("f4"), P.newfalse, P.newtrue, P.tuple3, P.reduce);
    const state = bytes(
      P.emptyDict,
      P.mark,
      P.str("shape"),
      P.int(4),
      P.tuple1,
      P.str("dtype"),
      dtype,
      P.str("order"),
      P.str("C"),
      P.setitems,
    );
    const raw = new Uint8Array(16).fill(0x63); // 'c' bytes: would parse as GLOBAL if not skipped
    const data = bytes(
      P.proto(2),
      P.emptyList,
      P.global("joblib.numpy_pickle", "NumpyArrayWrapper"),
      P.emptyTuple,
      P.newobj,
      state,
      P.build,
      raw,
      P.append,
      callPickle("os", "system", "x").subarray(2, -1),
      P.append,
      P.stop,
    );
    const r = simulatePickle(data, 0, { joblib: true });
    expect(r.complete).toBe(true);
    expect(r.skipped).toEqual([{ start: expect.any(Number), end: expect.any(Number) }]);
    expect(r.skipped[0]!.end - r.skipped[0]!.start).toBe(16);
    expect(scan(data, "model.joblib").verdict).toBe("malicious");
  });
});

describe("allow-list verdicts", () => {
  it("an ordinary PyTorch state dict is clean", () => {
    const r = scan(torchStateDictPickle(), "weights.pt");
    expect(r.verdict).toBe("clean");
    expect(r.findings).toEqual([]);
  });

  it("a global on no list is suspicious, not clean and not malicious", () => {
    const r = scan(callPickle("mypackage.layers", "CustomBlock"));
    expect(r.verdict).toBe("suspicious");
    expect(r.findings[0]!.kind).toBe("unknown-global");
    expect(r.findings[0]!.detail).toContain("mypackage.layers.CustomBlock");
  });

  it("classifies by exact name: safe constructors, dangerous callables, and look-alikes", () => {
    expect(classifyGlobal("collections", "OrderedDict").level).toBe("safe");
    expect(classifyGlobal("torch._utils", "_rebuild_tensor_v2").level).toBe("safe");
    expect(classifyGlobal("numpy.core.multiarray", "_reconstruct").level).toBe("safe");
    expect(classifyGlobal("sklearn.linear_model._logistic", "LogisticRegression").level).toBe("safe");
    // A function (lower case) in scikit-learn is not a class: not allowed by the family rule.
    expect(classifyGlobal("sklearn.utils", "some_function").level).toBe("unknown");
    expect(classifyGlobal("sklearn.datasets", "Fetcher").level).toBe("unknown");
    expect(classifyGlobal("sklearn.utils._joblib", "Memory").level).toBe("unknown");
    // The namedtuple factory builds code with eval; pickled namedtuples never need it.
    expect(classifyGlobal("collections", "namedtuple").level).toBe("unknown");
    expect(classifyGlobal("builtins", "eval").level).toBe("dangerous");
    expect(classifyGlobal("builtins", "getattr").level).toBe("dangerous");
    expect(classifyGlobal("os", "system").level).toBe("dangerous");
    expect(classifyGlobal("socket", "create_connection").level).toBe("dangerous");
    expect(classifyGlobal("pickle", "loads").level).toBe("dangerous");
    expect(classifyGlobal("pdb", "Pdb").level).toBe("dangerous");
    expect(classifyGlobal("importlib", "import_module").level).toBe("dangerous");
    // Prefix look-alikes are neither: "collectionsx" is not "collections".
    expect(classifyGlobal("collectionsx", "OrderedDict").level).toBe("unknown");
    expect(classifyGlobal("osx", "system").level).toBe("unknown");
    // Not a Python identifier path: cannot be imported as written, still not safe.
    expect(classifyGlobal("os ", "system").level).toBe("unknown");
  });

  it("maps Python 2 names the way Python 3's unpickler does", () => {
    expect(classifyGlobal("__builtin__", "eval").level).toBe("dangerous");
    expect(classifyGlobal("__builtin__", "set").level).toBe("safe");
    expect(classifyGlobal("copy_reg", "_reconstructor").level).toBe("safe");
    expect(classifyGlobal("__builtin__", "reduce").level).toBe("dangerous");
    expect(classifyGlobal("commands", "getoutput").level).toBe("dangerous");
  });

  it("nested pickles inside bytes values are scanned", () => {
    const inner = callPickle("os", "system", "id", 4);
    const outer = bytes(P.proto(3), P.binbytes(inner), P.stop);
    const r = scan(outer);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.detail.startsWith("pickle inside a bytes value"))).toBe(true);
  });

  it("reads pickles longer than the first read window, and reports the scan limit", () => {
    // 3 MB of bytes, then the call: the reader must grow its window to reach it.
    const big = bytes(
      P.proto(4),
      P.binbytes(new Uint8Array(3 * 1024 * 1024)),
      P.pop,
      callPickle("os", "system", "id", 4).subarray(2),
    );
    expect(scan(big).verdict).toBe("malicious");
    const limited = scanModelBytes(big, "big.pkl", { limits: { maxPickleBytes: 2 * 1024 * 1024 } })[0]!;
    expect(limited.findings.some((f) => f.kind === "scan-limit")).toBe(true);
    expect(limited.verdict).not.toBe("clean");
  });

  it("a truncated pickle keeps the findings made before the break", () => {
    const data = callPickle("builtins", "exec", "print(1)").subarray(0, 20);
    const r = scan(data);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.kind === "parse-error")).toBe(true);
  });
});
