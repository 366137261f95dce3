import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileRules,
  DEFAULT_PLAYBOOKS,
  DEFAULT_RULES,
  globMatcher,
  type IncidentRule,
} from "../../src/incidents/index.js";
import { blockedInjection, eventFrom, extraction, injectionRule, T0 } from "./helpers.js";

const MINUTE = 60_000;
const strip = ({ cases: _cases, ...rule }: (typeof DEFAULT_RULES)[number]): IncidentRule => rule;

describe("shipped rules run against their own cases (STYLE.md §3)", () => {
  for (const rule of DEFAULT_RULES) {
    describe(rule.id, () => {
      it("has both a case that fires and one that does not", () => {
        expect(rule.cases.some((c) => c.fires)).toBe(true);
        expect(rule.cases.some((c) => !c.fires)).toBe(true);
      });
      for (const c of rule.cases) {
        it(`${c.fires ? "fires" : "stays quiet"}: ${c.comment}`, () => {
          const engine = compileRules([strip(rule)]);
          const fired = c.events.flatMap((sketch) => engine.observe(eventFrom(sketch)));
          expect(fired.length > 0).toBe(c.fires);
          for (const trigger of fired) {
            expect(trigger.rule.id).toBe(rule.id);
            expect(trigger.keyId).toBe("key_alice");
          }
        });
      }
    });
  }

  it("every shipped rule maps to MITRE ATLAS, and ids and types are well formed", () => {
    for (const rule of DEFAULT_RULES) {
      expect(rule.atlas.length, rule.id).toBeGreaterThan(0);
      for (const a of rule.atlas) expect(a).toMatch(/^AML\.T[0-9]{4}(\.[0-9]{3})?$/);
      for (const o of rule.owasp) expect(o).toMatch(/^LLM(0[1-9]|10)$/);
    }
    expect(new Set(DEFAULT_RULES.map((r) => r.id)).size).toBe(DEFAULT_RULES.length);
  });

  it("shipped playbooks answer only types that shipped rules have", () => {
    const types = new Set(DEFAULT_RULES.map((r) => r.type));
    for (const p of DEFAULT_PLAYBOOKS) for (const t of p.on.types ?? []) expect(types.has(t), t).toBe(true);
  });

  it("the issue's examples: injection maps to AML.T0051, extraction to AML.T0024, floods to AML.T0029", () => {
    const byId = new Map(DEFAULT_RULES.map((r) => [r.id, r]));
    expect(byId.get("repeated-prompt-injection")!.atlas).toContain("AML.T0051");
    expect(byId.get("repeated-prompt-injection")!.threshold).toEqual({ count: 3, window: 10 * MINUTE });
    expect(byId.get("model-extraction")!.atlas.some((a) => a.startsWith("AML.T0024"))).toBe(true);
    expect(byId.get("model-extraction")!.match.minScore).toBe(0.9);
    expect(byId.get("abuse-flood")!.atlas).toContain("AML.T0029");
  });
});

