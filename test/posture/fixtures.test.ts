import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { auditConfig } from "../../src/cli/commands/audit-config/index.js";
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

describe("the audit config command", () => {
  async function run(opts: Parameters<typeof auditConfig>[0]): Promise<{ code: number; out: string }> {
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    try {
      return { code: await auditConfig(opts), out };
    } finally {
      spy.mockRestore();
    }
  }

  it("passes the shipped secure example (exit 0 with --fail-on medium)", async () => {
    const { code, out } = await run({ file: SECURE, format: "text", failOn: "medium", env: {} });
    expect(out).toMatch(/posture score (9[7-9]|100)\/100/);
    expect(code).toBe(0);
  });

  it("fails a broken configuration and points SARIF at the offending line", async () => {
    const file = join(FIXTURES, "tls-off-public-bind", "portcullis.yaml");
    const { code, out } = await run({ file, format: "sarif", failOn: "high", env: {} });
    expect(code).toBe(1);
    const sarif = JSON.parse(out) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          locations: { physicalLocation: { region: { startLine: number } } }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    const hit = sarif.runs[0]!.results.find((r) => r.ruleId === "tls-off-public-bind")!;
    expect(hit.level).toBe("error");
    const line = readFileSync(file, "utf8").split("\n")[
      hit.locations[0]!.physicalLocation.region.startLine - 1
    ];
    expect(line).toMatch(/^\s*host:/);
  });

  it("refuses an unknown --fail-on", async () => {
    await expect(run({ file: SECURE, format: "json", failOn: "severe", env: {} })).rejects.toThrow(
      /--fail-on/,
    );
  });
});
