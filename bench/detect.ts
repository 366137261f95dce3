/**
 * Micro-benchmark of the detectors against the speed targets of issue 3: all default detectors
 * together ≤ 0.2 ms mean and ≤ 1 ms p99 for a 1 KB prompt on one core, and ≥ 50 MB/s on long
 * documents.
 *
 *   npm run build && node dist/bench/detect.js [--prompts N] [--rounds R] [--doc-mb M] [--json]
 *
 * Every figure is also given as a ratio to a baseline measured in the same run over the same
 * texts: one `toLowerCase()` and a handful of `indexOf` calls, the least any keyword scanner
 * does. On a shared machine absolute times move with the load; the ratio moves much less. The
 * process is single-threaded (RE2 runs synchronously), so "one core" is this process's thread.
 *
 * Workload: 1 KB prompts cut from the labelled prompt files (attacks, benign requests in 20+
 * languages, retrieved documents) in a fixed pseudo-random order, and one long document made the
 * same way. Subjects alternate within each round, so a burst of background load hits all of them.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createEngine, type Engine } from "../src/detect/engine.js";
import { createInjectionDetector } from "../src/detect/injection/index.js";
import type { DetectContext } from "../src/detect/types.js";
import { isMain } from "./is-main.js";

export interface Subject {
  name: string;
  /** Portcullis detector id, "all" for every default detector, or "baseline" / "peer". */
  kind: "baseline" | "prepare" | "detector" | "all" | "peer";
  run(text: string, context: DetectContext): unknown;
}

export interface PromptFigures {
  n: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Lowest per-round mean: the figure least disturbed by other work on the machine. */
  bestRoundMeanMs: number;
  /** Process CPU time (user + system) per call, whole batches. */
  cpuMeanMs: number;
  /** meanMs / baseline meanMs. */
  ratio: number;
}

export interface DocFigures {
  bytes: number;
  medianMBps: number;
  bestMBps: number;
  /** baseline MB/s / this MB/s: how many times slower than the baseline pass. */
  ratio: number;
}

export interface SubjectResult {
  name: string;
  kind: Subject["kind"];
  prompt: PromptFigures;
  doc?: DocFigures;
  error?: string;
}

export interface DetectBenchOptions {
  dataDir?: string;
  prompts?: number;
  rounds?: number;
  docMB?: number;
  /** Extra subjects measured beside ours (peers). */
  extra?: Subject[];
  /** Extra subjects get the long document too (some libraries cap input size). */
  extraOnDoc?: boolean;
  log?: (line: string) => void;
}

export interface DetectBenchResult {
  date: string;
  node: string;
  loadBefore: number[];
  loadAfter: number[];
  promptBytesMean: number;
  settings: { prompts: number; rounds: number; docBytes: number };
  detectors: string[];
  subjects: SubjectResult[];
  targets: { meanMs: number; p99Ms: number; docMBps: number };
}

export const SPEED_TARGETS = { meanMs: 0.2, p99Ms: 1, docMBps: 50 } as const;

const BASELINE_WORDS = ["ignore", "password", "system", "instructions", "@", "key", "http"];

/** The baseline: one lower-casing pass and a few substring searches over the same text. */
export function baselineScan(text: string): number {
  const lower = text.toLowerCase();
  let n = 0;
  for (const w of BASELINE_WORDS) if (lower.indexOf(w) >= 0) n++;
  return n;
}

