import { join } from "node:path";
import { request } from "undici";
import { cpuBetween, cpuSnapshot, type CpuUsage } from "./cpu-usage.js";
import { runLimitsBench } from "./fairness.js";
import { isMain } from "./is-main.js";
import { describeMachine } from "./machine.js";
import { ensureNginx, startNginx } from "./nginx.js";
import { USAGE, parseOptions, type BenchOptions } from "./options.js";
import { paced, summarisePaced, type PacedSamples } from "./paced.js";
import { newApiKey, REPO_ROOT, startPortcullis } from "./portcullis.js";
import { installCleanup, startChild } from "./process-util.js";
import { profileGateway } from "./profile.js";
import { formatMarkdownFile, renderResults, writeBenchmarks } from "./report.js";
import {
  compare,
  type BenchResult,
  type FairnessRun,
  type PathResult,
  type RateCell,
  type Settings,
} from "./results.js";
import { saturate, type SaturationResult } from "./saturation.js";
import {
  ANSWER,
  answerChunks,
  CHAT_PATH,
  chatBody,
  PATH_IDS,
  requestHeaders,
  type PathId,
  type PromptId,
  type Target,
} from "./workload.js";

/**
 * `npm run bench`: (a) direct to a mock provider, (b) through Portcullis without guards, (c)
 * through nginx, (d) through Portcullis with the default guards, all in one run on 127.0.0.1;
 * then the fairness bench of the limits (bench/fairness.ts); then the comparison with the issues'
 * targets and BENCHMARKS.md.
 *
 * The machine is shared (two cores, other work running), so the paths are not measured one after
 * the other: each phase is cut into rounds and the rounds alternate between the paths, in a
 * rotating order, so that a burst of background load hits all of them instead of one.
 */

/** Pause between streamed events from the mock, so the first byte is distinguishable from the rest. */
const MOCK_CHUNK_DELAY_MS = 2;
/** Seconds a fixed-rate slice waits for its last answers before abandoning them (bounds the run). */
const DRAIN_S = 2;
const LABELS: Record<PathId, string> = {
  a: "direct to the mock",
  b: "through Portcullis (no guards)",
  c: "through nginx proxy_pass",
  d: "through Portcullis (default guards on)",
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Path {
  target: Target;
  /** Process group of the proxy, for its CPU time (none for the direct path). */
  group?: number;
  /** Gateway paths: the response header with the gateway's own view of its overhead. */
  header?: string;
  /** Waits until the path is idle again (the gateway writes the events of the last phase). */
  settle(): Promise<void>;
  droppedEvents?(): Promise<number>;
  stop(): Promise<void>;
}

/** One fixed-rate measurement: a prompt variant, streamed or not. */
interface CellSpec {
  prompt: PromptId;
  stream: boolean;
}

/** Everything measured on one path, round by round. */
interface Collected {
  saturation: SaturationResult[];
  proxyCpuMs: number;
  mockCpuMs: number;
  cells: Map<string, { samples: PacedSamples[]; proxyCpuMs: number; sent: number }>;
  othersShare: number[];
  problems: string[];
}

const cellKey = (c: CellSpec) => `${c.prompt}:${c.stream ? "stream" : "json"}`;

/** Runs `work` on every path, `rounds` times, each round starting one path later; settles after each. */
async function alternate(
  paths: Path[],
  rounds: number,
  groups: number[],
  work: (path: Path, round: number) => Promise<void>,
  account: (path: Path, usage: CpuUsage) => void,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(i + round) % paths.length]!;
      const before = cpuSnapshot(groups);
      await work(path, round);
      const after = cpuSnapshot(groups);
      if (before && after) account(path, cpuBetween(before, after));
      // The next path starts only once this one is idle again.
      await path.settle();
    }
  }
}

