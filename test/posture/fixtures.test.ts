import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/index.js";
import {
  atOrAbove,
  auditPosture,
  probeSecrets,
  RULES,
  secretSites,
  severityRank,
} from "../../src/posture/index.js";
import { FIXTURES, fixtureInput } from "./helpers.js";

const SECURE = resolve(new URL("../../examples/secure.yaml", import.meta.url).pathname);

/** STYLE.md §3: a rule cannot land without a configuration that proves it fires. */
describe("posture rule fixtures", () => {
  it("has exactly one fixture folder per rule", () => {
    const folders = readdirSync(FIXTURES).sort();
    expect(folders).toEqual(RULES.map((r) => r.id).sort());
    for (const rule of RULES) expect(existsSync(join(FIXTURES, rule.id, "portcullis.yaml"))).toBe(true);
  });

  it.each(RULES.map((r) => [r.id, r] as const))(
    "%s: its fixture triggers it, and no other high or critical rule",
    (id, rule) => {
      const report = auditPosture(fixtureInput(id));
      const fired = new Set(report.findings.map((f) => f.rule));
      expect(fired.has(id), JSON.stringify(report.findings, null, 2)).toBe(true);
      const serious = new Set(atOrAbove(report.findings, "high").map((f) => f.rule));
      const expected = severityRank(rule.severity) >= severityRank("high") ? [id] : [];
      expect([...serious]).toEqual(expected);
    },
  );
});

describe("examples/secure.yaml", () => {
  it("is valid and has no finding above low", () => {
    const loaded = loadConfigFile(SECURE);
    expect(loaded.warnings).toEqual([]);
    const report = auditPosture({
      config: loaded.config,
      source: SECURE,
      baseDir: loaded.baseDir,
      dataDir: loaded.config.dataDir,
      secrets: probeSecrets(secretSites(loaded.config), { baseDir: loaded.baseDir, env: {} }),
    });
    expect(atOrAbove(report.findings, "medium")).toEqual([]);
    expect(report.score).toBeGreaterThanOrEqual(97);
  });

  it("references secrets only as env: or file:", () => {
    const loaded = loadConfigFile(SECURE);
    const sites = secretSites(loaded.config);
    expect(sites.length).toBeGreaterThan(4);
    for (const site of sites) expect(site.ref).toMatch(/^(env|file):/);
  });
});
