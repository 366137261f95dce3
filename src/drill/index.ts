/**
 * `portcullis drill` (docs/drill.md): runs a scripted attack against a running deployment with
 * temporary keys, then checks through the admin API that the expected detections, incidents,
 * automated responses and notifications happened, with how long each took. The keys are revoked
 * at the end whatever happens, and the incidents the drill caused are resolved with a note.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { createdKeySchema, DrillClient, DrillError, keySchema } from "./client.js";
import { evaluate, PhaseView, type DeploymentFacts, type Outcome, type PhaseRun } from "./checks.js";
import { PHASES, type AttackRequest, type Phase } from "./scenario.js";
import { judgeSiem, siemSnapshot, type SiemSnapshot } from "./siem.js";
import type { CheckResult, DrillReport, PhaseReport, StatusTally } from "./types.js";

export { DrillError } from "./client.js";
export { PHASES, PHASE_IDS, type Phase, type Expectation } from "./scenario.js";
export { renderDrillText } from "./report.js";
export type * from "./types.js";

export interface DrillOptions {
  server: string;
  adminKey: string;
  /** The model to attack; default the first chat model the drill key may use. */
  model?: string;
  /** Phases to run (default all), by id. */
  phases?: readonly string[];
  /** Requests of the sized phases, by phase id (extraction, flood). */
  sizes?: Partial<Record<string, number>>;
  /** How long to wait for detections, responses and notifications after the attack, in ms. */
  waitMs?: number;
  /** How often to look again while waiting, in ms. */
  pollMs?: number;
  /** Leave the drill's incidents open (default: resolved with a note). */
  keepIncidents?: boolean;
  seed?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Stops the attack and the waiting (Ctrl-C): the keys are still revoked, then DrillError is thrown. */
  signal?: AbortSignal;
}

const configSchema = z.object({
  config: z
    .object({
      siem: z.object({ exporters: z.array(z.object({ name: z.string() }).loose()) }).loose(),
      analytics: z.object({ enabled: z.boolean() }).loose().optional(),
      limits: z
        .object({ key: z.object({ requestsPerMinute: z.number().nullable().optional() }).loose() })
        .loose()
        .optional(),
      incidents: z
        .object({ enabled: z.boolean(), webhooks: z.record(z.string(), z.unknown()) })
        .loose()
        .optional(),
    })
    .loose(),
});
const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() }).loose()) });

/** What the server shows of its settings; older servers without the route give nothing. */
type Deployment = DeploymentFacts;

async function deploymentFacts(client: DrillClient): Promise<Deployment> {
  const answer = await client.call("GET", "/admin/v1/config");
  if (answer.status === 401 || answer.status === 403)
    throw new DrillError(`the admin key was refused (HTTP ${answer.status}): the drill needs an admin key`);
  if (answer.status !== 200) return {};
  const parsed = configSchema.safeParse(answer.json);
  if (!parsed.success) return {};
  const c = parsed.data.config;
  return {
    exporters: c.siem.exporters.map((e) => e.name),
    ...(c.limits ? { keyRequestsPerMinute: c.limits.key.requestsPerMinute ?? null } : {}),
    ...(c.analytics ? { analytics: c.analytics.enabled } : {}),
    ...(c.incidents ? { incidents: c.incidents.enabled, webhooks: Object.keys(c.incidents.webhooks) } : {}),
  };
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const progress = options.progress ?? (() => {});
  const seed = options.seed ?? randomBytes(4).readUInt32BE(0);
  const runId = `drill-${randomBytes(4).toString("hex")}`;
  const started = Date.now();
  const phases = options.phases?.length ? PHASES.filter((p) => options.phases!.includes(p.id)) : PHASES;
  const unknown = (options.phases ?? []).filter((id) => !PHASES.some((p) => p.id === id));
  if (unknown.length)
    throw new DrillError(
      `unknown phase ${unknown.join(", ")} (phases: ${PHASES.map((p) => p.id).join(", ")})`,
    );

  const client = new DrillClient(options.server, options.adminKey);
  const created: { id: string; key: string }[] = [];
  const runs: PhaseRun[] = [];
  const report: DrillReport = {
    server: client.base.origin,
    run_id: runId,
    started_at: new Date(started).toISOString(),
    duration_ms: 0,
    passed: false,
    phases: [],
    checks: [],
    failed: [],
    cleanup: { keys: [], incidents_resolved: 0, errors: [] },
  };
  try {
    const deployment = await deploymentFacts(client);
    const before = await siemSnapshot(client);
    let model = options.model;

    for (const phase of phases) {
      // A fresh key per phase: incidents and responses are per key, so each is attributable.
      const made = await client.admin("POST", "/admin/v1/keys", createdKeySchema, {
        name: `${runId}-${phase.id}`,
        team: "portcullis-drill",
        role: "user",
        // If clean-up cannot run (the process is killed), the key still dies within the hour.
        expires: "1h",
      });
      created.push({ id: made.id, key: made.key });
      model ??= await pickModel(client, made.key);
      const size = options.sizes?.[phase.id] ?? defaultSize(phase, deployment);
      const requests = phase.requests(seed, size);
      progress(`${phase.id}: ${phase.title}, ${requests.length} requests with key ${made.id} on ${model}`);
      const run: PhaseRun = {
        phase,
        keyId: made.id,
        start: Date.parse(made.created_at),
        sent: 0,
        tally: new Map(),
      };
      runs.push(run);
      await attack(client, made.key, model, phase, requests, run, options.signal);
      if (options.signal?.aborted) throw new DrillError(`interrupted during ${phase.id}`);
      progress(`${phase.id}: sent ${run.sent} (${tallyText(run.tally)})`);
    }

    progress(
      `waiting up to ${Math.round((options.waitMs ?? 60_000) / 1000)} s for detections, responses and notifications`,
    );
    const outcomes = await waitForChecks(client, runs, deployment, before, options);
    report.phases = runs.map((run, i) => phaseReport(run, outcomes.phases[i]!));
    report.checks = outcomes.global;
  } finally {
    await cleanup(client, created, runId, options.keepIncidents ?? false, report, progress).catch(
      (error: unknown) => {
        report.cleanup.errors.push((error as Error).message);
      },
    );
    await client.close();
  }
  const all = [...report.phases.flatMap((p) => p.checks), ...report.checks];
  report.failed = all.filter((c) => c.status === "fail").map((c) => c.id);
  report.passed = report.failed.length === 0 && report.cleanup.errors.length === 0;
  report.duration_ms = Date.now() - started;
  return report;
}

