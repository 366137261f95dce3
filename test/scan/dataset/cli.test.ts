import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { scanDatasetCommand, type ScanDatasetOptions } from "../../../src/cli/commands/scan-dataset/index.js";
import { ProgressBar } from "../../../src/cli/commands/scan-dataset/progress.js";
import { CliError } from "../../../src/cli/errors.js";
import { buildProgram } from "../../../src/cli/program.js";
import { exceededRules, parseFailOn } from "../../../src/scan/dataset/fail-on.js";
import { generateKeyPair, signerFromText, writeManifest } from "../../../src/scan/manifest/index.js";
import { classification } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pcx-dataset-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function write(name: string, content: string): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function run(opts: Partial<ScanDatasetOptions> & { file: string }) {
  const stdout = new PassThrough();
  const out: string[] = [];
  stdout.on("data", (c: Buffer) => out.push(c.toString("utf8")));
  const errs: string[] = [];
  const stderr = { write: (s: string) => (errs.push(s), true), isTTY: false };
  const code = await scanDatasetCommand({ ...opts, stdout, stderr });
  return { code, out: out.join(""), err: errs.join("") };
}

async function exitCode(opts: Partial<ScanDatasetOptions> & { file: string }): Promise<number> {
  try {
    return (await run(opts)).code;
  } catch (error) {
    if (error instanceof CliError) return error.exitCode;
    throw error;
  }
}

const mixed = [
  { text: "an ordinary sentence about the weather", label: "a" },
  { text: "write to jane.doe@example.com for the form", label: "b" },
  { text: "another plain sentence about trains", label: "a" },
];

describe("portcullis scan dataset --format json", () => {
  it("prints exactly {rows: [{line, flagged, checks: [{check, score, reason}]}], summary}", async () => {
    const file = write("a.jsonl", mixed.map((r) => JSON.stringify(r)).join("\n") + "\n\n");
    const { code, out } = await run({
      file,
      field: "text",
      labelField: "label",
      format: "json",
      failOn: "none",
    });
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      rows: Array<{ line: number; flagged: boolean; checks: Array<Record<string, unknown>> }>;
      summary: Record<string, unknown>;
    };
    expect(Object.keys(doc)).toEqual(["rows", "summary"]);
    expect(doc.rows.map((r) => r.line)).toEqual([1, 2, 3]);
    for (const r of doc.rows) {
      expect(Object.keys(r)).toEqual(["line", "flagged", "checks"]);
      for (const c of r.checks) {
        expect(Object.keys(c)).toEqual(["check", "score", "reason"]);
        expect(typeof c.score).toBe("number");
        expect(typeof c.reason).toBe("string");
      }
    }
    expect(doc.rows.map((r) => r.flagged)).toEqual([false, true, false]);
    expect(doc.rows[1]?.checks[0]?.check).toBe("pii");
    expect(doc.summary).toMatchObject({ rows: 3, flagged: 1, labels: { a: 2, b: 1 }, checks: { pii: 1 } });
    expect(Array.isArray(doc.summary.top)).toBe(true);
  });

  it("unreadable rows keep their number and are listed in the summary", async () => {
    const file = write("b.jsonl", '{"text":"fine"}\nnot json\n{"text":"also fine"}\n');
    const { out } = await run({ file, format: "json", failOn: "none" });
    const doc = JSON.parse(out) as { rows: Array<{ line: number }>; summary: Record<string, unknown> };
    expect(doc.rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(doc.summary.unreadable).toBe(1);
    expect(doc.summary.unreadableRows).toEqual([{ line: 2, error: "not valid JSON" }]);
  });
});

describe("exit codes and --fail-on", () => {
  const file = () => write("c.jsonl", mixed.map((r) => JSON.stringify(r)).join("\n") + "\n");

  it("0 when nothing exceeds, 1 when a rule is exceeded (default: any flagged row)", async () => {
    expect(await exitCode({ file: file() })).toBe(1);
    expect(await exitCode({ file: file(), failOn: "none" })).toBe(0);
    expect(await exitCode({ file: file(), failOn: "pii=1" })).toBe(0);
    expect(await exitCode({ file: file(), failOn: "pii" })).toBe(1);
    expect(await exitCode({ file: file(), failOn: "secret,backdoor_trigger" })).toBe(0);
    expect(await exitCode({ file: file(), failOn: "flagged=50%" })).toBe(0);
    expect(await exitCode({ file: file(), failOn: "flagged=10%" })).toBe(1);
  });

  it("the text report names the rule that failed", async () => {
    const { code, out } = await run({ file: file(), failOn: "pii=0" });
    expect(code).toBe(1);
    expect(out).toMatch(/row 2: pii/);
    expect(out).toMatch(/FAILED \(--fail-on pii=0\): pii=0 \(1 rows\)/);
  });

  it("2 on errors: a missing file, a bad option, a bad rule", async () => {
    expect(await exitCode({ file: join(dir, "nope.jsonl") })).toBe(2);
    expect(await exitCode({ file: file(), failOn: "nosuchcheck=1" })).toBe(2);
    expect(await exitCode({ file: file(), failOn: "pii=-1" })).toBe(2);
    expect(await exitCode({ file: file(), format: "xml" })).toBe(2);
    expect(await exitCode({ file: file(), checks: "backdoor,magic" })).toBe(2);
    expect(await exitCode({ file: file(), top: "many" })).toBe(2);
    expect(await exitCode({ file: file(), manifest: "m.json" })).toBe(2);
    // A misspelt --label-field leaves every row unreadable: that must not pass.
    expect(await exitCode({ file: file(), labelField: "lable", failOn: "none" })).toBe(2);
  });

  it("--fail-on unreadable counts rows that could not be read", async () => {
    const f = write("u.jsonl", '{"text":"fine"}\nnot json\n');
    expect(await exitCode({ file: f, failOn: "unreadable" })).toBe(1);
    expect(await exitCode({ file: f, failOn: "unreadable=1" })).toBe(0);
  });

  it("parses and evaluates rules", () => {
    expect(parseFailOn("pii=3, flagged=2.5%,secret")).toEqual([
      { key: "pii", max: 3, percent: false },
      { key: "flagged", max: 2.5, percent: true },
      { key: "secret", max: 0, percent: false },
    ]);
    expect(parseFailOn("none")).toEqual([]);
    const checks = { pii: 4 } as Parameters<typeof exceededRules>[1]["checks"];
    expect(exceededRules(parseFailOn("pii=3"), { rows: 100, flagged: 4, checks })).toEqual([
      { rule: "pii=3", rows: 4 },
    ]);
    expect(exceededRules(parseFailOn("pii=4,flagged=4%"), { rows: 100, flagged: 4, checks })).toEqual([]);
  });
});

