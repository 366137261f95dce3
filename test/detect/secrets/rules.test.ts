import { describe, expect, it } from "vitest";
import { createSecretsDetector, RULES } from "../../../src/detect/secrets/index.js";
import { preparedFromOriginal } from "../../../src/detect/text-view.js";

// STYLE.md §3: every rule carries its own true and false positives; this runs each rule alone on them.
describe("secret rules carry their own cases", () => {
  it("has unique ids, keywords and at least one case of each sort", () => {
    const ids = new Set<string>();
    for (const r of RULES) {
      expect(ids.has(r.id), r.id).toBe(false);
      ids.add(r.id);
      expect(r.pattern.flags, r.id).toContain("g");
      expect(r.keywords.length, r.id).toBeGreaterThan(0);
      for (const k of r.keywords) expect(k, r.id).toBe(k.toLowerCase());
      expect(r.tp.length, r.id).toBeGreaterThan(0);
      expect(r.fp.length, r.id).toBeGreaterThan(0);
      for (const c of [...r.tp, ...r.fp]) expect(c.note.length, r.id).toBeGreaterThan(0);
    }
  });

  it("covers at least 80 provider formats", () => {
    const providers = new Set(
      RULES.filter((r) => !r.id.startsWith("generic.")).map((r) => r.id.split(".")[0] + ":" + r.kind),
    );
    expect(providers.size).toBeGreaterThanOrEqual(80);
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      const det = createSecretsDetector({ only: [rule.id] });
      for (const c of rule.tp) {
        it(`finds: ${c.note}`, () => {
          const f = det.scan(preparedFromOriginal(c.text), {});
          expect(
            f.map((x) => x.rule),
            c.text,
          ).toContain(rule.id);
        });
      }
      for (const c of rule.fp) {
        it(`ignores: ${c.note}`, () => {
          const f = det.scan(preparedFromOriginal(c.text), {});
          expect(f, c.text).toEqual([]);
        });
      }
    });
  }
});