async function startPaths(
  options: BenchOptions,
  mockOrigin: string,
  unmeasured: PathResult[],
): Promise<{ paths: Path[]; nginxVersion: string }> {
  const placeholderKey = newApiKey(); // same size as a real key: every path gets the same bytes
  const nginx = options.paths.includes("c") ? await ensureNginx(log) : undefined;
  const paths: Path[] = [];
  try {
    for (const id of options.paths) {
      const label = LABELS[id];
      if (id === "a") {
        const target = { id, label, origin: mockOrigin, headers: requestHeaders(placeholderKey) };
        paths.push({ target, settle: () => sleep(300), stop: async () => {} });
      } else if (id === "b" || id === "d") {
        const gateway = await startPortcullis(mockOrigin, { guards: id === "d" });
        const target = { id, label, origin: gateway.origin, headers: requestHeaders(gateway.apiKey) };
        log(
          `(${id}) portcullis ${id === "d" ? "with the default guards " : "without guards "}on ${gateway.origin}`,
        );
        paths.push({
          target,
          group: gateway.pid,
          header: "x-portcullis-overhead-ms",
          settle: () => gateway.settle(),
          droppedEvents: () => gateway.droppedEvents(),
          stop: () => gateway.stop(),
        });
      } else if (nginx && "path" in nginx) {
        const proxy = await startNginx(nginx.path, Number(new URL(mockOrigin).port), options.nginxWorkers);
        const target = { id, label, origin: proxy.origin, headers: requestHeaders(placeholderKey) };
        log(`(c) ${nginx.version} on ${proxy.origin}`);
        paths.push({ target, group: proxy.pid, settle: () => sleep(300), stop: () => proxy.stop() });
      } else {
        const reason = nginx && "missing" in nginx ? nginx.missing : "nginx unavailable";
        log(`(c) not measured: ${reason}`);
        unmeasured.push({ id, label, measured: false, reason });
      }
    }
  } catch (error) {
    await Promise.all(paths.map((p) => p.stop()));
    throw error;
  }
  return { paths, nginxVersion: nginx && "version" in nginx ? nginx.version : "nginx not measured" };
}

/** The text of an answer, streamed (SSE deltas) or not. */
function answerText(body: string, stream: boolean): string {
  if (!stream) {
    const json = JSON.parse(body) as { choices?: { message?: { content?: string } }[] };
    return json.choices?.[0]?.message?.content ?? "";
  }
  let text = "";
  for (const line of body.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    const event = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
    text += event.choices?.[0]?.delta?.content ?? "";
  }
  return text;
}

/**
 * Before anything is timed: one request of each kind on each path must come back 200 with the
 * mock's answer intact. A path that blocks or rewrites the benign workload would be measuring
 * something else (an early refusal is faster than an answer), so it is reported.
 */
