import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/gateway/errors.js";

/** STYLE.md §5: the catalogue and docs/errors.md stay in step, and codes are never reused. */
describe("error catalogue", () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const documented = new Map(
    [...doc.matchAll(/^\|\s*`(PCX_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1]!, Number(m[2])]),
  );

  it("every code is documented with its status", () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(documented.get(code), code).toBe(spec.status);
    }
  });

  it("every documented code exists (or is listed as retired)", () => {
    const retired = new Set([...doc.matchAll(/^- `(PCX_[A-Z0-9_]+)` \(retired/gm)].map((m) => m[1]!));
    for (const code of documented.keys()) {
      expect(code in ERRORS || retired.has(code), code).toBe(true);
    }
  });
});