describe("rule windows", () => {
  it("counts per key: three keys with two injections each fire nothing", () => {
    const engine = compileRules([injectionRule]);
    const fired = ["key_a", "key_b", "key_c"].flatMap((k) => [
      ...engine.observe(blockedInjection(0, k)),
      ...engine.observe(blockedInjection(10, k)),
    ]);
    expect(fired).toEqual([]);
    expect(engine.tracked).toBe(3);
  });

  it("slides: an old event leaves the window before the third arrives", () => {
    const engine = compileRules([injectionRule]);
    expect(engine.observe(blockedInjection(0))).toEqual([]);
    expect(engine.observe(blockedInjection(300))).toEqual([]);
    // 601 s after the first: only the second is still inside the 10-minute window.
    expect(engine.observe(blockedInjection(601))).toEqual([]);
    const fired = engine.observe(blockedInjection(700));
    expect(fired).toHaveLength(1);
    expect(fired[0]!.count).toBe(3);
  });

  it("fires once, then needs a fresh count", () => {
    const engine = compileRules([injectionRule]);
    const fired = Array.from({ length: 7 }, (_, i) => engine.observe(blockedInjection(i)).length);
    expect(fired).toEqual([0, 0, 1, 0, 0, 1, 0]);
  });

  it("a trigger carries the sample of events, request ids, reasons and the mapping", () => {
    const engine = compileRules([injectionRule]);
    const events = [0, 1, 2].map((at) => blockedInjection(at));
    const fired = events.flatMap((e) => engine.observe(e));
    expect(fired).toHaveLength(1);
    const t = fired[0]!;
    expect(t.eventIds).toEqual(events.map((e) => e.id));
    expect(t.requestIds).toEqual(events.map((e) => e.request_id));
    expect(t.reasons[0]).toContain("(3 in 600 s)");
    expect(t.owasp).toEqual(["LLM01"]);
    expect(t.atlas).toEqual(["AML.T0051"]);
    expect(t.score).toBe(0.98);
    expect(t.team).toBe("red");
    expect(t.keyName).toBe("key_alice-name");
  });

  it("large thresholds use a bounded two-window estimate that still fires and still forgets", () => {
    const rule: IncidentRule = { ...injectionRule, id: "many", threshold: { count: 100, window: MINUTE } };
    const engine = compileRules([rule]);
    // 99 in the first minute: not yet.
    let fired = 0;
    for (let i = 0; i < 99; i++) fired += engine.observe(blockedInjection(i * 0.5)).length;
    expect(fired).toBe(0);
    // The 100th, still inside the minute.
    expect(engine.observe(blockedInjection(50))).toHaveLength(1);
    // Spread thinly (one every 2 s, 30 a minute), it never fires.
    const thin = compileRules([rule]);
    let quiet = 0;
    for (let i = 0; i < 400; i++) quiet += thin.observe(blockedInjection(i * 2)).length;
    expect(quiet).toBe(0);
  });

  it("an event that stands for many (a penalty-box summary's count) counts that many times", () => {
    const refusals: IncidentRule = {
      ...injectionRule,
      id: "refusals",
      match: { class: "api_activity", decision: "block" },
      threshold: { count: 3, window: MINUTE },
    };
    const summary = (at: number, count: number) => ({ ...eventFrom({ at, decision: "block" }), count });
    const exact = compileRules([refusals]);
    expect(exact.observe(summary(0, 2))).toEqual([]);
    expect(exact.observe(summary(1, 1))).toHaveLength(1);
    expect(compileRules([refusals]).observe(summary(0, 40))).toHaveLength(1);
    // The two-window estimate of large thresholds weighs the same way.
    const many = compileRules([{ ...refusals, threshold: { count: 500, window: MINUTE } }]);
    expect(many.observe(summary(0, 300))).toEqual([]);
    expect(many.observe(summary(10, 200))).toHaveLength(1);
  });

  it("minScore: a detection below the score does not count, one above fires", () => {
    const rule: IncidentRule = {
      ...injectionRule,
      id: "x",
      type: "model_extraction",
      match: { class: "detection_finding", activity: "analytics.*", minScore: 0.9 },
      threshold: undefined,
    };
    const engine = compileRules([rule]);
    expect(engine.observe(extraction(0.89))).toEqual([]);
    // As the analytics engine sends it: its reasons in details and in decision.reasons.
    const event = extraction(0.95);
    event.decision.reasons = ["412 distinct templated prompts in 2 h"];
    const fired = engine.observe(event);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.score).toBe(0.95);
    // The detection's own reasons and valid mapping ids come along.
    expect(fired[0]!.reasons).toEqual(["Three blocked injections", "412 distinct templated prompts in 2 h"]);
    expect(fired[0]!.atlas).toEqual(["AML.T0051", "AML.T0024.002"]);
  });

  it("a detection's malformed mapping ids are dropped, not copied into incidents", () => {
    const rule: IncidentRule = { ...injectionRule, id: "x", match: { class: "detection_finding" } };
    delete (rule as { threshold?: unknown }).threshold;
    const engine = compileRules([rule]);
    const event = extraction(1);
    event.details = {
      ...event.details,
      atlas: ["AML.T0024", "<script>"],
      owasp: ["LLM11", "LLM02", "LLM10:2025", "LLM03:2023"],
    };
    const [t] = engine.observe(event);
    expect(t!.atlas).toEqual(["AML.T0051", "AML.T0024"]);
    expect(t!.owasp).toEqual(["LLM01", "LLM02", "LLM10"]);
  });

  it("relevant(): plain allowed traffic and key-less events are not queued", () => {
    const engine = compileRules([injectionRule]);
    expect(engine.relevant(eventFrom({ at: 0 }))).toBe(false);
    expect(engine.relevant(blockedInjection(0))).toBe(true);
    const noKey = blockedInjection(0);
    noKey.actor = { key_id: null };
    expect(engine.relevant(noKey)).toBe(false);
    // Only api_activity rules: a detection is not relevant.
    expect(engine.relevant(extraction(1))).toBe(false);
  });

  it("two rules with the same id are refused", () => {
    expect(() => compileRules([injectionRule, injectionRule])).toThrow(/used twice/);
  });
});

