import { join } from "node:path";
import { cpuBetween, cpuSnapshot, type CpuUsage } from "./cpu-usage.js";
import { isMain } from "./is-main.js";
import { describeMachine } from "./machine.js";
import { ensureNginx, startNginx } from "./nginx.js";
import { USAGE, parseOptions, type BenchOptions } from "./options.js";
import { paced, summarisePaced, type PacedSamples } from "./paced.js";
import { newApiKey, REPO_ROOT, startPortcullis } from "./portcullis.js";
import { installCleanup, startChild } from "./process-util.js";
import { profileGateway } from "./profile.js";
import { renderResults, writeBenchmarks } from "./report.js";
import { compare, type BenchResult, type PathResult, type Settings } from "./results.js";
import { saturate, type SaturationResult } from "./saturation.js";
import { summariseTtfb, timeToFirstByte, type TtfbSamples } from "./ttfb.js";
import { BODY_BYTES, requestHeaders, type Target } from "./workload.js";

/**
 * `npm run bench`: (a) direct to a mock provider, (b) through Portcullis, (c) through nginx, all in
 * one run on 127.0.0.1, then the comparison with the targets and BENCHMARKS.md.
 *
 * The machine is shared (two cores, other work running), so the paths are not measured one after
 * the other: each phase is cut into rounds and the rounds alternate between the paths, in a
 * rotating order, so that a burst of background load hits all three instead of one.
 */

/** Pause between streamed events from the mock, so the first byte is distinguishable from the rest. */
const MOCK_CHUNK_DELAY_MS = 2;
const TTFB_CONCURRENCY = 4;
const ORDER: Target["id"][] = ["a", "b", "c"];
const LABELS: Record<Target["id"], string> = {
  a: "direct to the mock",
  b: "through Portcullis (no guards)",
  c: "through nginx proxy_pass",
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Path {
  target: Target;
  /** Process group of the proxy, for its CPU time (none for the direct path). */
  group?: number;
  /** Waits until the path is idle again (the gateway writes the events of the last phase). */
  settle(): Promise<void>;
  droppedEvents?(): Promise<number>;
  stop(): Promise<void>;
}

/** Everything measured on one path, round by round. */
interface Collected {
  saturation: SaturationResult[];
  proxyCpuMs: number;
  mockCpuMs: number;
  paced: PacedSamples[];
  ttfb: TtfbSamples[];
  othersShare: number[];
}

/** Runs `work` on every path, `rounds` times, each round starting one path later. */
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
      await path.settle();
      const before = cpuSnapshot(groups);
      await work(path, round);
      const after = cpuSnapshot(groups);
      if (before && after) account(path, cpuBetween(before, after));
    }
  }
}

