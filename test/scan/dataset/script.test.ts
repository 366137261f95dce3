import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dominantScript, isAscii, SCRIPTS } from "../../../src/scan/dataset/script.js";

/** The definition: each character tested against the script table in order (slow, plain). */
function reference(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const ch of text.slice(0, 2000)) {
    const name =
      ch.charCodeAt(0) < 0x80
        ? /[A-Za-z]/.test(ch)
          ? "Latin"
          : undefined
        : SCRIPTS.find(([, re]) => re.test(ch))?.[0];
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best: string | undefined;
  let n = 0;
  for (const [name, c] of counts) if (c > n) [best, n] = [name, c];
  return best;
}

describe("dominantScript", () => {
  it("names the script most letters are written in", () => {
    expect(dominantScript("a plain English sentence")).toBe("Latin");
    expect(dominantScript("Привет, как дела? ok")).toBe("Cyrillic");
    expect(dominantScript("这是一个测试 a b")).toBe("CJK");
    expect(dominantScript("مرحبا بالعالم")).toBe("Arabic");
    expect(dominantScript("1234 !?")).toBeUndefined();
    expect(isAscii("plain")).toBe(true);
    expect(isAscii("café")).toBe(false);
  });

  it("agrees with the definition on any text (surrogate pairs, lone surrogates, ties included)", () => {
    const pieces = fc.constantFrom(
      "abc",
      "Ωμέγα",
      "Жж",
      "漢字",
      "😀",
      "\ud800",
      "é",
      "١٢٣",
      "नमस्ते",
      "ไทย",
      " ",
      "ℌ",
    );
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.array(pieces, { maxLength: 20 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(dominantScript(t)).toBe(reference(t));
      }),
      { numRuns: 500 },
    );
  });

  it("reads only the first 2,000 characters", () => {
    expect(dominantScript("a".repeat(2000) + "Ж".repeat(5000))).toBe("Latin");
  });
});
