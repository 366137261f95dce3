import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, decodeLeaf, encodeLeaf } from "../../src/audit/encoding.js";
import { sampleEvent } from "./helpers.js";

describe("leaf encoding (canonical JSON, RFC 8785 style)", () => {
  it("sorts keys, drops whitespace and undefined members", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, d: { z: 0, y: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":0,"z":0}}',
    );
  });

  it("writes numbers and strings as RFC 8785 does", () => {
    expect(canonicalJson([1e21, 0.1, 1e-7, 333333333.3333333, -1.5])).toBe(
      "[1e+21,0.1,1e-7,333333333.3333333,-1.5]",
    );
    expect(canonicalJson('\u2028\n\t"\\\u0001é')).toBe('"\u2028\\n\\t\\"\\\\\\u0001é"');
    // Keys compare by UTF-16 code units: "é" (U+00E9) sorts after "z".
    expect(canonicalJson({ z: 1, é: 2, a: 3 })).toBe('{"a":3,"z":1,"é":2}');
  });

  it("is total: non-finite numbers become null, bigints strings, toJSON is used", () => {
    expect(canonicalJson({ n: NaN, i: Infinity, b: 12n, d: new Date(0) })).toBe(
      '{"b":"12","d":"1970-01-01T00:00:00.000Z","i":null,"n":null}',
    );
  });

  it("gives the same bytes whatever the key order of the input", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
      { numRuns: 200 },
    );
  });

  it("a leaf carries its index and version, and decodes back only at that index", () => {
    const leaf = encodeLeaf(sampleEvent(2), 2);
    const text = leaf.toString("utf8");
    expect(text.startsWith('{"event":{"activity":"chat.completions",')).toBe(true);
    expect(text.endsWith(',"index":2,"v":1}')).toBe(true);
    expect(decodeLeaf(leaf, 2).ok).toBe(true);
    expect(decodeLeaf(leaf, 4)).toEqual({ ok: false, reason: "leaf says it is record 2 but is stored at 4" });
  });

  it.each([
    ["invalid UTF-8", Buffer.from([0xff, 0xfe]), /UTF-8/],
    ["not JSON", Buffer.from("{"), /not JSON/],
    ["not canonical", Buffer.from('{"index":0, "event":{},"v":1}'), /canonical/],
    ["another version", Buffer.from('{"event":{},"index":0,"v":2}'), /version/],
    ["no event", Buffer.from('{"index":0,"v":1}'), /no event/],
  ])("decodeLeaf refuses %s", (_name, bytes, reason) => {
    const result = decodeLeaf(bytes, 0);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it("never throws: a record too deep to encode leaves a marker with its id", () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { deep };
    const leaf = encodeLeaf(sampleEvent(1, { details: deep }), 0);
    expect(JSON.parse(leaf.toString())).toMatchObject({
      event: { id: sampleEvent(1).id, encoding_error: expect.any(String) },
    });
  });
});

describe("the fast path and the hand-written encoder agree", () => {
  it("integer-like keys sort as strings (RFC 8785), not as JSON.stringify orders them", () => {
    expect(canonicalJson({ b: 1, "10": 2, "2": 3, a: { "1": true } })).toBe(
      '{"10":2,"2":3,"a":{"1":true},"b":1}',
    );
  });

  it('keeps a "__proto__" member (JSON.parse makes it an own key) instead of dropping it', () => {
    const parsed: unknown = JSON.parse('{"b":1,"__proto__":{"x":2},"a":[{"__proto__":0}]}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":2},"a":[{"__proto__":0}],"b":1}');
  });

  it("on random JSON, the output equals a plain recursive sorted-key encoding", () => {
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== "object") return JSON.stringify(v);
      if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
      const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${reference(x)}`).join(",")}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(JSON.parse(JSON.stringify(value))));
      }),
      { numRuns: 300 },
    );
  });
});
