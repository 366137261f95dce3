/**
 * Acceptance (issue 8): `portcullis redteam run` — the built binary — against the real gateway in
 * front of the built-in demo provider, once with guards off and once with the default guards, then
 * in comparison mode. The demo suite's probes carry the demo model's markers, so with guards off
 * the attacks really succeed. The HTML report is rendered in headless Chromium: skipped with a
 * message when chromium is absent, required when CI=true (.ci/run installs it).
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { XMLValidator } from "fast-xml-parser";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/redteam/index.js";
import { CLI, startGateway, type StartedGateway } from "../e2e/helpers/gateway.js";

const execFileP = promisify(execFile);
const REQUIRED = process.env.CI === "true";

function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}
const CHROMIUM = findChromium();
if (!CHROMIUM && !REQUIRED)
  console.warn(
    "SKIPPED the Chromium rendering test in test/redteam/e2e.test.ts: chromium not found (apt-get install chromium); it is required when CI=true",
  );

const GUARDS_OFF = `
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
guards: { enabled: false }
`;

/**
 * The shipped defaults (the embedded configuration) with the red-team key declared as an expected
 * workload, as docs/redteam.md tells operators to do: three runs of the demo suite from one key,
 * each with a 30,000-word flood, are a cost-harvesting campaign to the behaviour analytics, and
 * the incident response's throttle would otherwise land mid-run at a time that depends on the
 * machine's load (a later probe then fails with 429 instead of being judged).
 */
const GUARDS_ON = `
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
  - { name: demo-embed, provider: demo, kind: embedding }
analytics:
  expected:
    keys:
      bootstrap-admin: { ignore: [cost_harvesting, flood, model_extraction, scraping] }
`;

async function redteam(
  args: string[],
  key: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [CLI, "redteam", "run", ...args], {
      env: { ...process.env, PCX_REDTEAM_KEY: key, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: `${e.stderr}\n${String(error)}` };
  }
}

