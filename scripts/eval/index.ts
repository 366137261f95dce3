/**
 * `npm run eval` (issue 3, scope 8): measures every detector on every labelled file of the
 * development data, beside offline npm peers, prints the tables and saves them into EVAL.md with
 * the date, commit, machine and Node version. Options: `--help` (args.ts).
 *
 * Honesty rules this report keeps: figures on rows the shipped model was trained on are marked
 * as such and the licence-held-out sources are reported apart; every target is marked met or
 * missed; a peer that cannot be loaded is named with its error; the load on the machine is
 * recorded before and after, since latency on a shared machine is only as good as that.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { renderDetectBench, runDetectBench, SPEED_TARGETS, type Subject } from "../../bench/detect.js";
import { evaluateAnalytics } from "./analytics.js";
import { parseArgs, USAGE, UsageError, type EvalArgs } from "./args.js";
import { defaultDataDir, readTrainingRecord, repoRoot } from "./data.js";
import { evaluateInjection } from "./injection.js";
import { evaluateLeak } from "./leak.js";
import { evaluateModelScanner } from "./model.js";
import { evaluateDatasetScanner } from "./dataset.js";
import { createOurs } from "./ours.js";
import { loadPeers, type Peers } from "./peers.js";
import { evaluatePii } from "./pii.js";
import { fmt, ms, table, verdict, type LatencyTable, type Section, type Target } from "./report.js";
import { evaluateSecrets } from "./secrets.js";

interface RunInfo {
  date: string;
  commit: string;
  dirty: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
  args: Omit<EvalArgs, "limit"> & { limit: number | null };
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", root, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Time one peer may take on the injection files before it is run on a stratified sample. */
const PEER_BUDGET_SECONDS = 60;