/** Largest flood the drill sends unasked. */
const MAX_FLOOD = 20_000;

/** The flood outruns the per-key request limit when the server shows it, so the limit is tested too. */
function defaultSize(phase: Phase, deployment: Deployment): number {
  const rpm = deployment.keyRequestsPerMinute;
  if (phase.id !== "flood" || typeof rpm !== "number") return phase.size;
  return Math.min(MAX_FLOOD, Math.max(phase.size, Math.ceil(rpm * 1.1)));
}

async function pickModel(client: DrillClient, key: string): Promise<string> {
  const answer = await client.call("GET", "/v1/models", { key });
  const parsed = modelsSchema.safeParse(answer.json);
  if (answer.status !== 200 || !parsed.success) throw new DrillError(`GET /v1/models: HTTP ${answer.status}`);
  const chat = parsed.data.data.find((m) => !/embed/i.test(m.id));
  if (!chat) throw new DrillError("the server offers no chat model: give one with --model");
  return chat.id;
}

async function attack(
  client: DrillClient,
  key: string,
  model: string,
  phase: Phase,
  requests: AttackRequest[],
  run: PhaseRun,
  signal?: AbortSignal,
): Promise<void> {
  await pool(
    requests,
    phase.concurrency,
    async (req) => {
      const answer = await client.call("POST", "/v1/chat/completions", {
        key,
        body: { model, messages: [{ role: "user", content: req.prompt }], max_tokens: 16, ...req.extra },
        timeoutMs: 60_000,
      });
      run.sent++;
      run.tally.set(answer.status, (run.tally.get(answer.status) ?? 0) + 1);
    },
    signal,
  );
}

