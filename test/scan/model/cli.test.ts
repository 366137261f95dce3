/**
 * `portcullis scan model` as users and CI run it: the built binary (npm run build), its exit codes
 * and its JSON and SARIF outputs.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../e2e/helpers/gateway.js";
import { callPickle, torchStateDictPickle, zip } from "./build.js";

const run = promisify(execFile);

async function portcullis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const built = existsSync(CLI);
if (!built) console.warn(`skipping scan model CLI tests: ${CLI} is missing (run npm run build)`);
if (!built && process.env.CI === "true")
  throw new Error(`${CLI} is missing: run npm run build before the tests`);

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pcx-scanmodel-cli-"));
  writeFileSync(file("clean.pt"), zip([{ name: "archive/data.pkl", data: torchStateDictPickle() }]));
  writeFileSync(file("evil.pkl"), callPickle("os", "system", "id"));
  writeFileSync(file("custom.pkl"), callPickle("mylib.layers", "Block"));
  writeFileSync(
    file("evil.zip"),
    zip([{ name: "inner/data.txt", data: callPickle("builtins", "eval", "1") }]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built)("portcullis scan model", () => {
  it("exit 0 on clean files, 1 on a malicious one, 2 when a path cannot be read", async () => {
    expect((await portcullis(["scan", "model", file("clean.pt")])).code).toBe(0);
    const bad = await portcullis(["scan", "model", file("clean.pt"), file("evil.pkl")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/MALICIOUS .*evil\.pkl/);
    const missing = await portcullis(["scan", "model", file("nope.pkl")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.pkl");
  });

  it("--strict turns suspicious into a failure", async () => {
    expect((await portcullis(["scan", "model", file("custom.pkl")])).code).toBe(0);
    expect((await portcullis(["scan", "model", "--strict", file("custom.pkl")])).code).toBe(1);
  });

  it("--format json prints exactly {files: [{path, verdict, findings: [{kind, severity, offset, detail}]}]}", async () => {
    const r = await portcullis(["scan", "model", "--format", "json", file("evil.zip"), file("clean.pt")]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { files: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(["files"]);
    for (const f of out.files) {
      expect(Object.keys(f).sort()).toEqual(["findings", "path", "verdict"]);
      for (const x of f.findings as Record<string, unknown>[]) {
        expect(Object.keys(x).sort()).toEqual(["detail", "kind", "offset", "severity"]);
      }
    }
    const member = out.files.find((f) => f.path === `${file("evil.zip")}:inner/data.txt`);
    expect(member).toMatchObject({ verdict: "malicious" });
    expect(out.files.find((f) => f.path === file("evil.zip"))).toMatchObject({ verdict: "malicious" });
    expect(out.files.find((f) => f.path === file("clean.pt"))).toMatchObject({
      verdict: "clean",
      findings: [],
    });
  });

  it("--format sarif prints a SARIF 2.1.0 log with a result per finding and the member named", async () => {
    const r = await portcullis(["scan", "model", "--format", "sarif", file("evil.zip")]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: { ruleId: string; level: string; message: { text: string }; locations: unknown[] }[];
      }[];
    };
    expect(log.version).toBe("2.1.0");
    const run0 = log.runs[0]!;
    expect(run0.tool.driver.rules.map((x) => x.id)).toContain("dangerous-global");
    const result = run0.results.find((x) => x.ruleId === "dangerous-global")!;
    expect(result.level).toBe("error");
    expect(result.message.text).toContain("inner/data.txt");
    expect(result.message.text).toContain("builtins.eval");
    expect(JSON.stringify(result.locations)).toContain("evil.zip");
  });
});
