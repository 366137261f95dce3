/**
 * Property tests: the pickle simulator and the format readers never throw on random or mutated
 * input, and the simulator makes one pass (at most one opcode per byte), so it cannot loop. A hang
 * would fail the test through vitest's timeout.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanModelBytes, simulatePickle } from "../../../src/scan/model/index.js";
import {
  P,
  bytes,
  callPickle,
  gguf,
  npy,
  onnxExternalTensor,
  onnxModel,
  safetensors,
  tar,
  torchStateDictPickle,
  zip,
} from "./build.js";

const VERDICTS = ["clean", "suspicious", "malicious", "invalid"];

const seeds: Uint8Array[] = [
  torchStateDictPickle(),
  callPickle("os", "system", "id", 0),
  callPickle("builtins", "eval", "1", 4),
  bytes(P.proto(4), P.str("os"), P.memoize, P.str("system"), P.memoize, P.stackGlobal, P.binget(0), P.stop),
  bytes(P.proto(2), P.emptyDict, P.mark, P.str("a"), P.int(1), P.setitems, P.stop),
];

/** A seed with a few bytes replaced, inserted or removed. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "delete")),
      {
        minLength: 1,
        maxLength: 8,
      },
    ),
  )
  .map(([seed, edits]) => {
    const out = [...seed];
    for (const [at, value, how] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (how === "set" && out.length) out[i] = value;
      else if (how === "insert") out.splice(i, 0, value);
      else out.splice(i, 1);
    }
    return Uint8Array.from(out);
  });

/** Random opcode soup: valid opcode bytes with random arguments. */
const OPCODES = [
  0x80, 0x95, 0x28, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x4a, 0x4b, 0x4d, 0x8a, 0x8c, 0x58, 0x42, 0x43, 0x29,
  0x74, 0x85, 0x86, 0x87, 0x5d, 0x6c, 0x7d, 0x64, 0x8f, 0x91, 0x61, 0x65, 0x73, 0x75, 0x90, 0x71, 0x94, 0x68,
  0x6a, 0x63, 0x93, 0x69, 0x6f, 0x52, 0x81, 0x92, 0x62, 0x51, 0x82, 0x2e, 0x0a,
];
const soup = fc
  .array(fc.oneof(fc.constantFrom(...OPCODES), fc.integer({ min: 0, max: 255 })), { maxLength: 400 })
  .map((a) => Uint8Array.from(a));

const inputs = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated, soup);

describe("pickle simulator properties", () => {
  it("never throws, makes one pass and returns a well-formed result", () => {
    fc.assert(
      fc.property(inputs, (data) => {
        const r = simulatePickle(data);
        expect(r.end).toBeLessThanOrEqual(data.length);
        expect(r.opcodes).toBeLessThanOrEqual(data.length);
        expect(r.complete || r.error !== undefined).toBe(true);
        for (const f of r.findings) {
          expect(typeof f.detail).toBe("string");
          expect(f.offset).toBeGreaterThanOrEqual(0);
          expect(f.offset).toBeLessThan(Math.max(1, data.length));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("a payload appended to any valid prefix is still reported", () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds.slice(0, 1), seeds[4]!), fc.nat({ max: 3 }), (prefix, proto) => {
        const data = bytes(prefix, callPickle("os", "system", "id", proto));
        expect(scanModelBytes(data, "x.pkl")[0]!.verdict).toBe("malicious");
      }),
      { numRuns: 50 },
    );
  });
});

describe("format readers never throw on mutated files", () => {
  const formats: [string, Uint8Array][] = [
    ["model.pt", zip([{ name: "archive/data.pkl", data: torchStateDictPickle() }])],
    ["a.npz", zip([{ name: "a.npy", data: npy("|O", [1], callPickle("os", "system", "x")), method: 8 }])],
    ["a.npy", npy("<f4", [2, 2], new Uint8Array(16))],
    [
      "m.safetensors",
      safetensors({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)),
    ],
    [
      "m.gguf",
      gguf(
        [["tokenizer.chat_template", { type: "str", v: "{{ x }}" }]],
        [{ name: "w", dims: [8], offset: 0 }],
        32,
      ),
    ],
    ["m.onnx", onnxModel([onnxExternalTensor("w", "w.bin")])],
    ["m.tar", tar([{ name: "pickle", data: torchStateDictPickle() }])],
  ];

  it.each(formats)("%s", (name, seed) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (edits, cut) => {
          const data = Uint8Array.from(seed);
          for (const [at, v] of edits) data[at % data.length] = v;
          const truncated = cut % 4 === 0 ? data.subarray(0, cut % data.length) : data;
          const reports = scanModelBytes(truncated, name, { limits: { maxExpandedBytes: 1 << 22 } });
          expect(reports.length).toBeGreaterThan(0);
          for (const r of reports) {
            expect(VERDICTS).toContain(r.verdict);
            // The scanner itself failing is a bug, never an outcome of bad input.
            expect(r.findings.filter((f) => f.kind === "scanner-error")).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
