import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  incidentsSectionSchema,
  loadIncidentDir,
  parseDuration,
} from "../../src/config/sections/incidents.js";
import { createIncidents, DEFAULT_PLAYBOOKS, DEFAULT_RULES } from "../../src/incidents/index.js";
import { openSqliteStore } from "../../src/store/index.js";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../src/siem/index.js";
import { cleanupTmp, tmp } from "./helpers.js";

afterEach(() => cleanupTmp());

const EXAMPLES = fileURLToPath(new URL("../../examples/incidents/", import.meta.url));

describe("incidents configuration", () => {
  it("durations: the documented forms, nothing else", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("10m")).toBe(600_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("250ms")).toBe(250);
    for (const bad of ["", "10", "1w", "-1h", "1.5h", "h", "1 h 2m", "9999999999s"]) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it("durations: any number and unit round-trip; any other text is refused without throwing (property)", () => {
    const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.constantFrom(...Object.keys(units)),
        (n, u) => {
          expect(parseDuration(`${n}${u}`)).toBe(n * units[u as keyof typeof units]);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const ms = parseDuration(text);
        if (ms !== undefined) expect(text.trim()).toMatch(/^[0-9]{1,9}(ms|s|m|h|d)$/);
      }),
      { numRuns: 2000 },
    );
  });

  it("defaults: on, with the shipped rules, bounded tracking, a 1 s sync", () => {
    const section = incidentsSectionSchema.parse({});
    expect(section).toMatchObject({
      enabled: true,
      defaults: true,
      rules: [],
      playbooks: [],
      webhooks: {},
      maxTrackedKeys: 100_000,
      syncIntervalMs: 1000,
    });
  });

  it("parses a rule and a playbook into milliseconds", () => {
    const section = incidentsSectionSchema.parse({
      rules: [
        {
          id: "r",
          description: "three",
          type: "prompt_injection",
          severity: "high",
          match: { decision: "block", categories: ["prompt_injection"] },
          threshold: { count: 3, window: "10m" },
        },
      ],
      playbooks: [
        {
          name: "p",
          actions: [
            { type: "suspend_key", duration: "2h" },
            { type: "throttle", limits: { requestsPerMinute: 5 } },
            { type: "require_policy", policy: "strict" },
          ],
        },
      ],
    });
    expect(section.rules[0]!.threshold).toEqual({ count: 3, window: 600_000 });
    expect(section.rules[0]!.dedupWindow).toBe(3_600_000);
    expect(section.playbooks[0]!.actions).toEqual([
      { type: "suspend_key", duration: 7_200_000 },
      { type: "throttle", limits: { requestsPerMinute: 5 }, duration: 3_600_000 },
      { type: "require_policy", policy: "strict" },
    ]);
  });

  const rejects = (value: unknown, message: RegExp) => {
    const result = incidentsSectionSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")).toMatch(message);
  };

  it("refuses what cannot work, naming the field", () => {
    const rule = { id: "r", description: "desc", type: "t", severity: "high" };
    rejects({ rules: [{ ...rule, id: "Bad Id" }] }, /rules\.0\.id: expected a lower-case id/);
    rejects({ rules: [{ ...rule, severity: "urgent" }] }, /rules\.0\.severity/);
    rejects({ rules: [{ ...rule, atlas: ["T0051"] }] }, /MITRE ATLAS technique id/);
    rejects({ rules: [{ ...rule, owasp: ["LLM11"] }] }, /OWASP LLM Top 10 id/);
    rejects({ rules: [{ ...rule, match: { activity: "a(b|c)+" } }] }, /rules\.0\.match\.activity/);
    rejects({ rules: [{ ...rule, threshold: { count: 3, window: "500ms" } }] }, /between 1 s and 7 d/);
    rejects({ rules: [{ ...rule, unknown: 1 }] }, /Unrecognized key/);
    rejects({ playbooks: [{ name: "p", actions: [] }] }, /playbooks\.0\.actions/);
    rejects(
      { playbooks: [{ name: "p", actions: [{ type: "delete_everything" }] }] },
      /playbooks\.0\.actions\.0/,
    );
    rejects(
      { playbooks: [{ name: "p", actions: [{ type: "throttle", limits: {} }] }] },
      /at least one limit/,
    );
    rejects(
      { webhooks: { soc: { url: "https://x.example" } } },
      /webhooks\.soc\.secret: a json webhook needs a secret/,
    );
    rejects({ webhooks: { soc: { url: "ftp://x.example", secret: "env:S" } } }, /webhooks\.soc\.url/);
    rejects({ maxTrackedKeys: 10 }, /maxTrackedKeys/);
    // A Slack webhook needs no signing secret.
    expect(
      incidentsSectionSchema.safeParse({ webhooks: { s: { url: "env:SLACK", format: "slack" } } }).success,
    ).toBe(true);
  });

  it("loads a folder of YAML files in name order, naming the file when one is wrong", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "b.yaml"),
      "playbooks:\n  - name: second\n    actions: [{ type: open_incident }]\n",
    );
    writeFileSync(
      join(dir, "a.yml"),
      "rules:\n  - { id: first, description: desc, type: t, severity: low }\nplaybooks:\n  - name: first\n    actions: [{ type: notify }]\n",
    );
    writeFileSync(join(dir, "notes.txt"), "ignored");
    const loaded = loadIncidentDir(dir);
    expect(loaded.rules.map((r) => r.id)).toEqual(["first"]);
    expect(loaded.playbooks.map((p) => p.name)).toEqual(["first", "second"]);

    const bad = join(dir, "bad");
    mkdirSync(bad);
    writeFileSync(
      join(bad, "x.yaml"),
      "rules:\n  - { id: x, description: desc, type: t, severity: extreme }\n",
    );
    expect(() => loadIncidentDir(bad)).toThrow(/x\.yaml: rules\.0\.severity/);
    writeFileSync(join(bad, "x.yaml"), "rules: [\n");
    expect(() => loadIncidentDir(bad)).toThrow(/x\.yaml: YAML/);
    writeFileSync(join(bad, "x.yaml"), "rules: []\nrules: []\n");
    expect(() => loadIncidentDir(bad)).toThrow(/x\.yaml/);
    expect(() => loadIncidentDir(join(dir, "missing"))).toThrow(/cannot read the incidents folder: ENOENT/);
  });

  it("examples/incidents loads and starts a responder beside the shipped defaults", async () => {
    const loaded = loadIncidentDir(EXAMPLES);
    expect(loaded.rules.length).toBeGreaterThan(0);
    expect(loaded.playbooks.length).toBeGreaterThan(0);
    const store = openSqliteStore(join(tmp(), "x.db"));
    try {
      const hook = (name: string) => ({
        name,
        url: "http://127.0.0.1:9/",
        secret: "s",
        format: "json" as const,
        minSeverity: "low" as const,
        timeoutMs: 100,
        attempts: 1,
      });
      const incidents = createIncidents({
        rules: [...DEFAULT_RULES.map(({ cases: _c, ...r }) => r), ...loaded.rules],
        playbooks: [...DEFAULT_PLAYBOOKS, ...loaded.playbooks],
        webhooks: [hook("soc"), hook("slack")],
        store: store.incidents!,
        publish: () => {},
        effects: {
          keys: { setStatus: async () => undefined, getKey: async () => undefined },
          limits: { tighten: () => {} },
          policies: { set: () => {}, known: ["default", "strict"] },
        },
        signer: { signatureHeader: SIGNATURE_HEADER, timestampHeader: TIMESTAMP_HEADER, sign: signWebhook },
        logger: { info() {}, warn() {}, error() {} },
      });
      await incidents.close();
    } finally {
      await store.close();
    }
  });
});