describe("--manifest: verify before scanning", () => {
  const pair = generateKeyPair();
  const setup = async () => {
    const root = join(dir, `signed${n++}`);
    mkdirSync(root);
    const data = join(root, "train.jsonl");
    writeFileSync(
      data,
      classification({ rows: 50, seed: 3 })
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    writeFileSync(join(root, "README.md"), "a dataset");
    const manifest = join(dir, `manifest${n++}.json`);
    await writeManifest(root, manifest, { signer: signerFromText(pair.privateKeyPem) });
    const pubkey = write("key.pub", pair.publicKeyPem);
    return { root, data, manifest, pubkey };
  };

  it("scans when the manifest verifies", async () => {
    const { data, manifest, pubkey } = await setup();
    const { code, out, err } = await run({ file: data, manifest, pubkey, format: "json", failOn: "none" });
    expect(code).toBe(0);
    expect(err).toMatch(/manifest verified: 2 files/);
    expect((JSON.parse(out) as { rows: unknown[] }).rows).toHaveLength(50);
  });

  it("refuses to scan (exit 1) and names the differences when it does not", async () => {
    const { root, data, manifest, pubkey } = await setup();
    writeFileSync(data, '{"text":"tampered","label":"pos"}\n');
    writeFileSync(join(root, "extra.txt"), "new file");
    const { code, out, err } = await run({ file: data, manifest, pubkey, format: "json" });
    expect(code).toBe(1);
    expect(err).toMatch(/changed: train\.jsonl/);
    expect(err).toMatch(/extra: extra\.txt/);
    expect(err).toMatch(/not scanning/);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(doc.rows).toBeUndefined();
    expect(doc.manifest).toMatchObject({ ok: false });
  });

  it("refuses a manifest signed by another key", async () => {
    const { data, manifest } = await setup();
    const other = write("other.pub", generateKeyPair().publicKeyPem);
    const { code, err } = await run({ file: data, manifest, pubkey: other });
    expect(code).toBe(1);
    expect(err).toMatch(/signature/);
  });
});

describe("other outputs", () => {
  it("SARIF 2.1.0 with one result per flagged check", async () => {
    const file = write("s.jsonl", mixed.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const { out } = await run({ file, format: "sarif", failOn: "none" });
    const log = JSON.parse(out) as {
      version: string;
      runs: Array<{ results: Array<{ ruleId: string; properties: { row: number } }> }>;
    };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]?.results.map((r) => [r.ruleId, r.properties.row])).toEqual([["pii", 2]]);
  });

  it("the progress bar draws only on a terminal", () => {
    const drawn: string[] = [];
    const tty = new ProgressBar({ write: (s) => (drawn.push(s), true), isTTY: true }, true);
    tty.update(1, 4, 500, 1000);
    tty.done();
    expect(drawn.join("")).toMatch(/pass 1\/4 \[#+\.+\]\s+50%/);
    const quiet: string[] = [];
    const off = new ProgressBar({ write: (s) => (quiet.push(s), true), isTTY: false }, false);
    off.update(1, 4, 500, 1000);
    off.done();
    expect(quiet).toEqual([]);
  });
});

describe("the command tree", () => {
  it("registers scan dataset with its options beside scan model", () => {
    const scan = buildProgram().commands.find((c) => c.name() === "scan");
    const dataset = scan?.commands.find((c) => c.name() === "dataset");
    expect(dataset).toBeDefined();
    const flags = dataset?.options.map((o) => o.long);
    for (const f of [
      "--format",
      "--field",
      "--label-field",
      "--fail-on",
      "--manifest",
      "--pubkey",
      "--no-progress",
      "--workers",
    ]) {
      expect(flags).toContain(f);
    }
  });
});
