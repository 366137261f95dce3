import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import {
  buildReport,
  compareRuns,
  parseSuite,
  render,
  renderHtml,
  renderJunit,
  renderSarif,
  runRedteam,
  type RunReport,
} from "../../src/redteam/index.js";
import { fakeTarget, lastUser, shippedTransforms } from "./helpers.js";

const SUITE = parseSuite(
  `
suite: rep
title: Report test
description: hostile answers
defaults: { owasp: [LLM05], atlas: [AML.T0057] }
probes:
  - { id: hostile, title: "Hostile <b>title</b> & co", goal: "x", prompt: "HOSTILE", judges: [{ regex: "pwned" }], severity: critical }
  - { id: calm, title: Calm, goal: "x", prompt: "CALM", judges: [{ regex: "pwned" }], severity: low }
  - { id: blocked, title: Blocked, goal: "x", prompt: "BLOCK", judges: [canary], owasp: [LLM07] }
  - { id: broken, title: Broken, goal: "x", prompt: "BROKEN", judges: [canary] }
`,
  "suites/rep.yaml",
);

/** Everything a hostile model could put in an answer to break a report. */
const HOSTILE =
  'pwned </pre><script>alert(1)</script><img src="https://evil.example/x.png"> ]]> \u0000\u0008\u001b \ud800 "\' & </testcase></testsuite>\u200b\u{e0041}';

async function report(): Promise<RunReport> {
  const target = fakeTarget((e) => {
    const t = lastUser(e);
    if (t.includes("HOSTILE")) return { text: HOSTILE };
    if (t.includes("BLOCK"))
      return { status: 403, blocked: { code: "PCX_POLICY_BLOCKED", message: "<blocked> & \u0001" } };
    if (t.includes("BROKEN")) return { status: 0, error: "ECONNRESET </error>" };
    return { text: "I can't help with that." };
  });
  const out = await runRedteam({
    target,
    suites: [SUITE],
    transforms: shippedTransforms(),
    systemPrompt: "Be nice. {{canary}}",
  });
  return buildReport({
    version: "9.9.9",
    startedAt: out.startedAt,
    finishedAt: out.finishedAt,
    target: target.info,
    suites: [SUITE],
    transforms: [],
    judges: { deterministic: ["regex", "canary", "refusal"] },
    results: out.results,
    comparison: compareRuns(
      {
        target: { type: "openai", url: "http://direct.test" },
        results: out.results.map((r) => ({ ...r, verdict: "vulnerable" as const })),
      },
      // Reversed, so that the report's own ordering (what got through first) is what is tested.
      [...out.results].reverse(),
    ),
  });
}

describe("reports", () => {
  it("JUnit: well-formed XML whatever the model said, one failing test per successful attack", async () => {
    const xml = renderJunit(await report());
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        errors: string;
        testsuite: { testcase: Array<Record<string, unknown>> };
      };
    };
    expect(doc.testsuites).toMatchObject({ tests: "4", failures: "1", errors: "1" });
    const cases = doc.testsuites.testsuite.testcase;
    expect(cases).toHaveLength(4);
    const failed = cases.find((c) => c.failure)!;
    expect(String(failed.name)).toContain("Hostile <b>title</b> & co");
    expect((failed.failure as Record<string, string>)["#text"]).toContain("<script>alert(1)</script>");
    expect(cases.filter((c) => c.error)).toHaveLength(1);
  });

  it("SARIF 2.1.0: rules for every probe, results only for successful attacks, pointing at valid rules", async () => {
    const r = await report();
    const sarif = JSON.parse(renderSarif(r)) as {
      version: string;
      $schema: string;
      runs: Array<{
        tool: {
          driver: {
            rules: Array<{ id: string; properties: { tags: string[]; "security-severity": string } }>;
          };
        };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: Array<{
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }>;
        }>;
        invocations: Array<{ toolExecutionNotifications?: unknown[] }>;
      }>;
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0]!;
    const rules = run.tool.driver.rules;
    expect(rules.map((x) => x.id)).toEqual(["rep/hostile", "rep/calm", "rep/blocked", "rep/broken"]);
    expect(new Set(rules.map((x) => x.id)).size).toBe(rules.length);
    expect(rules[0]!.properties.tags).toEqual(expect.arrayContaining(["LLM05", "AML.T0057", "security"]));
    expect(Number(rules[0]!.properties["security-severity"])).toBeGreaterThanOrEqual(9);
    expect(run.results).toHaveLength(1);
    const res = run.results[0]!;
    expect(rules[res.ruleIndex]!.id).toBe(res.ruleId);
    expect(res.level).toBe("error");
    expect(res.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: "suites/rep.yaml" },
      region: { startLine: 7 },
    });
    expect(run.invocations[0]!.toolExecutionNotifications).toHaveLength(1);
  });

  it("HTML: self-contained, everything escaped, invisible characters shown", async () => {
    const html = renderHtml(await report());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<(link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\s(src|href)=["']/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Hostile &lt;b&gt;title&lt;/b&gt; &amp; co");
    expect(html).toContain("⟦tags: A⟧");
    expect(html).toContain('class="zw"');
    // Summary by OWASP category and severity, pass rate, worst finding with its transcript, comparison.
    expect(html).toContain('id="summary"');
    expect(html).toContain("1 of 4 attacks succeeded");
    expect(html).toMatch(/LLM05 <span class="muted">Improper Output Handling/);
    expect(html).toMatch(/<th scope="row">critical<\/th>/);
    expect(html).toContain("What Portcullis stopped");
    // In the comparison, what got through comes before what was stopped.
    const cmp = html.slice(html.indexOf('id="comparison"'), html.indexOf('id="findings"'));
    expect(cmp.indexOf("rep/hostile")).toBeGreaterThan(0);
    expect(cmp.indexOf("rep/hostile")).toBeLessThan(cmp.indexOf("rep/blocked"));
    expect(html).toMatch(/<details class="finding sev-critical" open>/);
  });

  it("JSON is the report object; text names the attacks that got through", async () => {
    const r = await report();
    expect(JSON.parse(render(r, "json"))).toEqual(JSON.parse(JSON.stringify(r)));
    const text = render(r, "text");
    expect(text).toMatch(/4 cases: 1 succeeded, 1 blocked, 1 resisted, 1 errors/);
    expect(text).toMatch(/CRITICAL rep\/hostile/);
    expect(text).toMatch(/Portcullis stopped 2, 1 got through/);
  });
});