describe("redteam run against the gateway and the demo model", () => {
  let off: StartedGateway;
  let on: StartedGateway;
  const dir = mkdtempSync(join(tmpdir(), "rt-e2e-"));
  const outOff = join(dir, "off");
  const outOn = join(dir, "on");
  let reportOff: RunReport;
  let reportOn: RunReport;

  beforeAll(async () => {
    [off, on] = await Promise.all([
      startGateway({ config: GUARDS_OFF }),
      startGateway({ config: GUARDS_ON }),
    ]);
    const common = [
      "--model",
      "demo-chat",
      "--suite",
      "demo",
      "--api-key-env",
      "PCX_REDTEAM_KEY",
      "--format",
      "json",
    ];
    const [a, b] = await Promise.all([
      redteam(["--target", off.url, ...common, "--out", outOff], off.adminKey),
      redteam(["--target", on.url, ...common, "--out", outOn], on.adminKey),
    ]);
    expect(a.code, a.stderr).toBe(1);
    expect(b.code, b.stderr).toBe(1);
    reportOff = JSON.parse(a.stdout) as RunReport;
    reportOn = JSON.parse(b.stdout) as RunReport;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([off?.stop(), on?.stop()]);
  });

  it("exists as a command (--help)", async () => {
    const r = await execFileP(process.execPath, [CLI, "redteam", "run", "--help"]);
    expect(r.stdout).toMatch(/--target <url>/);
    expect(r.stdout).toMatch(/--api-key-env <name>/);
  });

  it("with guards off, the demo model's scripted attacks succeed", () => {
    const s = reportOff.summary;
    expect(s.total).toBeGreaterThanOrEqual(15);
    expect(s.error).toBe(0);
    expect(s.vulnerable / s.total).toBeGreaterThanOrEqual(0.9);
    for (const family of ["LLM01", "LLM02", "LLM05", "LLM07", "LLM10"])
      expect(s.byOwasp[family]!.vulnerable, family).toBeGreaterThan(0);
    const judges = new Set(reportOff.results.filter((r) => r.verdict === "vulnerable").map((r) => r.judge));
    for (const j of ["canary", "detect", "exfil", "length", "accepted"]) expect(judges, j).toContain(j);
  });

  it("with the default guards, most attacks are stopped and the reports say which got through", () => {
    const s = reportOn.summary;
    expect(s.total).toBe(reportOff.summary.total);
    expect(s.error).toBe(0);
    expect((s.blocked + s.resisted) / s.total).toBeGreaterThanOrEqual(0.75);
    expect(s.blocked).toBeGreaterThan(s.total / 2);
    const through = reportOn.results.filter((r) => r.verdict === "vulnerable");
    const html = readFileSync(join(outOn, "report.html"), "utf8");
    const findings = html.slice(html.indexOf('id="findings"'), html.indexOf('id="results"'));
    for (const r of through) expect(findings).toContain(`<code>${r.id}</code>`);
    for (const r of reportOn.results.filter((x) => x.verdict !== "vulnerable"))
      expect(findings).not.toContain(`<code>${r.id}</code>`);
    expect(html).toContain(`${s.vulnerable} of ${s.total} attacks succeeded`);
  });

  it("writes all report formats, each well-formed and free of the key", () => {
    for (const [out, gw] of [
      [outOff, off],
      [outOn, on],
    ] as const) {
      for (const f of ["report.html", "report.json", "junit.xml", "report.sarif"]) {
        expect(existsSync(join(out, f)), f).toBe(true);
        expect(readFileSync(join(out, f), "utf8"), f).not.toContain(gw.adminKey);
      }
      expect(XMLValidator.validate(readFileSync(join(out, "junit.xml"), "utf8"))).toBe(true);
      const sarif = JSON.parse(readFileSync(join(out, "report.sarif"), "utf8")) as {
        version: string;
        runs: Array<{ results: unknown[] }>;
      };
      expect(sarif.version).toBe("2.1.0");
      const json = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as RunReport;
      expect(sarif.runs[0]!.results).toHaveLength(json.summary.vulnerable);
    }
  });

  it("comparison mode reports what Portcullis stopped", async () => {
    const r = await redteam(
      [
        "--target",
        on.url,
        "--compare-direct",
        off.url,
        "--model",
        "demo-chat",
        "--suite",
        "demo",
        "--api-key-env",
        "PCX_REDTEAM_KEY",
        "--compare-api-key-env",
        "PCX_REDTEAM_KEY_DIRECT",
        "--out",
        join(dir, "compare"),
      ],
      on.adminKey,
      // The direct endpoint has its own key, from its own variable.
      { PCX_REDTEAM_KEY_DIRECT: off.adminKey },
    );
    expect(r.code, r.stderr).toBe(1);
    for (const k of [on.adminKey, off.adminKey]) expect(r.stdout + r.stderr).not.toContain(k);
    const report = JSON.parse(readFileSync(join(dir, "compare", "report.json"), "utf8")) as RunReport;
    const c = report.comparison!;
    expect(c).toBeDefined();
    expect(c.entries).toHaveLength(report.summary.total);
    expect(c.stopped).toBeGreaterThan(c.entries.length / 2);
    expect(c.stopped + c.gotThrough).toBe(c.direct.summary.vulnerable);
    expect(r.stdout).toMatch(new RegExp(`Portcullis stopped ${c.stopped}, ${c.gotThrough} got through`));
    expect(readFileSync(join(dir, "compare", "report.html"), "utf8")).toContain("What Portcullis stopped");
  }, 60_000);

  it("speaks Anthropic's Messages API too (the document inline)", async () => {
    const r = await redteam(
      ["--target", `${off.url}/v1/messages`, "--model", "demo-chat", "--suite", "demo"].concat([
        "--api-key-env",
        "PCX_REDTEAM_KEY",
        "--document-via",
        "inline",
        "--format",
        "json",
      ]),
      off.adminKey,
    );
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.target).toMatchObject({ type: "anthropic", url: `${off.url}/v1/messages` });
    expect(report.summary.vulnerable / report.summary.total).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  describe.skipIf(!CHROMIUM && !REQUIRED)("the HTML report in headless Chromium", () => {
    it("renders, and the summary is visible at the top of the screenshot", () => {
      if (!CHROMIUM)
        throw new Error("chromium is required on CI (CI=true) but was not found; apt-get install chromium");
      const shot = join(dir, "report.png");
      const profile = mkdtempSync(join(tmpdir(), "rt-chromium-"));
      const url = pathToFileURL(join(outOn, "report.html")).href;
      const flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
      ];
      execFileSync(CHROMIUM, [...flags, "--window-size=1280,900", `--screenshot=${shot}`, url], {
        stdio: "ignore",
        timeout: 60_000,
      });
      const png = PNG.sync.read(readFileSync(shot));
      expect([png.width, png.height]).toEqual([1280, 900]);
      // Count pixels of a colour (±6 per channel) in rows [y0, y1).
      const count = (rgb: [number, number, number], y0: number, y1: number) => {
        let n = 0;
        for (let y = y0; y < y1; y++)
          for (let x = 0; x < png.width; x++) {
            const i = (y * png.width + x) * 4;
            if (rgb.every((c, k) => Math.abs(png.data[i + k]! - c) <= 6)) n++;
          }
        return n;
      };
      // The dark header band, the red headline box ("N of M attacks succeeded", #fdecea) and the
      // blue "blocked" tile figure (#1565c0) are all in the first screen.
      expect(count([0x17, 0x20, 0x2e], 0, 60)).toBeGreaterThan(1280 * 40);
      expect(count([0xfd, 0xec, 0xea], 100, 500)).toBeGreaterThan(20_000);
      expect(count([0x15, 0x65, 0xc0], 100, 600)).toBeGreaterThan(50);
      expect(count([0xc6, 0x28, 0x28], 100, 600)).toBeGreaterThan(200);
      // The DOM Chromium built has the summary section with the figures of the report.
      const dom = execFileSync(CHROMIUM, [...flags, "--dump-dom", url], {
        encoding: "utf8",
        timeout: 60_000,
        stdio: ["ignore", "pipe", "ignore"],
      });
      expect(dom).toMatch(/<section id="summary"[^>]*>\s*<h2>Summary<\/h2>/);
      expect(dom).toContain(`${reportOn.summary.vulnerable} of ${reportOn.summary.total} attacks succeeded`);
      expect(dom).not.toMatch(/<script/i);
    }, 120_000);
  });
});
