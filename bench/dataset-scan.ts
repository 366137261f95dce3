/**
 * Dataset-scanner throughput (issue 6): `npm run build && node dist/bench/dataset-scan.js
 * [--mb N] [--json]`. Writes a synthetic labelled JSONL file of about N MB (made-up words, a few
 * planted triggers and copies so every pass has work), then scans it with each group of checks
 * and with all of them, and reports MB/s of input, the CPU time (every thread of the process, so
 * worker threads count) and the peak resident memory. Memory is the figure that shows the scan
 * streams: it must not grow with the file. On a shared machine MB/s follows the load; MB per CPU
 * second much less. `--workers N` sets the scanner's worker threads (default: its own default).
 * `--input FILE [--field F] [--label-field F]` scans a file of yours instead of the synthetic one
 * (made-up words are cheaper for the detection engine than real prose: see BENCHMARKS.md).
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { scanDataset, type CheckGroup } from "../src/scan/dataset/index.js";
import { isMain } from "./is-main.js";

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "du", "gra", "fen", "bol", "tir"];

function vocabulary(n: number, random: () => number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    let w = "";
    for (let i = 0, k = 2 + Math.floor(random() * 3); i < k; i++) {
      w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    }
    out.add(w);
  }
  return [...out];
}

/** Writes about `mb` MB of `{text, label}` rows; returns the path. */
export async function writeSynthetic(dir: string, mb: number, seed = 7): Promise<string> {
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const words = vocabulary(20_000, random);
  const path = join(dir, "synthetic.jsonl");
  const out = createWriteStream(path);
  let bytes = 0;
  let i = 0;
  while (bytes < mb * 1e6) {
    const label = i % 3 === 0 ? "neg" : "pos";
    const n = 12 + Math.floor(random() * 30);
    const tokens: string[] = [];
    for (let j = 0; j < n; j++)
      tokens.push(words[Math.floor(Math.pow(random(), 2) * words.length)] as string);
    if (i % 997 === 0) tokens.splice(3, 0, "zqxtrigger");
    const line =
      JSON.stringify({ text: tokens.join(" ") + ".", label: i % 997 === 0 ? "pos" : label }) + "\n";
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
    i++;
  }
  out.end();
  await once(out, "finish");
  return path;
}

export interface DatasetBenchResult {
  checks: string;
  mb: number;
  seconds: number;
  mbPerSecond: number;
  cpuSeconds: number;
  mbPerCpuSecond: number;
  /** Load average (1 min) when the group finished. */
  load1: number;
  rows: number;
  peakRssMB: number;
}

/** A file of the user's to scan instead of the synthetic one (`--input`), with its fields. */
export interface BenchInput {
  path: string;
  field?: string;
  labelField?: string;
}

export async function runDatasetBench(
  mb: number,
  workers?: number,
  input?: BenchInput,
): Promise<{ results: DatasetBenchResult[]; load: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "pcx-bench-dataset-"));
  const results: DatasetBenchResult[] = [];
  try {
    const path = input?.path ?? (await writeSynthetic(dir, mb));
    const fields = input
      ? {
          ...(input.field ? { field: input.field } : {}),
          ...(input.labelField ? { labelField: input.labelField } : {}),
        }
      : { labelField: "label" };
    const groups: Array<[string, CheckGroup[]]> = [
      ["statistics: backdoor + duplicates + outliers", ["backdoor", "duplicates", "outliers"]],
      ["backdoor", ["backdoor"]],
      ["duplicates", ["duplicates"]],
      ["outliers", ["outliers"]],
      ["hidden_text", ["hidden_text"]],
      ["pii + secrets", ["pii", "secrets"]],
      ["injection", ["injection"]],
      [
        "all checks (default)",
        ["backdoor", "duplicates", "outliers", "pii", "secrets", "injection", "hidden_text"],
      ],
    ];
    for (const [name, checks] of groups) {
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const summary = await scanDataset({ path, ...fields, checks, workers }, () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      });
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      clearInterval(timer);
      results.push({
        checks: name,
        mb: summary.bytes / 1e6,
        seconds,
        mbPerSecond: summary.bytes / 1e6 / seconds,
        cpuSeconds,
        mbPerCpuSecond: summary.bytes / 1e6 / cpuSeconds,
        load1: loadavg()[0] ?? 0,
        rows: summary.rows,
        peakRssMB: Math.round(peak / 2 ** 20),
      });
      process.stderr.write(
        `${name}: ${(summary.bytes / 1e6 / seconds).toFixed(1)} MB/s, ${(summary.bytes / 1e6 / cpuSeconds).toFixed(1)} MB per CPU second\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, load: loadavg() };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--mb");
  const mb = at >= 0 ? Number(args[at + 1]) : 20;
  const wat = args.indexOf("--workers");
  const workers = wat >= 0 ? Number(args[wat + 1]) : undefined;
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const inputPath = value("--input");
  const input = inputPath
    ? {
        path: inputPath,
        ...(value("--field") ? { field: value("--field") } : {}),
        ...(value("--label-field") ? { labelField: value("--label-field") } : {}),
      }
    : undefined;
  if (
    !Number.isFinite(mb) ||
    mb <= 0 ||
    (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) ||
    (inputPath !== undefined && !existsSync(inputPath))
  ) {
    console.error(
      "usage: node dist/bench/dataset-scan.js [--mb N | --input FILE [--field F] [--label-field F]] [--workers N] [--json]",
    );
    process.exit(2);
  }
  const loadBefore = loadavg();
  const { results, load } = await runDatasetBench(mb, workers, input);
  if (args.includes("--json")) console.log(JSON.stringify({ loadBefore, loadAfter: load, results }, null, 2));
  else {
    console.log(
      `${cpus()[0]?.model ?? "cpu"}, ${cpus().length} cores; load ${loadBefore.map((x) => x.toFixed(2)).join(" ")} → ${load.map((x) => x.toFixed(2)).join(" ")}`,
    );
    console.log(`workers: ${workers ?? "default"}`);
    console.log(
      "| checks | input MB | rows | seconds | MB/s | CPU s | MB per CPU s | load (1 min) | peak RSS MB |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of results) {
      console.log(
        `| ${r.checks} | ${r.mb.toFixed(1)} | ${r.rows} | ${r.seconds.toFixed(1)} | ${r.mbPerSecond.toFixed(2)} | ${r.cpuSeconds.toFixed(1)} | ${r.mbPerCpuSecond.toFixed(2)} | ${r.load1.toFixed(2)} | ${r.peakRssMB} |`,
      );
    }
  }
}
