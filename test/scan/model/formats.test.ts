import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanModelBytes, scanModelPaths, type FileReport } from "../../../src/scan/model/index.js";
import {
  P,
  bytes,
  callPickle,
  enc,
  gguf,
  hdf5WithAttribute,
  le,
  npy,
  onnxExternalTensor,
  onnxIfNode,
  onnxModel,
  safetensors,
  tar,
  torchStateDictPickle,
  zip,
} from "./build.js";

const scan = (data: Uint8Array, name: string): FileReport[] => scanModelBytes(data, name);
const top = (data: Uint8Array, name: string) => scan(data, name)[0]!;
const kinds = (r: FileReport) => r.findings.map((f) => f.kind);

describe("PyTorch", () => {
  it("a torch.save zip with an ordinary state dict is clean, members reported as archive:member", () => {
    const z = zip([
      { name: "archive/data.pkl", data: torchStateDictPickle() },
      { name: "archive/data/0", data: new Uint8Array(16) },
      { name: "archive/version", data: enc.encode("3\n") },
    ]);
    const reports = scan(z, "model.pt");
    expect(reports[0]!.format).toBe("pytorch-zip");
    expect(reports[0]!.verdict).toBe("clean");
    expect(reports.map((r) => r.path)).toContain("model.pt:archive/data.pkl");
  });

  it("raw storages that happen to start like a pickle do not make a clean checkpoint invalid", () => {
    const storage = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
    storage[0] = 0x80;
    storage[1] = 0x02;
    const z = zip([
      { name: "archive/data.pkl", data: torchStateDictPickle() },
      { name: "archive/data/0", data: storage },
    ]);
    const reports = scan(z, "model.pt");
    expect(reports[0]!.verdict).toBe("clean");
    // The same bytes as a file the user names are reported as a broken pickle.
    expect(top(storage, "weights.pkl").verdict).toBe("invalid");
  });

  it("legacy tar checkpoints: a payload in the pickle member is found", () => {
    const t = tar([
      { name: "sys_info", data: bytes(P.proto(2), P.emptyDict, P.stop) },
      { name: "pickle", data: callPickle("os", "system", "id") },
      { name: "storages", data: bytes(P.proto(2), P.int(0), P.stop, new Uint8Array(32)) },
    ]);
    const reports = scan(t, "model.tar");
    expect(reports[0]!.verdict).toBe("malicious");
    expect(reports.find((r) => r.path === "model.tar:pickle")!.verdict).toBe("malicious");
  });

  it("a pickle hidden between raw storage bytes of a legacy tar is carved out", () => {
    const t = tar([
      { name: "storages", data: bytes(new Uint8Array(40).fill(7), callPickle("os", "system", "id")) },
    ]);
    expect(top(t, "model.tar").verdict).toBe("malicious");
  });
});

describe("NumPy", () => {
  it("numeric .npy arrays are clean; sizes that do not match are invalid", () => {
    expect(top(npy("<i4", [4], new Uint8Array(16)), "a.npy").verdict).toBe("clean");
    const short = top(npy("<i4", [4], new Uint8Array(8)), "a.npy");
    expect(short.verdict).toBe("invalid");
    expect(kinds(short)).toContain("invalid-npy");
  });

  it("object arrays are pickles: numpy-only globals are clean, a payload is malicious", () => {
    const benign = bytes(
      P.proto(3),
      P.global("numpy.core.multiarray", "_reconstruct"),
      P.global("numpy", "ndarray"),
      P.int(0),
      P.tuple1,
      P.shortBinbytes(enc.encode("b")),
      P.tuple3,
      P.reduce,
      P.stop,
    );
    expect(top(npy("|O", [1], benign), "o.npy").verdict).toBe("clean");
    const bad = top(npy("|O", [1], callPickle("ssl", "get_server_certificate", "x.invalid")), "o.npy");
    expect(bad.format).toBe("npy-object");
    expect(bad.verdict).toBe("malicious");
  });

  it(".npz members (stored and deflated) are scanned", () => {
    const z = zip([
      { name: "a.npy", data: npy("<f8", [2], new Uint8Array(16)) },
      { name: "b.npy", data: npy("|O", [1], callPickle("os", "system", "id")), method: 8 },
    ]);
    const reports = scan(z, "arrays.npz");
    expect(reports[0]!.format).toBe("npz");
    expect(reports[0]!.verdict).toBe("malicious");
    expect(reports.find((r) => r.path === "arrays.npz:a.npy")!.verdict).toBe("clean");
    expect(reports.find((r) => r.path === "arrays.npz:b.npy")!.verdict).toBe("malicious");
  });
});