function tallyText(tally: StatusTally): string {
  return [...tally.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status}`)
    .join(", ");
}

type Judged = { id: string; title: string; outcome: Outcome; kind: string };

/** Polls every pending check until all are settled or the wait is over; the last round is final. */
async function waitForChecks(
  client: DrillClient,
  runs: PhaseRun[],
  deployment: Deployment,
  before: SiemSnapshot,
  options: DrillOptions,
): Promise<{ phases: Judged[][]; global: CheckResult[] }> {
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  const pollMs = options.pollMs ?? 1000;
  const judged: Judged[][] = runs.map((run) =>
    run.phase.expect.map((e) => ({
      id: e.id,
      title: e.title,
      kind: e.kind,
      outcome: { status: "pending", detail: "" },
    })),
  );
  let siem: Outcome = { status: "pending", detail: "" };
  for (;;) {
    const final = Date.now() >= deadline;
    await Promise.all(
      runs.map(async (run, i) => {
        const view = new PhaseView(client, run);
        for (const [j, expectation] of run.phase.expect.entries()) {
          if (judged[i]![j]!.outcome.status !== "pending") continue;
          judged[i]![j]!.outcome = await evaluate(expectation, view, deployment, final);
        }
      }),
    );
    if (siem.status === "pending")
      siem = judgeSiem(before, await siemSnapshot(client), deployment.exporters, final);
    const pending = judged.flat().some((j) => j.outcome.status === "pending") || siem.status === "pending";
    if (!pending) break;
    if (options.signal?.aborted) throw new DrillError("interrupted while waiting for the checks");
    await sleep(Math.max(0, Math.min(pollMs, deadline - Date.now())));
  }
  return {
    phases: judged,
    global: [
      {
        id: "siem.delivered",
        title: "events reached every SIEM exporter",
        status: siem.status === "pass" ? "pass" : "fail",
        detail: siem.detail,
      },
    ],
  };
}

function phaseReport(run: PhaseRun, judged: Judged[]): PhaseReport {
  const checks: CheckResult[] = judged.map((j) => ({
    id: j.id,
    title: j.title,
    status: j.outcome.status === "pass" ? "pass" : "fail",
    detail: j.outcome.detail,
    ...(j.outcome.status === "pass" && j.outcome.at !== undefined
      ? { after_ms: Math.max(0, j.outcome.at - run.start) }
      : {}),
  }));
  const first = (kinds: string[]) => {
    const times = judged
      .map((j, i) => ({ j, c: checks[i]! }))
      .filter(({ j, c }) => kinds.includes(j.kind) && c.after_ms !== undefined)
      .map(({ c }) => c.after_ms!);
    return times.length ? Math.min(...times) : null;
  };
  return {
    id: run.phase.id,
    title: run.phase.title,
    key_id: run.keyId,
    started_at: new Date(run.start).toISOString(),
    requests: {
      sent: run.sent,
      statuses: Object.fromEntries([...run.tally.entries()].map(([s, n]) => [String(s), n])),
    },
    time_to_detect_ms: first(["detection", "blocked"]),
    time_to_respond_ms: first(["response"]),
    time_to_notify_ms: first(["notification"]),
    checks,
  };
}

const incidentsSchema = z.object({ data: z.array(z.object({ id: z.string(), status: z.string() }).loose()) });

/** Revokes every key the drill made (suspended ones too) and resolves the incidents it caused. */
async function cleanup(
  client: DrillClient,
  created: { id: string }[],
  runId: string,
  keepIncidents: boolean,
  report: DrillReport,
  progress: (line: string) => void,
): Promise<void> {
  for (const { id } of created) {
    try {
      const answer = await client.call("POST", `/admin/v1/keys/${encodeURIComponent(id)}/revoke`);
      if (answer.status !== 200) {
        const current = await client.admin("GET", `/admin/v1/keys/${encodeURIComponent(id)}`, keySchema);
        if (current.status !== "revoked") throw new DrillError(`revoke ${id}: HTTP ${answer.status}`);
      }
      const key = await client.admin("GET", `/admin/v1/keys/${encodeURIComponent(id)}`, keySchema);
      report.cleanup.keys.push({ id, status: key.status });
    } catch (error) {
      report.cleanup.errors.push(`key ${id} may still be usable: ${(error as Error).message}`);
      report.cleanup.keys.push({ id, status: "unknown" });
    }
    if (keepIncidents) continue;
    try {
      const page = await client.admin(
        "GET",
        `/admin/v1/incidents?key_id=${encodeURIComponent(id)}`,
        incidentsSchema,
      );
      for (const incident of page.data.filter((i) => i.status !== "resolved")) {
        await client.admin("POST", `/admin/v1/incidents/${incident.id}/resolve`, z.unknown(), {
          note: `portcullis drill ${runId}: caused by the drill's own attack; resolved by the drill`,
        });
        report.cleanup.incidents_resolved++;
      }
    } catch (error) {
      // Incidents off (404) leaves nothing to resolve; anything else is worth saying.
      if (!/HTTP 404/.test((error as Error).message))
        report.cleanup.errors.push(`incidents of ${id}: ${(error as Error).message}`);
    }
  }
  if (created.length > 0)
    progress(
      `cleanup: ${report.cleanup.keys.filter((k) => k.status === "revoked").length} of ${created.length} drill keys revoked, ${report.cleanup.incidents_resolved} incidents resolved`,
    );
}
