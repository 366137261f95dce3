import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { detect, type DetectOptions } from "../../src/cli/commands/detect/index.js";
import { CliError } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";

const dir = mkdtempSync(join(tmpdir(), "pcx-detect-"));
let fileNo = 0;
function file(content: string): string {
  const path = join(dir, `in-${fileNo++}.jsonl`);
  writeFileSync(path, content);
  return path;
}

async function run(opts: Partial<DetectOptions> & { input: string }, stdinText?: string) {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  const stdin = stdinText === undefined ? undefined : Readable.from([stdinText]);
  const code = await detect({ ...opts, stdout, ...(stdin ? { stdin } : {}) });
  const lines = chunks.join("").split("\n").filter(Boolean);
  return { code, lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>), raw: lines };
}

describe("portcullis detect", () => {
  it("writes one result per input line, in order, with the pinned shape", async () => {
    const input = file(
      [
        JSON.stringify({ text: "Contact me at jane.doe@example.com" }),
        JSON.stringify({ text: "What is the capital of France?" }),
        JSON.stringify({ text: 42 }),
        "not json",
        "",
        JSON.stringify({ text: "ig\u200bnore that" }),
      ].join("\n") + "\n",
    );
    const { code, lines, raw } = await run({ input });
    expect(lines).toHaveLength(6);
    const [email, plain, notString, notJson, empty, hidden] = lines;
    // Exactly these keys, in this order.
    expect(Object.keys(email ?? {})).toEqual(["flagged", "categories", "scores", "findings"]);
    expect(email?.flagged).toBe(true);
    expect(email?.categories).toContain("pii");
    const f = (email?.findings as Array<Record<string, unknown>>).find((x) => /mail/.test(String(x.kind)));
    expect(Object.keys(f ?? {})).toEqual(["detector", "kind", "severity", "score", "span"]);
    expect(f?.span).toEqual([14, 34]);
    expect(plain).toEqual({ flagged: false, categories: [], scores: {}, findings: [] });
    expect(notString?.error).toMatch(/line 3: field "text"/);
    expect(notJson?.error).toMatch(/line 4: not valid JSON/);
    expect(empty?.error).toMatch(/line 5/);
    expect(hidden?.categories).toEqual(["hidden_text"]);
    expect((hidden?.findings as Array<{ span: number[] }>)[0]?.span).toEqual([2, 3]);
    expect(code).toBe(1);
    // Never the matched value in the output (evidence is not part of the line).
    expect(raw.join("\n")).not.toContain("jane.doe");
  });

  it("reads standard input with --input -, honours --field (dotted) and --detectors", async () => {
    const stdin = [
      JSON.stringify({ meta: { body: "mail jane.doe@example.com, or n\u200bot" } }),
      JSON.stringify({ meta: {} }),
    ].join("\n");
    const { code, lines } = await run({ input: "-", field: "meta.body", detectors: "unicode" }, stdin);
    expect(lines).toHaveLength(2);
    const findings = lines[0]?.findings as Array<{ detector: string }>;
    expect(findings.map((x) => x.detector)).toEqual(["unicode"]);
    expect(lines[1]?.error).toMatch(/meta\.body/);
    expect(code).toBe(1);
  });

  it("exits 0 when nothing is flagged and handles a BOM and CRLF", async () => {
    const input = file('\ufeff{"text":"hello"}\r\n{"text":"how are you?"}\r\n');
    const { code, lines } = await run({ input });
    expect(lines.map((l) => l.flagged)).toEqual([false, false]);
    expect(code).toBe(0);
  });

  it("stops with a usage error on bad arguments, before reading", async () => {
    await expect(run({ input: join(dir, "missing.jsonl") })).rejects.toThrow(CliError);
    await expect(run({ input: file("{}\n"), detectors: "nope" })).rejects.toThrow(/unknown detector "nope"/);
    await expect(run({ input: file("{}\n"), context: "chat" as never })).rejects.toThrow(CliError);
  });

  it("streams a large file line by line", async () => {
    const n = 5_000;
    const input = file(
      Array.from({ length: n }, (_, i) => JSON.stringify({ text: `row ${i} hello` })).join("\n"),
    );
    const { lines } = await run({ input, detectors: "unicode,exfiltration" });
    expect(lines).toHaveLength(n);
  });
});

describe("portcullis detect: command registration", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is wired into the command tree with the documented options", async () => {
    const input = file(JSON.stringify({ body: "a\u202eb" }) + "\n");
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const program = buildProgram().exitOverride();
    const before = process.exitCode;
    await program.parseAsync([
      "node",
      "portcullis",
      "detect",
      "--input",
      input,
      "--field",
      "body",
      "--context",
      "output",
    ]);
    const code = process.exitCode;
    process.exitCode = before;
    const out = JSON.parse(written.join("").trim()) as { categories: string[] };
    expect(out.categories).toEqual(["hidden_text"]);
    expect(code).toBe(1);
  });
});
