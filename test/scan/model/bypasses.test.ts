/**
 * One test per published bypass of block-list pickle scanners (docs/scanning.md, "Bypasses this
 * scanner is tested against"). Every fixture is assembled here from opcodes; none is loaded.
 */
import { describe, expect, it } from "vitest";
import { scanModelBytes, type FileReport } from "../../../src/scan/model/index.js";
import { P, bytes, callPickle, gzip, torchStateDictPickle, zip } from "./build.js";

const scan = (data: Uint8Array, name = "model.pkl"): FileReport[] => scanModelBytes(data, name);
const top = (data: Uint8Array, name = "model.pkl") => scan(data, name)[0]!;
const flagged = (r: FileReport) => r.verdict === "malicious" || r.verdict === "suspicious";

describe("bypasses of block-list scanners", () => {
  it("1. dangerous callables missing from block-lists are not clean (allow-list)", () => {
    // Callables from published advisories against block-list scanners.
    const cases: [string, string][] = [
      ["runpy", "_run_code"],
      ["pip", "main"],
      ["venv", "create"],
      ["torch._inductor.codecache", "compile_file"],
      ["idlelib.pyshell", "ModifiedInterpreter.runcode"],
      ["profile", "run"],
      ["cProfile", "runctx"],
      ["trace", "Trace.run"],
      ["doctest", "debug_script"],
      ["pydoc", "locate"],
      ["lib2to3.pgen2.pgen", "ParserGenerator.make_label"],
      ["numpy.f2py.crackfortran", "getlincoef"],
      ["asyncio.unix_events", "_UnixSubprocessTransport._start"],
      ["pty", "spawn"],
      ["ensurepip", "_run_pip"],
      ["code", "InteractiveInterpreter.runcode"],
      ["_io", "FileIO"],
      ["logging", "FileHandler"],
      ["types", "CodeType"],
      ["ssl", "get_server_certificate"],
      ["torch.utils.collect_env", "run"],
      ["pkgutil", "resolve_name"],
      ["torch.utils.bottleneck.__main__", "run_cprofile"],
      ["torch._dynamo.guards", "GuardBuilder.get"],
      ["numpy.testing._private.utils", "runstring"],
      ["torch.jit.unsupported_tensor_ops", "execWrapper"],
      ["torch.utils._config_module", "ConfigModule.load_config"],
      ["torch.utils.data.datapipes.utils.decoder", "basichandlers"],
    ];
    for (const [m, n] of cases) {
      const r = top(callPickle(m, n, "x", 4));
      expect(r.verdict, `${m}.${n}`).toBe("malicious");
    }
    // And one that no list names at all is still suspicious, never clean.
    expect(top(callPickle("somepkg.helpers", "run_anything", "x", 4)).verdict).toBe("suspicious");
  });

  it("2. STACK_GLOBAL operands fetched from the memo are resolved", () => {
    const data = bytes(
      P.proto(4),
      P.str("builtins"),
      P.memoize, // memo 0
      P.pop,
      P.str("eval"),
      P.memoize, // memo 1
      P.pop,
      P.str("decoy"),
      P.pop,
      P.binget(0),
      P.binget(1),
      P.stackGlobal,
      P.str("1+1"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    const r = top(data);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.find((f) => f.kind === "dangerous-global")!.detail).toContain("builtins.eval");
  });

  it("3. a memo slot overwritten with a different string is read with its last value", () => {
    const data = bytes(
      P.proto(4),
      P.str("collections"),
      P.binput(0),
      P.pop,
      P.str("OrderedDict"),
      P.binput(1),
      P.pop,
      P.str("os"),
      P.binput(0), // slot 0 now holds "os"
      P.pop,
      P.str("system"),
      P.binput(1),
      P.pop,
      P.binget(0),
      P.binget(1),
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    expect(top(data).findings.some((f) => f.detail.includes("os.system"))).toBe(true);
    expect(top(data).verdict).toBe("malicious");
  });

  it("4. decoy strings between the operands do not mislead (no 'two previous strings' heuristic)", () => {
    // A scanner that pairs STACK_GLOBAL with the two nearest string opcodes would read collections.OrderedDict.
    const data = bytes(
      P.proto(4),
      P.str("os"),
      P.str("collections"),
      P.pop,
      P.str("system"),
      P.str("OrderedDict"),
      P.pop,
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    const r = top(data);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.detail.includes("os.system"))).toBe(true);
  });

  it("5. STACK_GLOBAL operands that are not literal strings are suspicious, not skipped", () => {
    // The module name is the result of a call: it cannot be known without running the pickle.
    const computed = bytes(
      P.proto(4),
      P.global("collections", "OrderedDict"),
      P.emptyTuple,
      P.reduce,
      P.str("system"),
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    const r = top(computed);
    expect(r.verdict).toBe("suspicious");
    expect(r.findings.some((f) => f.kind === "unresolved-global")).toBe(true);
    expect(r.findings.some((f) => f.kind === "indirect-call")).toBe(true);
    // Type confusion: non-string operands (an int) stop the real unpickler; still reported.
    const confused = bytes(P.proto(4), P.int(1), P.str("system"), P.stackGlobal, P.stop);
    const c = top(confused);
    expect(c.findings.some((f) => f.kind === "stack-global-type-confusion")).toBe(true);
    expect(c.verdict).not.toBe("clean");
  });

  it("6. names spelt with escapes (UNICODE, STRING) are decoded as the unpickler decodes them", () => {
    const unicode = bytes(
      P.proto(4),
      P.unicode("o\\u0073"),
      P.unicode("\\u0073ystem"),
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    expect(top(unicode).findings.some((f) => f.detail.includes("os.system"))).toBe(true);
    const quoted = bytes(P.proto(2), P.string("'\\x6fs'"), P.string("'\\163ystem'"), P.stackGlobal, P.stop);
    expect(top(quoted).verdict).toBe("malicious");
  });

  it("7. Python 2 and platform module names (__builtin__, posix, nt) are mapped", () => {
    for (const [m, n] of [
      ["__builtin__", "eval"],
      ["posix", "system"],
      ["nt", "system"],
      ["commands", "getoutput"],
    ] as const) {
      expect(top(callPickle(m, n, "x", 0)).verdict, `${m}.${n}`).toBe("malicious");
    }
  });

  it("8. dotted names reach a dangerous attribute through an allowed-looking module", () => {
    expect(top(callPickle("builtins", "__import__", "os", 4)).verdict).toBe("malicious");
    expect(top(callPickle("collections", "OrderedDict.__init__.__globals__", "x", 4)).verdict).toBe(
      "malicious",
    );
    expect(top(callPickle("torch", "jit.load", "x", 4)).verdict).toBe("malicious");
  });

  it("9. getattr-style gadgets (getattr, attrgetter, methodcaller, partial) are malicious", () => {
    for (const [m, n] of [
      ["builtins", "getattr"],
      ["operator", "attrgetter"],
      ["operator", "methodcaller"],
      ["_operator", "attrgetter"],
      ["functools", "partial"],
      ["functools", "reduce"],
    ] as const) {
      expect(top(callPickle(m, n, "x", 4)).verdict, `${m}.${n}`).toBe("malicious");
    }
  });

  it("10. calls written with INST, OBJ, NEWOBJ and NEWOBJ_EX are seen, not only GLOBAL+REDUCE", () => {
    const inst = bytes(P.mark, P.string("'id'"), P.inst("os", "system"), P.stop);
    const obj = bytes(P.proto(2), P.mark, P.global("os", "system"), P.binunicode("id"), P.obj, P.stop);
    const newobj = bytes(
      P.proto(2),
      P.global("subprocess", "Popen"),
      P.binunicode("id"),
      P.tuple1,
      P.newobj,
      P.stop,
    );
    const newobjEx = bytes(
      P.proto(4),
      P.str("subprocess"),
      P.str("Popen"),
      P.stackGlobal,
      P.str("id"),
      P.tuple1,
      P.emptyDict,
      P.newobjEx,
      P.stop,
    );
    for (const d of [inst, obj, newobj, newobjEx]) expect(top(d).verdict).toBe("malicious");
  });

  it("11. EXT opcodes (copyreg extension registry) cannot be resolved and are suspicious", () => {
    const r = top(bytes(P.proto(2), P.ext1(42), P.emptyTuple, P.reduce, P.stop));
    expect(r.verdict).toBe("suspicious");
    expect(r.findings.some((f) => f.kind === "extension-code")).toBe(true);
  });

  it("12. a payload before a parse error still counts (broken pickles)", () => {
    const payload = callPickle("builtins", "exec", "import os");
    // A huge BINUNICODE length after the call: a strict parser stops with an error.
    const data = bytes(payload.subarray(0, -1), 0x58, 0xff, 0xff, 0xff, 0x20, "junk");
    const r = top(data);
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.kind === "parse-error")).toBe(true);
  });

  it("13. a second pickle stream after the first STOP is scanned", () => {
    const data = bytes(bytes(P.proto(2), P.none, P.stop), callPickle("os", "system", "id"));
    expect(top(data).verdict).toBe("malicious");
  });

  it("14. legacy torch files: the magic number produced by eval, and the later streams", () => {
    // torch's legacy loader unpickles the magic number first: computing it with eval runs code.
    const magic = bytes(
      P.proto(2),
      P.global("__builtin__", "eval"),
      P.binunicode("0x1950a86a20f9469cfc6c"),
      P.tuple1,
      P.reduce,
      P.stop,
    );
    expect(top(magic, "model.pt").verdict).toBe("malicious");
    // A well-formed legacy header followed by a state dict, then a payload in the storage-keys stream.
    const magicNumber = bytes(
      P.proto(2),
      0x8a,
      10,
      [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19],
      P.stop,
    );
    const legacy = bytes(
      magicNumber,
      bytes(P.proto(2), P.int(1001), P.stop),
      bytes(P.proto(2), P.emptyDict, P.stop),
      torchStateDictPickle(),
      callPickle("os", "system", "id"),
    );
    const r = top(legacy, "model.pt");
    expect(r.format).toBe("pytorch-legacy");
    expect(r.verdict).toBe("malicious");
  });

  it("15. BUILD overwriting module attributes and planting __setstate__ is malicious", () => {
    // Sets torch._utils.builtins-like attributes: later imports resolve to the attacker's value.
    const mutate = bytes(
      P.proto(2),
      P.global("torch._utils", "_rebuild_tensor"),
      P.emptyDict,
      P.str("x"),
      P.global("os", "system"),
      P.setitem,
      P.build,
      P.stop,
    );
    expect(top(mutate).findings.some((f) => f.kind === "global-mutation")).toBe(true);
    expect(top(mutate).verdict).toBe("malicious");
    const hijack = bytes(
      P.proto(2),
      P.global("collections", "OrderedDict"),
      P.emptyTuple,
      P.reduce,
      P.emptyDict,
      P.str("__setstate__"),
      P.global("collections", "Counter"),
      P.setitem,
      P.build,
      P.str("payload"),
      P.build,
      P.stop,
    );
    const h = top(hijack);
    expect(h.findings.some((f) => f.kind === "setstate-hijack")).toBe(true);
    expect(h.verdict).toBe("malicious");
  });

  it("16. nested deserialisers (pickle.loads, torch.load, numpy.load, marshal) are malicious", () => {
    for (const [m, n] of [
      ["pickle", "loads"],
      ["_pickle", "loads"],
      ["torch", "load"],
      ["numpy", "load"],
      ["marshal", "loads"],
      ["dill", "loads"],
    ] as const) {
      expect(top(callPickle(m, n, "x", 4)).verdict, `${m}.${n}`).toBe("malicious");
    }
  });

  it("17. ZIP flag bits (0x1, 0x20, 0x40) and bad CRCs do not stop the member from being scanned", () => {
    for (const flags of [0x1, 0x20, 0x40, 0x41]) {
      const z = zip([{ name: "archive/data.pkl", data: callPickle("os", "system", "id"), flags }]);
      expect(top(z, "model.pt").verdict, `flags ${flags}`).toBe("malicious");
    }
    const crc = zip([{ name: "archive/data.pkl", data: callPickle("os", "system", "id"), badCrc: true }]);
    expect(top(crc, "model.pt").verdict).toBe("malicious");
  });

  it("18. central-directory tricks: names that differ, entries missing from the directory", () => {
    const mismatch = zip([
      { name: "archive/data.pkl", localName: "archive/readme.txt", data: callPickle("os", "system", "id") },
    ]);
    const m = scan(mismatch, "model.pt");
    expect(m[0]!.verdict).toBe("malicious");
    expect(m[0]!.findings.some((f) => f.kind === "zip-name-mismatch")).toBe(true);
    const hidden = zip([
      { name: "archive/data.pkl", data: torchStateDictPickle() },
      { name: "archive/extra.pkl", data: callPickle("os", "system", "id"), hidden: true },
    ]);
    const h = scan(hidden, "model.pt");
    expect(h[0]!.verdict).toBe("malicious");
    expect(h[0]!.findings.some((f) => f.kind === "zip-hidden-entry")).toBe(true);
  });

  it("19. pickles under other names (data.txt, no extension, .bin) are found by content", () => {
    const z = zip([{ name: "model/data.txt", data: callPickle("os", "system", "id") }]);
    const reports = scan(z, "weights.zip");
    expect(reports[0]!.verdict).toBe("malicious");
    expect(reports.map((r) => r.path)).toContain("weights.zip:model/data.txt");
    expect(top(callPickle("os", "system", "id"), "README").verdict).toBe("malicious");
  });

  it("20. a pickle in front of a zip (polyglot) is scanned both ways", () => {
    const z = zip(
      [{ name: "archive/data.pkl", data: torchStateDictPickle() }],
      callPickle("os", "system", "id"),
    );
    const r = top(z, "model.pt");
    expect(r.verdict).toBe("malicious");
    expect(r.findings.some((f) => f.kind === "polyglot")).toBe(true);
  });

  it("21. compressed and unsupported wrappers: gzip is unpacked; 7z is carved and never clean", () => {
    expect(top(gzip(callPickle("os", "system", "id")), "model.pkl.gz").verdict).toBe("malicious");
    const sevenZ = bytes(
      [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4],
      new Uint8Array(24),
      callPickle("os", "system", "id"),
    );
    const r = top(sevenZ, "model.7z");
    expect(r.verdict).toBe("malicious");
    const plain7z = bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4], new Uint8Array(64).fill(0x11));
    expect(flagged(top(plain7z, "model.7z"))).toBe(true);
  });

  it("22. archives nested in archives are followed (zip in zip, pickle in npz)", () => {
    const inner = zip([{ name: "archive/data.pkl", data: callPickle("os", "system", "id") }]);
    const outer = zip([{ name: "inner.zip", data: inner, method: 8 }]);
    const reports = scan(outer, "bundle.zip");
    expect(reports[0]!.verdict).toBe("malicious");
    expect(reports.some((r) => r.path === "bundle.zip:inner.zip:archive/data.pkl")).toBe(true);
  });
});