async function probe(path: Path, cells: CellSpec[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { prompt, stream } of cells) {
    const what = `${prompt}${stream ? " streamed" : ""}`;
    try {
      const response = await request(path.target.origin + CHAT_PATH, {
        method: "POST",
        headers: path.target.headers,
        body: chatBody(prompt, stream, 999_999),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const body = await response.body.text();
      if (response.statusCode !== 200) {
        problems.push(`${what}: HTTP ${response.statusCode} ${body.slice(0, 200)}`);
      } else if (answerText(body, stream) !== ANSWER) {
        problems.push(`${what}: the answer arrived altered`);
      }
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  }
  for (const problem of problems) log(`(${path.target.id}) probe: ${problem}`);
  return problems;
}

async function measureAll(paths: Path[], mockGroup: number, options: BenchOptions): Promise<PathResult[]> {
  const groups = [mockGroup, ...paths.flatMap((p) => (p.group ? [p.group] : []))];
  const cells: CellSpec[] = [
    ...(options.phases.includes("fixed") ? options.prompts.map((prompt) => ({ prompt, stream: false })) : []),
    // Streams of the two sizes; the email variant is about the prompt, not the stream.
    ...(options.phases.includes("stream")
      ? options.prompts.filter((p) => p !== "email").map((prompt) => ({ prompt, stream: true }))
      : []),
  ];
  const collected = new Map<PathId, Collected>(
    paths.map((p) => [
      p.target.id,
      { saturation: [], proxyCpuMs: 0, mockCpuMs: 0, cells: new Map(), othersShare: [], problems: [] },
    ]),
  );
  const of = (path: Path) => collected.get(path.target.id)!;
  const noteOthers = (path: Path, usage: CpuUsage) => of(path).othersShare.push(usage.othersShare);
  const { rounds, rate } = options;
  const sliceS = Math.round((options.durationS / rounds) * 10) / 10;
  const saturationPrompt: PromptId = options.prompts.includes("1k") ? "1k" : options.prompts[0]!;

  for (const path of paths) {
    log(`(${path.target.id}) warm-up ${options.warmupS} s at saturation`);
    await saturate(path.target, options.warmupS, options.connections, saturationPrompt, 5_000_000);
    const probeCells = [
      ...new Map(
        [...cells, { prompt: saturationPrompt, stream: false }].map((c) => [cellKey(c), c]),
      ).values(),
    ];
    of(path).problems.push(...(await probe(path, probeCells)));
    await path.settle();
  }

  if (options.phases.includes("saturation")) {
    log(`saturation: ${options.connections} connections, ${rounds} rounds of ${sliceS} s per path`);
    await alternate(
      paths,
      rounds,
      groups,
      async (path, round) =>
        void of(path).saturation.push(
          await saturate(path.target, sliceS, options.connections, saturationPrompt, round * 1_000_000),
        ),
      (path, usage) => {
        noteOthers(path, usage);
        of(path).mockCpuMs += usage.groupMs.get(mockGroup) ?? 0;
        if (path.group) of(path).proxyCpuMs += usage.groupMs.get(path.group) ?? 0;
      },
    );
  }

  for (const spec of cells) {
    const key = cellKey(spec);
    const targetCell = spec.prompt === "1k" && !spec.stream;
    const cellSliceS = targetCell ? sliceS : Math.round((options.otherDurationS / rounds) * 10) / 10;
    log(`fixed rate, ${key}: ${rate} req/s open loop, ${rounds} rounds of ${cellSliceS} s per path`);
    await alternate(
      paths,
      rounds,
      groups,
      async (path, round) => {
        const samples = await paced(path.target, {
          rate,
          durationS: cellSliceS,
          prompt: spec.prompt,
          stream: spec.stream,
          // Round r sends every path the same prompts.
          firstRequest: round * 100_000,
          drainS: DRAIN_S,
          ...(path.header ? { header: path.header } : {}),
        });
        const c = of(path).cells.get(key) ?? { samples: [], proxyCpuMs: 0, sent: 0 };
        c.samples.push(samples);
        c.sent += samples.sent;
        of(path).cells.set(key, c);
        if (samples.timedOut > 0)
          log(`(${path.target.id}) ${samples.timedOut} requests unanswered after the drain`);
      },
      (path, usage) => {
        noteOthers(path, usage);
        const c = of(path).cells.get(key);
        if (c && path.group) c.proxyCpuMs += usage.groupMs.get(path.group) ?? 0;
      },
    );
  }

  const results: PathResult[] = [];
  for (const path of paths) {
    const c = of(path);
    const requests = c.saturation.reduce((sum, r) => sum + r.requests, 0);
    const seconds = c.saturation.reduce((sum, r) => sum + r.durationS, 0);
    const dropped = path.droppedEvents ? await path.droppedEvents() : undefined;
    const cpuKnown = c.othersShare.length > 0;
    const rates: RateCell[] = cells.flatMap((spec) => {
      const got = c.cells.get(cellKey(spec));
      if (!got) return [];
      const result = summarisePaced(rate, got.samples);
      // Per request sent; meaningless when requests were abandoned (the proxy had not served them).
      if (cpuKnown && path.group && got.sent > 0 && result.timedOut === 0)
        result.proxyCpuMsPerRequest = got.proxyCpuMs / got.sent;
      return [{ prompt: spec.prompt, stream: spec.stream, result }];
    });
    results.push({
      id: path.target.id,
      label: path.target.label,
      measured: true,
      ...(c.saturation.length > 0
        ? {
            saturation: {
              rps: requests / seconds,
              rounds: c.saturation,
              ...(cpuKnown && path.group ? { proxyCpuMsPerRequest: c.proxyCpuMs / requests } : {}),
              ...(cpuKnown ? { mockCpuMsPerRequest: c.mockCpuMs / requests } : {}),
            },
          }
        : {}),
      rates,
      ...(cpuKnown ? { othersShare: c.othersShare.reduce((x, y) => x + y, 0) / c.othersShare.length } : {}),
      ...(dropped !== undefined ? { droppedEvents: dropped } : {}),
      ...(c.problems.length > 0 ? { problems: c.problems } : {}),
    });
  }
  return results;
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  installCleanup();
  const startedAt = Date.now();

  const results: PathResult[] = [];
  const profiles: NonNullable<BenchResult["profiles"]> = [];
  let nginxVersion = "nginx not measured";
  if (options.measurePaths) {
    const mock = await startChild(
      process.execPath,
      [join(REPO_ROOT, "dist", "bench", "mock-upstream.js"), "--chunk-delay-ms", String(MOCK_CHUNK_DELAY_MS)],
      /mock upstream listening on (http:\/\/\S+)/,
      { name: "mock upstream" },
    );
    log(`mock upstream on ${mock.ready}`);
    try {
      const started = await startPaths(options, mock.ready, results);
      const paths = started.paths;
      nginxVersion = started.nginxVersion;
      try {
        results.push(...(await measureAll(paths, mock.child.pid!, options)));
      } finally {
        await Promise.all(paths.map((p) => p.stop()));
      }
      if (options.profile) {
        for (const id of options.paths.filter((p) => p === "b" || p === "d")) {
          const run = await profileGateway(mock.ready, {
            durationS: options.durationS,
            warmupS: options.warmupS,
            connections: options.connections,
            guards: id === "d",
            log,
          });
          profiles.push({ id, label: LABELS[id], run });
        }
      }
    } finally {
      await mock.stop();
    }
    results.sort((x, y) => PATH_IDS.indexOf(x.id) - PATH_IDS.indexOf(y.id));
  }

  let fairness: FairnessRun | undefined;
  if (options.fairness) {
    log(
      `fairness (bench/fairness.ts): ${options.fairnessRounds} rounds of ${options.fairnessSeconds} s phases` +
        (options.redisUrl ? ", Redis store" : ", memory store"),
    );
    const run = await runLimitsBench({
      seconds: options.fairnessSeconds,
      rounds: options.fairnessRounds,
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    });
    fairness = {
      ...run,
      redis: options.redisUrl !== undefined,
      seconds: options.fairnessSeconds,
      rounds: options.fairnessRounds,
    };
  }

  const settings: Settings = {
    durationS: options.durationS,
    otherDurationS: options.otherDurationS,
    rounds: options.rounds,
    warmupS: options.warmupS,
    connections: options.connections,
    rate: options.rate,
    nginxWorkers: options.nginxWorkers,
    mockChunkDelayMs: MOCK_CHUNK_DELAY_MS,
    mockStreamEvents: answerChunks().length,
    answerChars: ANSWER.length,
    saturationPrompt: options.prompts.includes("1k") ? "1k" : (options.prompts[0] ?? "1k"),
  };
  const machine = await describeMachine(nginxVersion);
  const result: BenchResult = {
    machine,
    settings,
    paths: results,
    comparison: compare(results, options.rate),
    ...(profiles.length > 0 ? { profiles } : {}),
    ...(fairness ? { fairness } : {}),
  };
  const markdown = renderResults(result);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`\n${markdown}\n`);
  log(`done in ${Math.round((Date.now() - startedAt) / 1000)} s`);
  if (options.write) {
    const file = join(REPO_ROOT, "BENCHMARKS.md");
    writeBenchmarks(file, markdown);
    await formatMarkdownFile(file);
    log(`results written to ${file}`);
  }
}

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