/** FNV-1a, for a fixed pseudo-random order of the corpus. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Texts of the labelled prompt files, in a fixed pseudo-random order; repo docs if absent. */
export function loadCorpus(dataDir: string | undefined, repoRoot: string): string[] {
  const texts: string[] = [];
  const dir = dataDir ? join(dataDir, "prompt_injection") : undefined;
  if (dir && existsSync(dir)) {
    for (const f of [
      "prompts.jsonl",
      "benign_broad.jsonl",
      "indirect_injection_bipia.jsonl",
      "harmful_requests.jsonl",
    ]) {
      const path = join(dir, f);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          const t = (JSON.parse(line) as { text?: unknown }).text;
          if (typeof t === "string" && t.length > 0) texts.push(t);
        } catch {
          // Not this benchmark's business.
        }
      }
    }
  }
  if (texts.length === 0) {
    for (const f of ["README.md", ...safeList(join(repoRoot, "docs")).map((d) => join("docs", d))]) {
      const path = join(repoRoot, f);
      if (existsSync(path) && f.endsWith(".md")) texts.push(...readFileSync(path, "utf8").split(/\n\n+/));
    }
  }
  return texts
    .map((t) => ({ t, h: hash(t) }))
    .sort((a, b) => a.h - b.h)
    .map((x) => x.t);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Prompts of `size` UTF-16 units cut from the corpus run together (texts joined by a blank line). */
export function makePrompts(corpus: readonly string[], count: number, size = 1024): string[] {
  const out: string[] = [];
  let buf = "";
  for (let i = 0; out.length < count && corpus.length > 0; i++) {
    buf += (buf ? "\n\n" : "") + corpus[i % corpus.length];
    while (buf.length >= size && out.length < count) {
      let cut = size;
      // Never split a surrogate pair.
      const c = buf.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
      out.push(buf.slice(0, cut));
      buf = buf.slice(cut).trimStart();
    }
  }
  return out;
}

export function makeDocument(corpus: readonly string[], bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes && corpus.length > 0; i++) {
    const t = corpus[i % corpus.length] as string;
    parts.push(t);
    n += Buffer.byteLength(t) + 2;
  }
  return parts.join("\n\n");
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";

async function call(s: Subject, text: string, context: DetectContext): Promise<void> {
  const r = s.run(text, context);
  if (isThenable(r)) await r;
}

/** Our subjects: the baseline, preparation alone, each detector alone, and all together. */
export function ourSubjects(): { subjects: Subject[]; detectors: string[] } {
  const all = createEngine();
  const subjects: Subject[] = [
    { name: "baseline (toLowerCase + indexOf)", kind: "baseline", run: (t) => baselineScan(t) },
    { name: "prepare (normalise + decode)", kind: "prepare", run: (t) => all.prepare(t) },
  ];
  const detectors = [...all.detectors];
  for (const id of all.detectors) {
    const e: Engine = createEngine({ detectors: [id] });
    subjects.push({
      name: `${id} (incl. prepare)`,
      kind: "detector",
      run: (t, context) => e.scan(t, { context }),
    });
  }
  let runAll: Subject["run"] = (t, context) => all.scan(t, { context });
  if (!all.detectors.includes("injection")) {
    // Not in the registry yet: time it beside the engine, as it will run.
    const inj = createInjectionDetector();
    const e = createEngine({ detectors: [] });
    subjects.push({
      name: "injection (incl. prepare)",
      kind: "detector",
      run: (t, context) => inj.scan(e.prepare(t), { context }),
    });
    runAll = (t, context) => {
      const p = all.prepare(t);
      return [...all.scanPrepared(p, { context }), ...inj.scan(p, { context })];
    };
    detectors.push("injection");
  }
  subjects.push({ name: "all default detectors", kind: "all", run: runAll });
  return { subjects, detectors };
}

