import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, parseJsonBody } from "../../src/gateway/body.js";
import { GatewayError } from "../../src/gateway/errors.js";

const bytes = (s: string) => new TextEncoder().encode(s);

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === "object") return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe("request body parsing", () => {
  it("measures depth exactly like the parsed value, brackets inside strings excluded", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 14 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(jsonDepthExceeds(bytes(text), limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 1000 },
    );
  });

  it("maps each kind of bad body to its code", () => {
    const code = (input: Uint8Array) => {
      try {
        parseJsonBody(input, 8);
        return "ok";
      } catch (error) {
        return (error as GatewayError).code;
      }
    };
    expect(code(bytes('{"a":[1,2]}'))).toBe("ok");
    expect(code(bytes('{"a":'))).toBe("PCX_INVALID_JSON");
    expect(code(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toBe("PCX_INVALID_UTF8");
    expect(code(bytes("[".repeat(9) + "]".repeat(9)))).toBe("PCX_JSON_TOO_DEEP");
    expect(code(bytes('{"__proto__":{"x":1}}'))).toBe("PCX_INVALID_JSON");
    expect(code(bytes('{"constructor":{"prototype":{"x":1}}}'))).toBe("PCX_INVALID_JSON");
  });

  it("never throws anything but a GatewayError, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        try {
          parseJsonBody(input, 16);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
