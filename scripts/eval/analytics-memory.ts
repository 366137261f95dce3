/**
 * Bounded memory of behaviour analytics (issue 7): writes a trace of 1 million requests from
 * 10,000 identities (default) and replays it with the built CLI in a child process, which reports
 * its peak RSS (`--stats`). Usage, after `npm run build`:
 *
 *   node dist/scripts/eval/analytics-memory.js [--requests N] [--identities N] [--guards]
 *
 * Guards are off by default: the measurement is about the analytics state, and running the
 * detectors on a million prompts measures the detectors instead.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../../src/cli/commands/simulate/rng.js";
import { chatPrompt, harvestPrompt } from "../../src/cli/commands/simulate/text.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
  return n;
};

const requests = arg("requests", 1_000_000);
const identities = arg("identities", 10_000);
const guards = process.argv.includes("--guards");
const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "pcx-analytics-memory-"));
const file = join(dir, "trace.jsonl");

try {
  const r = new Rng(1);
  const out = createWriteStream(file);
  const t0 = Date.parse("2025-03-03T00:00:00Z");
  const started = performance.now();
  let chunk = "";
  for (let i = 0; i < requests; i++) {
    const id = r.int(0, identities - 1);
    const extractor = id % 100 === 0;
    chunk += `${JSON.stringify({
      ts: new Date(t0 + i * 200).toISOString(),
      key: `key_${id}`,
      team: `team_${id % 50}`,
      ip: `10.${id >> 8}.${id & 255}.${r.int(1, 3)}`,
      model: "m",
      endpoint: "/v1/chat/completions",
      messages: [{ role: "user", content: extractor ? harvestPrompt(r) : chatPrompt(r) }],
      max_tokens: 256,
      logprobs: extractor,
      top_logprobs: extractor ? 5 : null,
      temperature: extractor ? 0 : 0.7,
    })}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
  const writeSeconds = (performance.now() - started) / 1000;
  const replayStarted = performance.now();
  // Exit 1 means someone was flagged (the extractors among the identities): expected here.
  const run = spawnSync(
    process.execPath,
    [cli, "replay", file, "--format", "json", "--stats", ...(guards ? [] : ["--no-guards"])],
    { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`replay failed (${run.status}): ${run.stderr}`);
  const line = run.stderr.trim().split("\n").at(-1) ?? "{}";
  console.log(
    JSON.stringify({
      requests,
      identities,
      guards,
      traceMB: Math.round(statSync(file).size / 2 ** 20),
      writeSeconds: Math.round(writeSeconds),
      wallSeconds: Math.round((performance.now() - replayStarted) / 1000),
      replay: JSON.parse(line) as unknown,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
