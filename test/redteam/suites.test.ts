import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildCases,
  expandTransformNames,
  loadSuites,
  OWASP_LLM_2025,
  parseSuite,
  shippedSuiteNames,
  SuiteError,
  type Probe,
} from "../../src/redteam/index.js";
import { shippedTransforms } from "./helpers.js";

const all = loadSuites(shippedSuiteNames());
const probes: Probe[] = all.flatMap((s) => s.probes);
const judgeNames = (p: Probe) => p.judges.map((j) => (typeof j === "string" ? j : Object.keys(j)[0]));

describe("shipped suites", () => {
  it("all load and validate, and the default run leaves out the demo suite", () => {
    expect(all.length).toBeGreaterThanOrEqual(9);
    expect(loadSuites().map((s) => s.name)).not.toContain("demo");
    expect(loadSuites().length).toBe(all.length - 1);
  });

  it("tag every probe with OWASP LLM 2025 and MITRE ATLAS ids", () => {
    for (const p of probes) {
      expect(p.owasp.length, p.id).toBeGreaterThan(0);
      for (const o of p.owasp) expect(Object.keys(OWASP_LLM_2025)).toContain(o);
      for (const a of p.atlas) expect(a).toMatch(/^AML\.T\d{4}(\.\d{3})?$/);
    }
    const atlas = new Set(probes.flatMap((p) => p.atlas.map((a) => a.slice(0, 9))));
    for (const id of ["AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057", "AML.T0024", "AML.T0029"])
      expect(atlas, id).toContain(id);
    const owasp = new Set(probes.flatMap((p) => p.owasp));
    for (const id of ["LLM01", "LLM02", "LLM05", "LLM06", "LLM07", "LLM10"]) expect(owasp, id).toContain(id);
  });

  it("cover every attack family the issue lists, outside the demo suite too", () => {
    for (const suites of [all.filter((s) => s.name !== "demo"), all.filter((s) => s.name === "demo")]) {
      const ps = suites.flatMap((s) => s.probes);
      const has = (pred: (p: Probe) => boolean) => ps.some(pred);
      expect(
        has((p) => p.document !== undefined),
        "indirect injection",
      ).toBe(true);
      expect(
        has((p) => (p.turns?.length ?? 0) >= 3),
        "multi-turn crescendo",
      ).toBe(true);
      expect(
        has((p) => p.flood !== undefined && judgeNames(p).includes("accepted")),
        "token flood",
      ).toBe(true);
      expect(
        has((p) => judgeNames(p).includes("length")),
        "very long output",
      ).toBe(true);
      expect(
        has((p) => judgeNames(p).includes("exfil")),
        "markdown-image exfiltration",
      ).toBe(true);
      expect(has((p) => judgeNames(p).includes("canary") && judgeNames(p).includes("similarity"))).toBe(true);
      expect(
        has((p) => p.judges.some((j) => typeof j === "object" && "detect" in j && j.detect.includes("pii"))),
      );
      expect(
        has((p) =>
          p.judges.some((j) => typeof j === "object" && "detect" in j && j.detect.includes("secret")),
        ),
      ).toBe(true);
      expect(
        has((p) => p.atlas.includes("AML.T0054")),
        "jailbreak",
      ).toBe(true);
      expect(
        has((p) => /refus|apologi/i.test(`${p.title} ${p.prompt ?? ""}`)),
        "refusal suppression",
      ).toBe(true);
    }
    const names = all.map((s) => s.name);
    for (const n of ["prompt-injection", "indirect-injection", "jailbreak", "refusal-suppression"])
      expect(names).toContain(n);
    for (const n of [
      "system-prompt-extraction",
      "data-leakage",
      "exfiltration",
      "unbounded-consumption",
      "multi-turn",
    ])
      expect(names).toContain(n);
  });

  it("name only known transforms, and together use every one of them", () => {
    const transforms = shippedTransforms();
    const used = new Set<string>();
    for (const p of probes) for (const t of expandTransformNames(p.transforms, transforms)) used.add(t);
    for (const id of transforms.keys()) expect(used, id).toContain(id);
  });

  it("demo probes carry the demo provider's markers, and transforms keep them", () => {
    const demo = all.find((s) => s.name === "demo")!;
    for (const p of demo.probes) expect([...(p.turns ?? []), p.prompt ?? ""].join(" ")).toMatch(/\[\[demo:/);
    const cases = buildCases([demo], shippedTransforms());
    expect(cases.length).toBeGreaterThan(demo.probes.length);
    for (const c of cases) expect(c.turns.at(-1)).toMatch(/\[\[demo:[a-z]+(=\d+)?\]\]/);
  });
});

const GOOD = `
suite: mine
title: Mine
description: a test suite
defaults: { owasp: [LLM01], atlas: [AML.T0051] }
probes:
  - id: one
    title: One
    goal: reply PWNED
    prompt: say PWNED
    judges: [{ regex: "PWNED" }]
`;

describe("suite validation", () => {
  it("applies defaults and records each probe's line", () => {
    const s = parseSuite(GOOD, "mine.yaml");
    expect(s.probes[0]).toMatchObject({ owasp: ["LLM01"], atlas: ["AML.T0051"], severity: "high", line: 7 });
  });

  it.each([
    ["an unknown OWASP id", GOOD.replace("[LLM01]", "[LLM11]"), "defaults.owasp.0"],
    ["a malformed ATLAS id", GOOD.replace("[AML.T0051]", "[T0051]"), "defaults.atlas.0"],
    ["a probe with no judge", GOOD.replace('judges: [{ regex: "PWNED" }]', "judges: []"), "probes.0.judges"],
    [
      "both prompt and turns",
      GOOD.replace("prompt: say PWNED", "prompt: a\n    turns: [b, c]"),
      "either `prompt` or `turns`",
    ],
    ["an unknown field", GOOD.replace("goal:", "extra: 1\n    goal:"), "probes.0"],
    ["an unknown judge", GOOD.replace('{ regex: "PWNED" }', "vibes"), "probes.0.judges.0"],
    [
      "a duplicate id",
      `${GOOD}  - { id: one, title: T, goal: G, prompt: P, judges: [canary] }\n`,
      'duplicate id "one"',
    ],
    [
      "a flood too small",
      GOOD.replace("prompt: say PWNED", "prompt: x\n    flood: { words: 5 }"),
      "probes.0.flood.words",
    ],
    ["invalid YAML", "suite: [", "mine.yaml"],
  ])("rejects %s, naming the file and the field", (_, text, where) => {
    let error: unknown;
    try {
      parseSuite(text, "mine.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SuiteError);
    expect((error as Error).message).toContain("mine.yaml");
    expect((error as Error).message).toContain(where);
  });

  it("never fails on hostile input with anything but a SuiteError (property)", () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          suite: fc.string(),
          title: fc.string(),
          description: fc.string(),
          probes: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
        })
        .map((v) => JSON.stringify({ ...v, defaults: { owasp: ["LLM01"], atlas: ["AML.T0051"] } })),
      fc.constantFrom(
        "*-",
        "a: *nothing",
        "a: &x [*x]",
        "a: &a [1]\nb: [*a, *a, *a]",
        "- - - - -",
        "{{{{",
        "!!binary abc",
      ),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          parseSuite(text, "fuzz.yaml");
        } catch (e) {
          expect(e).toBeInstanceOf(SuiteError);
        }
      }),
      { numRuns: 300 },
    );
    expect(() => parseSuite(`# ${"x".repeat(3 * 1024 * 1024)}`, "big.yaml")).toThrow(/larger than 2 MB/);
    expect(() => parseSuite(GOOD.replace("say PWNED", "x".repeat(100_001)), "long.yaml")).toThrow(
      /probes.0.prompt/,
    );
  });

  it("loads a user's suite by path and refuses unknown names", () => {
    const dir = mkdtempSync(join(tmpdir(), "rt-suite-"));
    writeFileSync(join(dir, "mine.yaml"), GOOD);
    expect(loadSuites([join(dir, "mine.yaml")])[0]!.name).toBe("mine");
    expect(() => loadSuites(["no-such-suite"])).toThrow(
      /unknown suite "no-such-suite" \(shipped: .*prompt-injection/,
    );
    expect(() => loadSuites([join(dir, "missing.yaml")])).toThrow(SuiteError);
    expect(() => loadSuites(["jailbreak", "jailbreak"])).toThrow(/named twice/);
  });
});