describe("bounded memory", () => {
  it("maxTracked: a flood of new keys evicts the least recently active windows", () => {
    const engine = compileRules([injectionRule], 100);
    engine.observe(blockedInjection(0, "key_victim"));
    engine.observe(blockedInjection(1, "key_victim"));
    for (let i = 0; i < 5000; i++) engine.observe(blockedInjection(2, `key_${i}`));
    expect(engine.tracked).toBeLessThanOrEqual(100);
    expect(engine.tracked).toBeGreaterThan(0);
    // The victim's two were forgotten: a third alone does not fire.
    expect(engine.observe(blockedInjection(3, "key_victim"))).toEqual([]);
  });

  it("a key active more recently than the oldest windows survives the same flood", () => {
    const rule: IncidentRule = { ...injectionRule, threshold: { count: 10, window: 10 * MINUTE } };
    const engine = compileRules([rule], 100);
    let seen = 0;
    let fired = 0;
    for (let i = 0; i < 300; i++) {
      engine.observe(blockedInjection(2, `key_${i}`));
      // Every 30 new keys, the busy key acts again: it never becomes the least recently active.
      if (i % 30 === 0) {
        seen++;
        fired += engine.observe(blockedInjection(2, "key_busy")).length;
      }
    }
    expect(seen).toBe(10);
    expect(fired).toBe(1);
    expect(engine.tracked).toBeLessThanOrEqual(100);
  });
});

describe("globMatcher", () => {
  it("matches the documented shapes", () => {
    expect(globMatcher("analytics.*")("analytics.model_extraction")).toBe(true);
    expect(globMatcher("analytics.*")("guard.block")).toBe(false);
    expect(globMatcher("*.extraction")("model.extraction")).toBe(true);
    expect(globMatcher("a*b*c")("abc")).toBe(true);
    expect(globMatcher("a*b*c")("acb")).toBe(false);
    expect(globMatcher("ab*ba")("aba")).toBe(false);
    expect(globMatcher("exact")("exact")).toBe(true);
    expect(globMatcher("exact")("exactly")).toBe(false);
  });

  it("agrees with an anchored regular expression on random inputs (property)", () => {
    const alphabet = fc.constantFrom("a", "b", ".", "*");
    const text = fc.string({ unit: fc.constantFrom("a", "b", "."), maxLength: 12 });
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), text, (pattern, input) => {
        const escaped = pattern
          .split("*")
          .map((p) => p.replace(/[.]/g, "\\."))
          .join(".*");
        const expected = new RegExp(`^${escaped}$`, "s").test(input);
        expect(globMatcher(pattern)(input)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

it("helpers' base time is fixed (cases are reproducible)", () => {
  expect(eventFrom({ at: 2 }).time).toBe(T0 + 2000);
});