export async function runDetectBench(options: DetectBenchOptions = {}): Promise<DetectBenchResult> {
  const log = options.log ?? (() => {});
  const rounds = Math.max(1, options.rounds ?? 3);
  const count = Math.max(10, options.prompts ?? 2000);
  const root = new URL("../..", import.meta.url).pathname;
  const corpus = loadCorpus(options.dataDir, root);
  const prompts = makePrompts(corpus, count);
  const doc = makeDocument(corpus, Math.round((options.docMB ?? 2) * 1e6));
  const docBytes = Buffer.byteLength(doc);
  const loadBefore = loadavg();
  const { subjects: ours, detectors } = ourSubjects();
  const extra = options.extra ?? [];
  const subjects = [...ours, ...extra];

  const samples = new Map<Subject, number[]>();
  const roundMeans = new Map<Subject, number[]>();
  const cpu = new Map<Subject, number[]>();
  const docTimes = new Map<Subject, number[]>();
  const errors = new Map<Subject, string>();
  const docErrors = new Map<Subject, string>();
  const warm = prompts.slice(0, Math.min(200, prompts.length));

  for (let round = 0; round < rounds; round++) {
    log(`detect bench: round ${round + 1}/${rounds}`);
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(k + round) % subjects.length] as Subject;
      if (errors.has(s)) continue;
      try {
        for (const t of warm) await call(s, t, "prompt");
        const times: number[] = samples.get(s) ?? [];
        const c0 = process.cpuUsage();
        let sum = 0;
        for (const t of prompts) {
          const t0 = process.hrtime.bigint();
          await call(s, t, "prompt");
          const dt = Number(process.hrtime.bigint() - t0) / 1e6;
          times.push(dt);
          sum += dt;
        }
        const c = process.cpuUsage(c0);
        samples.set(s, times);
        (roundMeans.get(s) ?? roundMeans.set(s, []).get(s)!).push(sum / prompts.length);
        (cpu.get(s) ?? cpu.set(s, []).get(s)!).push((c.user + c.system) / 1000 / prompts.length);
        if ((s.kind !== "peer" || options.extraOnDoc !== false) && !docErrors.has(s)) {
          // A library that cannot take a long document still has its prompt figures.
          try {
            const t0 = process.hrtime.bigint();
            await call(s, doc, "document");
            (docTimes.get(s) ?? docTimes.set(s, []).get(s)!).push(Number(process.hrtime.bigint() - t0) / 1e9);
          } catch (e) {
            docErrors.set(s, e instanceof Error ? e.message.split("\n")[0]! : String(e));
          }
        }
      } catch (e) {
        errors.set(s, e instanceof Error ? e.message.split("\n")[0]! : String(e));
      }
    }
  }

  const summarise = (s: Subject): SubjectResult => {
    const sorted = Float64Array.from(samples.get(s) ?? []).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    const meanMs = sorted.length ? sum / sorted.length : Number.NaN;
    const rm = roundMeans.get(s) ?? [];
    const cm = cpu.get(s) ?? [];
    const prompt: PromptFigures = {
      n: sorted.length,
      meanMs,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
      bestRoundMeanMs: rm.length ? Math.min(...rm) : Number.NaN,
      cpuMeanMs: cm.length ? cm.reduce((a, b) => a + b, 0) / cm.length : Number.NaN,
      ratio: Number.NaN,
    };
    const dt = [...(docTimes.get(s) ?? [])].sort((a, b) => a - b);
    const result: SubjectResult = { name: s.name, kind: s.kind, prompt };
    if (dt.length) {
      const mid = dt[Math.floor((dt.length - 1) / 2)] as number;
      result.doc = {
        bytes: docBytes,
        medianMBps: docBytes / 1e6 / mid,
        bestMBps: docBytes / 1e6 / (dt[0] as number),
        ratio: Number.NaN,
      };
    }
    const err = errors.get(s) ?? (docErrors.has(s) ? `long document failed: ${docErrors.get(s)}` : undefined);
    if (err) result.error = err;
    return result;
  };
  const results = subjects.map(summarise);
  const b = results[0] as SubjectResult;
  for (const r of results) {
    r.prompt.ratio = r.prompt.meanMs / b.prompt.meanMs;
    if (r.doc && b.doc) r.doc.ratio = b.doc.medianMBps / r.doc.medianMBps;
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    loadBefore,
    loadAfter: loadavg(),
    promptBytesMean: prompts.reduce((a, t) => a + Buffer.byteLength(t), 0) / Math.max(1, prompts.length),
    settings: { prompts: prompts.length, rounds, docBytes },
    detectors,
    subjects: results,
    targets: { ...SPEED_TARGETS },
  };
}