async function startPaths(
  options: BenchOptions,
  mockOrigin: string,
  unmeasured: PathResult[],
): Promise<{ paths: Path[]; nginxVersion: string }> {
  const placeholderKey = newApiKey(); // same size as a real key: every path gets the same bytes
  const nginx = options.only.includes("c") ? await ensureNginx(log) : undefined;
  const paths: Path[] = [];
  try {
    for (const id of ORDER.filter((p) => options.only.includes(p))) {
      const label = LABELS[id];
      if (id === "a") {
        const target = { id, label, origin: mockOrigin, headers: requestHeaders(placeholderKey) };
        paths.push({ target, settle: () => sleep(300), stop: async () => {} });
      } else if (id === "b") {
        const gateway = await startPortcullis(mockOrigin);
        const target = { id, label, origin: gateway.origin, headers: requestHeaders(gateway.apiKey) };
        log(`(b) portcullis on ${gateway.origin}`);
        paths.push({
          target,
          group: gateway.pid,
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

async function measureAll(paths: Path[], mockGroup: number, options: BenchOptions): Promise<PathResult[]> {
  const groups = [mockGroup, ...paths.flatMap((p) => (p.group ? [p.group] : []))];
  const collected = new Map<Target["id"], Collected>(
    paths.map((p) => [
      p.target.id,
      { saturation: [], proxyCpuMs: 0, mockCpuMs: 0, paced: [], ttfb: [], othersShare: [] },
    ]),
  );
  const of = (path: Path) => collected.get(path.target.id)!;
  const noteOthers = (path: Path, usage: CpuUsage) => of(path).othersShare.push(usage.othersShare);
  const { rounds } = options;
  const sliceS = Math.round((options.durationS / rounds) * 10) / 10;

  for (const path of paths) {
    log(`(${path.target.id}) warm-up ${options.warmupS} s at saturation`);
    await saturate(path.target, options.warmupS, options.connections);
  }

  log(`saturation: ${options.connections} connections, ${rounds} rounds of ${sliceS} s per path`);
  await alternate(
    paths,
    rounds,
    groups,
    async (path) => void of(path).saturation.push(await saturate(path.target, sliceS, options.connections)),
    (path, usage) => {
      noteOthers(path, usage);
      of(path).mockCpuMs += usage.groupMs.get(mockGroup) ?? 0;
      if (path.group) of(path).proxyCpuMs += usage.groupMs.get(path.group) ?? 0;
    },
  );

  log(`fixed rate: ${options.rate} req/s open loop, ${rounds} rounds of ${sliceS} s per path`);
  await alternate(
    paths,
    rounds,
    groups,
    async (path) => {
      const header = path.target.id === "b" ? { header: "x-portcullis-overhead-ms" } : {};
      of(path).paced.push(await paced(path.target, { rate: options.rate, durationS: sliceS, ...header }));
    },
    noteOthers,
  );

  const perRound = Math.ceil(options.ttfbSamples / rounds);
  log(`streaming time to first byte: ${rounds} rounds of ${perRound} requests per path`);
  await alternate(
    paths,
    rounds,
    groups,
    async (path) =>
      void of(path).ttfb.push(
        await timeToFirstByte(path.target, { samples: perRound, concurrency: TTFB_CONCURRENCY }),
      ),
    noteOthers,
  );

  const results: PathResult[] = [];
  for (const path of paths) {
    const c = of(path);
    const requests = c.saturation.reduce((sum, r) => sum + r.requests, 0);
    const seconds = c.saturation.reduce((sum, r) => sum + r.durationS, 0);
    const dropped = path.droppedEvents ? await path.droppedEvents() : undefined;
    const measured = c.othersShare.length > 0;
    results.push({
      id: path.target.id,
      label: path.target.label,
      measured: true,
      saturation: {
        rps: requests / seconds,
        rounds: c.saturation,
        ...(measured && path.group ? { proxyCpuMsPerRequest: c.proxyCpuMs / requests } : {}),
        ...(measured ? { mockCpuMsPerRequest: c.mockCpuMs / requests } : {}),
      },
      fixedRate: summarisePaced(options.rate, c.paced),
      ttfb: summariseTtfb(c.ttfb),
      ...(measured ? { othersShare: c.othersShare.reduce((x, y) => x + y, 0) / c.othersShare.length } : {}),
      ...(dropped !== undefined ? { droppedEvents: dropped } : {}),
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

  const mock = await startChild(
    process.execPath,
    [join(REPO_ROOT, "dist", "bench", "mock-upstream.js"), "--chunk-delay-ms", String(MOCK_CHUNK_DELAY_MS)],
    /mock upstream listening on (http:\/\/\S+)/,
    { name: "mock upstream" },
  );
  log(`mock upstream on ${mock.ready}`);
  const results: PathResult[] = [];
  let profile: BenchResult["profile"];
  let nginxVersion = "nginx not measured";
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
      profile = await profileGateway(mock.ready, {
        durationS: options.durationS,
        warmupS: options.warmupS,
        connections: options.connections,
        log,
      });
    }
  } finally {
    await mock.stop();
  }
  results.sort((x, y) => x.id.localeCompare(y.id));

  const settings: Settings = {
    durationS: options.durationS,
    rounds: options.rounds,
    warmupS: options.warmupS,
    connections: options.connections,
    rate: options.rate,
    ttfbSamples: options.ttfbSamples,
    ttfbConcurrency: TTFB_CONCURRENCY,
    nginxWorkers: options.nginxWorkers,
    mockChunkDelayMs: MOCK_CHUNK_DELAY_MS,
    bodyBytes: BODY_BYTES,
  };
  const machine = await describeMachine(nginxVersion);
  const result: BenchResult = {
    machine,
    settings,
    paths: results,
    comparison: compare(results),
    ...(profile ? { profile } : {}),
  };
  const markdown = renderResults(result);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`\n${markdown}\n`);
  if (options.write) {
    const file = join(REPO_ROOT, "BENCHMARKS.md");
    writeBenchmarks(file, markdown);
    log(`results written to ${file}`);
  }
}

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