const lambdaLayer = {
  class_name: "Lambda",
  config: { name: "evil", function: ["4wEAAAAAAAAA", null, null], function_type: "lambda" },
};
const nestedConfig = {
  class_name: "Sequential",
  config: {
    name: "outer",
    layers: [
      { class_name: "Dense", config: { name: "d", units: 2 } },
      {
        class_name: "TimeDistributed",
        config: { name: "td", layer: { class_name: "Functional", config: { layers: [lambdaLayer] } } },
      },
    ],
  },
};

describe("Keras", () => {
  it("finds a Lambda layer at any depth of a .keras config", () => {
    const z = zip([
      { name: "config.json", data: enc.encode(JSON.stringify(nestedConfig)) },
      { name: "metadata.json", data: enc.encode('{"keras_version": "3.3.3"}') },
      { name: "model.weights.h5", data: new Uint8Array(8) },
    ]);
    const reports = scan(z, "model.keras");
    expect(reports[0]!.verdict).toBe("malicious");
    const lambda = reports.flatMap((r) => r.findings).find((f) => f.kind === "lambda-layer")!;
    expect(lambda.detail).toContain('"evil"');
    expect(lambda.detail).toContain("layers[1]");
  });

  it("a plain Keras config is clean; a module outside Keras is suspicious (CVE-2025-1550)", () => {
    const plain = {
      class_name: "Sequential",
      module: "keras",
      config: { layers: [{ class_name: "Dense", module: "keras.layers", config: {} }] },
    };
    const z = zip([
      { name: "config.json", data: enc.encode(JSON.stringify(plain)) },
      { name: "metadata.json", data: enc.encode("{}") },
    ]);
    expect(top(z, "model.keras").verdict).toBe("clean");
    const custom = { ...plain, module: "mylib.models" };
    const c = zip([
      { name: "config.json", data: enc.encode(JSON.stringify(custom)) },
      { name: "metadata.json", data: enc.encode("{}") },
    ]);
    expect(top(c, "model.keras").verdict).toBe("suspicious");
    const os = { class_name: "system", module: "os", config: {} };
    const o = zip([
      { name: "config.json", data: enc.encode(JSON.stringify(os)) },
      { name: "metadata.json", data: enc.encode("{}") },
    ]);
    expect(top(o, "model.keras").verdict).toBe("malicious");
  });

  it("finds a nested Lambda layer in a legacy .h5 model_config attribute", () => {
    const h5 = hdf5WithAttribute("model_config", JSON.stringify(nestedConfig));
    const r = top(h5, "model.h5");
    expect(r.format).toMatch(/hdf5|keras/);
    expect(r.verdict).toBe("malicious");
    expect(kinds(r)).toContain("lambda-layer");
    expect(r.findings.find((f) => f.kind === "lambda-layer")!.detail).toContain("attribute model_config");
    // A layout the structured reader cannot follow: the raw bytes are searched for the config.
    const broken = hdf5WithAttribute("model_config", JSON.stringify(nestedConfig));
    broken[96] = 9; // root object header version
    const b = top(broken, "model.h5");
    expect(kinds(b)).toContain("hdf5-not-covered");
    expect(b.verdict).toBe("malicious");
    const clean = top(
      hdf5WithAttribute("model_config", JSON.stringify({ class_name: "Sequential", config: { layers: [] } })),
      "m.h5",
    );
    expect(clean.verdict).toBe("clean");
  });
});

