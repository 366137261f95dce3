import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replay, replayTrace } from "../../src/cli/commands/replay/index.js";
import { Rng } from "../../src/cli/commands/simulate/rng.js";
import { harvestPrompt } from "../../src/cli/commands/simulate/text.js";
import { CliError } from "../../src/cli/errors.js";

/** `portcullis replay TRACE.jsonl [--format json]`: the output shape, bad input, exit codes. */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/src/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "pcx-replay-"));

function sink(): { stream: Writable; text(): string } {
  let text = "";
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
    text: () => text,
  };
}

function trace(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    ts: "2025-01-01T00:00:00Z",
    key: "k1",
    ip: "127.0.0.2",
    model: "m",
    endpoint: "/v1/chat/completions",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: null,
    logprobs: false,
    top_logprobs: null,
    temperature: 0.7,
    ...over,
  });

/** A fast extractor: one request a second, novel templated prompts, top_logprobs 5, temperature 0. */
function extraction(key: string, count: number, from = Date.parse("2025-03-03T10:00:00Z")): string[] {
  const r = new Rng(42);
  return Array.from({ length: count }, (_, i) =>
    line({
      ts: new Date(from + i * 1000).toISOString(),
      key,
      ip: "198.51.100.7",
      messages: [{ role: "user", content: harvestPrompt(r) }],
      logprobs: true,
      top_logprobs: 5,
      temperature: 0,
      extra_field: { ignored: true },
    }),
  );
}

describe("portcullis replay", () => {
  it("prints one object per identity with the issue's fields, in order of first appearance", async () => {
    const file = trace("shape.jsonl", [
      line(),
      ...extraction("k-x", 300),
      line({ key: "k2", ts: "2025-03-03T12:00:00Z" }),
    ]);
    const out = sink();
    const code = await replay({ trace: file, format: "json", stdout: out.stream, stderr: sink().stream });
    const results = JSON.parse(out.text()) as Record<string, unknown>[];
    expect(results.map((r) => r.key)).toEqual(["k1", "k-x", "k2"]);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(
        ["category", "first_flagged_at", "flagged", "key", "reasons", "score"].sort(),
      );
      expect(typeof r.flagged).toBe("boolean");
      expect(typeof r.score).toBe("number");
      expect(Array.isArray(r.reasons)).toBe(true);
    }
    const [quiet, extractor] = results;
    expect(quiet).toMatchObject({ flagged: false, category: null, first_flagged_at: null, reasons: [] });
    expect(extractor).toMatchObject({ flagged: true, category: "model_extraction" });
    expect(Date.parse(extractor!.first_flagged_at as string)).toBeGreaterThan(
      Date.parse("2025-03-03T10:00:00Z"),
    );
    expect((extractor!.reasons as string[]).join(" ")).toMatch(/\d+ novel prompts from \d+ templates/);
    // Exit code 1: someone was flagged.
    expect(code).toBe(1);
  });

  it("skips bad lines with a clear message on stderr and keeps going", async () => {
    const file = trace("bad.jsonl", [
      "not json",
      "[1,2]",
      JSON.stringify({ key: "k3" }),
      line({ ts: "yesterday" }),
      line({ key: 42 }),
      line({ messages: "not a list", max_tokens: "lots", temperature: "hot", top_logprobs: {} }),
      "",
      line({ key: "k4" }),
    ]);
    const out = sink();
    const err = sink();
    const code = await replay({ trace: file, format: "json", stdout: out.stream, stderr: err.stream });
    expect(code).toBe(0);
    const results = JSON.parse(out.text()) as { key: string }[];
    expect(results.map((r) => r.key)).toEqual(["k1", "k4"]);
    expect(err.text()).toMatch(/line 1 skipped: not a JSON object/);
    expect(err.text()).toMatch(/line 2 skipped/);
    expect(err.text()).toMatch(/line 3 skipped: needs a string key and an ISO-8601 ts/);
    expect(err.text()).toMatch(/line 4 skipped/);
    expect(err.text()).toMatch(/line 5 skipped/);
    expect(err.text()).not.toMatch(/line 6/);
  });

  it("refuses a missing file with a usage error", async () => {
    await expect(replay({ trace: join(dir, "nope.jsonl"), stdout: sink().stream })).rejects.toBeInstanceOf(
      CliError,
    );
  });

  it("never throws on arbitrary lines (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.json(),
            fc
              .record({
                ts: fc.oneof(fc.constant("2025-01-01T00:00:00Z"), fc.string()),
                key: fc.oneof(fc.string(), fc.integer()),
                messages: fc.anything(),
                max_tokens: fc.anything(),
                logprobs: fc.anything(),
                top_logprobs: fc.anything(),
                temperature: fc.anything(),
              })
              .map((o) => JSON.stringify(o)),
          ),
          { maxLength: 20 },
        ),
        async (lines) => {
          const file = trace(
            "fuzz.jsonl",
            lines.map((l) => l.replace(/\n/g, " ")),
          );
          const run = await replayTrace({ trace: file, guards: false });
          expect(run.events + run.skipped).toBeLessThanOrEqual(lines.length);
          for (const r of run.results) expect(typeof r.flagged).toBe("boolean");
        },
      ),
      { numRuns: 40 },
    );
  });

  it.skipIf(!existsSync(CLI))("the built CLI answers the one-line contract trace", () => {
    const file = trace("contract.jsonl", [line()]);
    const stdout = execFileSync(process.execPath, [CLI, "replay", file, "--format", "json"], {
      encoding: "utf8",
    });
    const results = JSON.parse(stdout) as Record<string, unknown>[];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ key: "k1", flagged: false, first_flagged_at: null });
    const bad = spawnSync(process.execPath, [CLI, "replay", join(dir, "missing.jsonl")], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot read/);
  });
});