const t0 = performance.now();
const log = (line: string) =>
  process.stderr.write(`[eval ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

function speedSection(bench: Awaited<ReturnType<typeof runDetectBench>>): Section {
  const all = bench.subjects.find((s) => s.kind === "all");
  const note = `load average ${loadText(bench.loadBefore)} → ${loadText(bench.loadAfter)} on ${availableParallelism()} cores`;
  const targets: Target[] = all
    ? [
        {
          name: "Speed: 1 KB prompt, all default detectors, mean",
          goal: `≤ ${SPEED_TARGETS.meanMs} ms`,
          measured: `${ms(all.prompt.meanMs)} ms (best round ${ms(all.prompt.bestRoundMeanMs)}, CPU ${ms(all.prompt.cpuMeanMs)})`,
          met: all.prompt.meanMs <= SPEED_TARGETS.meanMs,
          note,
        },
        {
          name: "Speed: 1 KB prompt, all default detectors, p99",
          goal: `≤ ${SPEED_TARGETS.p99Ms} ms`,
          measured: `${ms(all.prompt.p99Ms)} ms`,
          met: all.prompt.p99Ms <= SPEED_TARGETS.p99Ms,
          note,
        },
        {
          name: "Speed: long document, all default detectors",
          goal: `≥ ${SPEED_TARGETS.docMBps} MB/s`,
          measured: all.doc ? `${fmt(all.doc.medianMBps, 1)} MB/s (best ${fmt(all.doc.bestMBps, 1)})` : "–",
          met: all.doc ? all.doc.medianMBps >= SPEED_TARGETS.docMBps : null,
          note,
        },
      ]
    : [];
  return {
    title: "Speed micro-benchmark (bench/detect.ts)",
    markdown: [
      "Same code as `node dist/bench/detect.js`; peers are timed beside ours on the same texts. " +
        "`× baseline` divides by a plain `toLowerCase()` + `indexOf` pass over the same text, measured in the same run.",
      "",
      ...renderDetectBench(bench),
    ],
    json: bench as unknown as Record<string, unknown>,
    targets,
  };
}

function peerSubjects(peers: Peers): Subject[] {
  const out: Subject[] = [];
  for (const p of peers.injection)
    out.push({
      name: `${p.name} (injection)`,
      kind: "peer",
      run: (t, c) => p.flag(t, c === "document" ? "document" : "prompt"),
    });
  for (const p of peers.pii) out.push({ name: `${p.name} (PII)`, kind: "peer", run: (t) => p.spans(t) });
  for (const p of peers.secrets)
    out.push({ name: `${p.name} (secrets)`, kind: "peer", run: (t) => p.flag(t) });
  return out;
}

function latencyTable(sections: readonly Section[]): string[] {
  const merged: LatencyTable = {};
  for (const s of sections)
    for (const [file, bySystem] of Object.entries(s.latency ?? {}))
      merged[file] = { ...merged[file], ...bySystem };
  const rows: string[][] = [];
  for (const [file, bySystem] of Object.entries(merged)) {
    for (const [system, l] of Object.entries(bySystem)) {
      rows.push([
        file,
        system === "Portcullis" ? "**Portcullis**" : system,
        String(l.n),
        ms(l.meanMs),
        ms(l.p50Ms),
        ms(l.p99Ms),
        ms(l.maxMs),
      ]);
    }
  }
  return table(
    ["file", "system", "texts", "mean ms", "p50 ms", "p99 ms", "max ms"],
    rows,
    "--- | --- | ---: | ---: | ---: | ---: | ---:",
  );
}

function render(
  info: RunInfo,
  sections: Section[],
  peers: Peers | undefined,
  oursNote: string | undefined,
  detectors: readonly string[],
): string {
  const targets = sections.flatMap((s) => s.targets);
  const out: string[] = [
    "# Detection evaluation",
    "",
    "Generated by `npm run eval` (`scripts/eval/`); do not edit by hand. Development data from `../shared/data/` " +
      "(its README and PROVENANCE files say where every row comes from); the held-out split is not used here.",
    "",
    ...table(
      ["run", ""],
      [
        ["date", info.date],
        [
          "commit",
          `\`${info.commit}\`${info.dirty ? " (with uncommitted changes under src/ or models/ at run time)" : ""}`,
        ],
        ["machine", `${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Linux ${info.kernel}`],
        ["Node", info.node],
        [
          "load average",
          `${loadText(info.loadBefore)} before → ${loadText(info.loadAfter)} after (1, 5, 15 min)`,
        ],
        ["duration", `${info.seconds.toFixed(0)} s`],
        [
          "options",
          `sections ${info.args.only.join(", ")}; peers ${info.args.peers ? "on" : "off"}; ${info.args.limit === null ? "all rows" : `at most ${info.args.limit} rows per source`}`,
        ],
        ["Portcullis detectors", detectors.join(", ") + (oursNote ? ` (${oursNote})` : "")],
      ],
      "--- | ---",
    ),
    "",
  ];
  const loaded = Math.max(...info.loadBefore.slice(0, 1), ...info.loadAfter.slice(0, 1));
  if (loaded > info.cores * 0.5) {
    out.push(
      `> **Latency figures were taken under load**: the 1-minute load average was ${loadText([info.loadBefore[0] ?? 0])} before and ` +
        `${loadText([info.loadAfter[0] ?? 0])} after the run on ${info.cores} cores, so other processes competed for the CPU. ` +
        "Absolute times are pessimistic; the ratios to the in-run baseline and the best-round and CPU-time columns are the steadier figures.",
      "",
    );
  }
  out.push(
    "## Targets (issue 3)",
    "",
    ...table(
      ["target", "goal", "Portcullis", "verdict", "notes"],
      targets.map((t) => [t.name, t.goal, t.measured, verdict(t.met), t.note ?? ""]),
      "--- | --- | --- | --- | ---",
    ),
    "",
  );
  if (peers) {
    const rows: string[][] = [
      ...peers.injection.map((p) => [p.name, p.version, "injection / jailbreak", p.setup]),
      ...peers.pii.map((p) => [p.name, p.version, `PII (${p.kinds.join(", ")})`, p.setup]),
      ...peers.secrets.map((p) => [p.name, p.version, "secrets", p.setup]),
      ...peers.failed.map((p) => [p.name, "–", "could not be run", p.error]),
    ];
    out.push(
      "## Peers",
      "",
      "Offline npm libraries, installed as dev dependencies of the eval only, run with their documented defaults or presets " +
        "(nothing tuned to this data). None of them downloads a model at run time.",
      "",
      ...table(["peer", "version", "measured on", "how it is called"], rows, "--- | --- | --- | ---"),
      "",
    );
  } else {
    out.push("## Peers", "", "Not run (`--no-peers`).", "");
  }
  for (const s of sections) out.push(`## ${s.title}`, "", ...s.markdown, "");
  out.push(
    "## Latency per text (wall clock, one call per text, after a warm-up)",
    "",
    "Portcullis runs every default detector on each text (the injection rows in their file's context; the secrets pass over " +
      "benign_broad runs the secrets detector only). Peers run their own checks.",
    "",
    ...latencyTable(sections),
    "",
    "## How to reproduce",
    "",
    "- `npm run eval` runs everything and rewrites this file; `npm run eval -- --help` lists the options " +
      "(`--only injection,leak,pii,secrets,speed,model,dataset`, `--no-peers`, `--limit N` rows per source for a quick run, `--json`). " +
      "A partial run prints its tables and leaves this file alone unless `--write` is given.",
    "- `npm run build && node dist/bench/detect.js [--prompts N] [--rounds R] [--doc-mb M] [--json]` runs the speed " +
      "micro-benchmark alone (`bench/run.ts` is the gateway benchmark and has no hook for it).",
    "- Metric definitions: `scripts/eval/metrics.ts` (binary metrics shared with `scripts/train/evaluate.ts`; overlap " +
      "matching for spans), pinned by `test/scripts/eval/`.",
    "",
  );
  return (
    out
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

/** EVAL.md is committed, so it is written as Prettier would format it (when Prettier is installed). */
async function formatted(markdown: string, path: string): Promise<string> {
  try {
    const name: string = "prettier";
    const prettier = (await import(name)) as {
      format(src: string, opts: Record<string, unknown>): Promise<string>;
      resolveConfig(file: string): Promise<Record<string, unknown> | null>;
    };
    const config = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(markdown, { ...config, filepath: path });
  } catch {
    return markdown;
  }
}

async function main(): Promise<number> {
  let args: EvalArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const root = repoRoot();
  const dataDir = args.data ?? defaultDataDir(root);
  const loadBefore = loadavg();
  log(`data ${dataDir}; load average ${loadText(loadBefore)}`);
  const ours = createOurs();
  const peers = args.peers ? await loadPeers(root) : undefined;
  for (const f of peers?.failed ?? []) log(`peer ${f.name} could not be loaded: ${f.error}`);
  const training = readTrainingRecord(root);
  const sections: Section[] = [];
  const limit = args.limit;

  for (const id of args.only) {
    if (id === "injection") {
      sections.push(
        await evaluateInjection({
          dataDir,
          ours,
          peers: peers?.injection ?? [],
          training,
          limit,
          peerBudgetSeconds: PEER_BUDGET_SECONDS,
          log,
        }),
      );
    } else if (id === "leak") {
      log("leak");
      sections.push(evaluateLeak(dataDir, ours, limit));
    } else if (id === "pii") {
      sections.push(await evaluatePii({ dataDir, ours, peers: peers?.pii ?? [], limit, log }));
    } else if (id === "secrets") {
      sections.push(await evaluateSecrets({ dataDir, ours, peers: peers?.secrets ?? [], limit, log }));
    } else if (id === "dataset") {
      sections.push(await evaluateDatasetScanner(dataDir, log));
    } else if (id === "model") {
      log("model files");
      sections.push(evaluateModelScanner(dataDir));
    } else if (id === "speed") {
      const quick = Number.isFinite(limit);
      const bench = await runDetectBench({
        dataDir,
        prompts: quick ? 200 : 600,
        rounds: quick ? 1 : 3,
        docMB: quick ? 0.25 : 1,
        extra: peers ? peerSubjects(peers) : [],
        log,
      });
      sections.push(speedSection(bench));
    } else if (id === "analytics") {
      // Behaviour analytics on simulated traces with fresh seeds (scripts/eval/analytics.ts).
      sections.push(await evaluateAnalytics({ log }));
    }
  }
  if (!training.found) {
    sections[0]?.markdown.unshift(
      "> models/README.md has no training table: which sources trained the model is unknown.",
      "",
    );
  }

  const info: RunInfo = {
    date: new Date().toISOString(),
    commit: git(root, ["rev-parse", "--short", "HEAD"]) ?? "unknown",
    dirty: (git(root, ["status", "--porcelain", "--", "src", "models"]) ?? "") !== "",
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadBefore,
    loadAfter: loadavg(),
    seconds: (performance.now() - started) / 1000,
    args: { ...args, limit: Number.isFinite(args.limit) ? args.limit : null },
  };
  const markdown = render(info, sections, peers, ours.note, ours.detectors);
  if (args.json) {
    console.log(
      JSON.stringify(
        {
          run: info,
          targets: sections.flatMap((s) => s.targets),
          sections: Object.fromEntries(sections.map((s) => [s.title, { ...s.json, latency: s.latency }])),
        },
        null,
        2,
      ),
    );
  } else {
    console.log(markdown);
  }
  if (args.write) {
    const path = join(root, "EVAL.md");
    writeFileSync(path, await formatted(markdown, path));
    log(`wrote ${path}`);
  } else {
    log("EVAL.md not written (partial run; --write to force)");
  }
  return 0;
}

process.exitCode = await main();