const f = (x: number, d = 3): string =>
  Number.isFinite(x) ? (x < 0.1 && d === 3 ? x.toFixed(4) : x.toFixed(d)) : "–";

/** The result as markdown (used by the standalone run and by `npm run eval`). */
export function renderDetectBench(r: DetectBenchResult): string[] {
  const rows = r.subjects.map((s) => {
    const p = s.prompt;
    return `| ${s.kind === "all" ? `**${s.name}**` : s.name} | ${f(p.meanMs)} | ${f(p.p50Ms)} | ${f(p.p99Ms)} | ${f(p.bestRoundMeanMs)} | ${f(p.cpuMeanMs)} | ${f(p.ratio, 1)}× | ${s.doc ? f(s.doc.medianMBps, 1) : s.error ? "failed" : "–"} | ${s.doc ? f(s.doc.bestMBps, 1) : "–"} | ${s.doc ? `${f(s.doc.ratio, 1)}×` : "–"} |`;
  });
  const all = r.subjects.find((s) => s.kind === "all");
  const mark = (ok: boolean | undefined) =>
    ok === undefined ? "not measured" : ok ? "**met**" : "**missed**";
  return [
    `${r.settings.prompts} prompts of ${Math.round(r.promptBytesMean)} bytes (mean UTF-8 size), ${r.settings.rounds} rounds; ` +
      `long document ${(r.settings.docBytes / 1e6).toFixed(1)} MB (one scan per round, context \`document\`). ` +
      `Load average before ${r.loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${r.loadAfter.map((x) => x.toFixed(2)).join(" ")} (2 cores).`,
    "",
    "| subject | mean ms | p50 ms | p99 ms | best round mean ms | CPU ms / call | × baseline | doc MB/s (median) | doc MB/s (best) | × baseline (doc) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    ...r.subjects.filter((s) => s.error).map((s) => `- ${s.name}: ${s.error}`),
    "",
    all
      ? `All default detectors (${r.detectors.join(", ")}): mean ${f(all.prompt.meanMs)} ms (target ≤ ${r.targets.meanMs}: ${mark(all.prompt.meanMs <= r.targets.meanMs)}), ` +
        `p99 ${f(all.prompt.p99Ms)} ms (target ≤ ${r.targets.p99Ms}: ${mark(all.prompt.p99Ms <= r.targets.p99Ms)}), ` +
        `long document ${all.doc ? f(all.doc.medianMBps, 1) : "–"} MB/s (target ≥ ${r.targets.docMBps}: ${mark(all.doc ? all.doc.medianMBps >= r.targets.docMBps : undefined)}).`
      : "",
  ];
}

function parseArgs(argv: string[]): DetectBenchOptions & { json: boolean } {
  const o: DetectBenchOptions & { json: boolean } = {
    json: false,
    log: (l) => process.stderr.write(`[bench] ${l}\n`),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === "--prompts") o.prompts = num();
    else if (a === "--rounds") o.rounds = num();
    else if (a === "--doc-mb") o.docMB = num();
    else if (a === "--data") o.dataDir = argv[++i];
    else if (a === "--json") o.json = true;
    else
      throw new Error(`unknown option ${a} (options: --prompts N --rounds R --doc-mb M --data DIR --json)`);
  }
  return o;
}

if (isMain(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const root = new URL("../..", import.meta.url).pathname;
    opts.dataDir ??= process.env.PORTCULLIS_DATA ?? join(root, "..", "shared", "data");
    const result = await runDetectBench(opts);
    console.log(opts.json ? JSON.stringify(result, null, 2) : renderDetectBench(result).join("\n"));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  }
}