describe("safetensors", () => {
  const good = () =>
    safetensors(
      {
        __metadata__: { format: "pt" },
        a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] },
        b: { dtype: "I8", shape: [4], data_offsets: [16, 20] },
      },
      new Uint8Array(20),
    );

  it("a well-formed file is clean", () => {
    const r = top(good(), "model.safetensors");
    expect(r.format).toBe("safetensors");
    expect(r.verdict).toBe("clean");
  });

  it.each([
    ["offsets past the data", { a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8],
    [
      "overlapping tensors",
      {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
      },
      12,
    ],
    ["an unknown dtype", { a: { dtype: "PYOBJ", shape: [1], data_offsets: [0, 4] } }, 4],
    ["a size that does not match the shape", { a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8],
    ["bytes that belong to no tensor", { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 12],
    [
      "non-string metadata",
      { __metadata__: { n: 1 }, a: { dtype: "U8", shape: [1], data_offsets: [0, 1] } },
      1,
    ],
  ])("%s is invalid", (_why, header, dataLen) => {
    const r = top(safetensors(header, new Uint8Array(dataLen)), "model.safetensors");
    expect(r.verdict).toBe("invalid");
    expect(kinds(r)).toContain("invalid-safetensors");
  });

  it("a header length beyond the file or a header that is not JSON is invalid", () => {
    const longHeader = bytes(le(1000, 8), "{}");
    expect(top(longHeader, "model.safetensors").verdict).toBe("invalid");
    const notJson = bytes(le(5, 8), "{oops");
    expect(top(notJson, "model.safetensors").verdict).toBe("invalid");
  });
});

describe("GGUF", () => {
  const ordinary =
    "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + eos_token }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

  it("a well-formed file with an ordinary chat template is clean", () => {
    const g = gguf(
      [
        ["general.architecture", { type: "str", v: "llama" }],
        ["general.alignment", { type: "u32", v: 32 }],
        ["tokenizer.chat_template", { type: "str", v: ordinary }],
        ["tokenizer.ggml.tokens", { type: "strs", v: ["a", "b"] }],
      ],
      [{ name: "w", dims: [4], offset: 0 }],
      16,
    );
    const r = top(g, "model.gguf");
    expect(r.format).toBe("gguf");
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe("clean");
  });

  it("a chat template that reaches Python internals is malicious (CVE-2024-34359)", () => {
    const ssti =
      "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}" +
      "{{ x()._module.__builtins__['__import__']('os').popen('id').read() }}{% endif %}{% endfor %}";
    const r = top(gguf([["tokenizer.chat_template", { type: "str", v: ssti }]], [], 0), "model.gguf");
    expect(r.verdict).toBe("malicious");
    expect(kinds(r)).toContain("chat-template-code");
    const helper = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    expect(
      top(gguf([["tokenizer.chat_template", { type: "str", v: helper }]], [], 0), "m.gguf").verdict,
    ).toBe("malicious");
  });

  it("bad headers, lengths and tensor bounds are invalid", () => {
    const badVersion = bytes("GGUF", le(99, 4), le(0, 8), le(0, 8));
    expect(top(badVersion, "m.gguf").verdict).toBe("invalid");
    const hugeString = bytes("GGUF", le(3, 4), le(0, 8), le(1, 8), le(2 ** 40, 8), "k");
    expect(top(hugeString, "m.gguf").verdict).toBe("invalid");
    const outOfBounds = gguf([], [{ name: "w", dims: [1024], offset: 0 }], 16);
    expect(top(outOfBounds, "m.gguf").verdict).toBe("invalid");
    const overlap = gguf(
      [],
      [
        { name: "a", dims: [8], offset: 0 },
        { name: "b", dims: [8], offset: 0 },
      ],
      64,
    );
    expect(top(overlap, "m.gguf").findings.some((f) => f.detail.includes("overlaps"))).toBe(true);
  });
});

describe("ONNX external data", () => {
  it("a location inside the model folder is clean", () => {
    const m = onnxModel([onnxExternalTensor("w", "weights/w.bin")]);
    expect(top(m, "model.onnx").verdict).toBe("clean");
  });

  it.each(["../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "sub/../../secret"])(
    "%s escapes the folder and is malicious",
    (loc) => {
      const r = top(onnxModel([onnxExternalTensor("w", loc)]), "model.onnx");
      expect(r.verdict).toBe("malicious");
      expect(kinds(r)).toContain("onnx-external-path");
    },
  );

  it("finds escaping paths in subgraphs (If/Loop bodies)", () => {
    const m = onnxModel([], [onnxIfNode([onnxExternalTensor("w", "../../../root/.ssh/id_rsa")])]);
    expect(top(m, "model.onnx").verdict).toBe("malicious");
  });
});

describe("limits", () => {
  it("a zip bomb stops at the expansion budget and is reported", () => {
    const z = zip([{ name: "big.pkl", data: new Uint8Array(4 * 1024 * 1024), method: 8 }]);
    const reports = scanModelBytes(z, "bomb.zip", { limits: { maxExpandedBytes: 1024 * 1024 } });
    expect(reports[0]!.findings.some((f) => f.kind === "expansion-limit")).toBe(true);
    expect(reports[0]!.verdict).not.toBe("clean");
  });

  it("nesting deeper than the limit is reported, not followed", () => {
    let data = callPickle("os", "system", "id");
    for (let i = 0; i < 5; i++) data = zip([{ name: `l${i}.zip`, data }]);
    const reports = scanModelBytes(data, "deep.zip", { limits: { maxDepth: 2 } });
    expect(reports.some((r) => r.findings.some((f) => f.kind === "depth-limit"))).toBe(true);
    expect(reports[0]!.verdict).not.toBe("clean");
  });

  it("archives with more members than the limit are reported", () => {
    const z = zip(
      Array.from({ length: 20 }, (_, i) => ({ name: `m${i}.npy`, data: npy("<i1", [1], new Uint8Array(1)) })),
    );
    const reports = scanModelBytes(z, "many.npz", { limits: { maxMembers: 5 } });
    expect(reports[0]!.findings.some((f) => f.kind === "member-limit")).toBe(true);
    expect(reports.length).toBeLessThanOrEqual(1 + 5);
  });
});

describe("folders", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pcx-scanmodel-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("walks folders recursively, reports model files, skips plain data and .git", () => {
    mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, "weights.pt"), torchStateDictPickle());
    writeFileSync(join(dir, "sub", "deeper", "evil.bin"), callPickle("os", "system", "id"));
    writeFileSync(join(dir, "sub", "notes.txt"), "just text");
    writeFileSync(join(dir, ".git", "payload.pkl"), callPickle("os", "system", "id"));
    const { files } = scanModelPaths([dir]);
    const byName = Object.fromEntries(files.map((f) => [f.path.slice(dir.length + 1), f.verdict]));
    expect(byName).toEqual({ "sub/deeper/evil.bin": "malicious", "weights.pt": "clean" });
  });

  it("ONNX external data that is a symlink out of the folder is malicious", () => {
    writeFileSync(join(dir, "model.onnx"), onnxModel([onnxExternalTensor("w", "w.bin")]));
    symlinkSync("/etc/hostname", join(dir, "w.bin"));
    const { files } = scanModelPaths([join(dir, "model.onnx")]);
    expect(files[0]!.verdict).toBe("malicious");
  });

  it("a file that is not a model is invalid, not clean", () => {
    writeFileSync(join(dir, "bad.pt"), bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const { files } = scanModelPaths([join(dir, "bad.pt")]);
    expect(files[0]!.verdict).toBe("invalid");
    expect(files[0]!.findings[0]!.detail).toContain("PNG");
  });
});
