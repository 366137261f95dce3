/**
 * `portcullis replay TRACE.jsonl [--format json] [--no-guards] [--config FILE] [--stats]` (issue 7):
 * runs the behaviour analytics over a recorded trace without a server. One request per line,
 * sorted by time:
 *
 *   {"ts": ISO-8601, "key": str, "ip": str, "model": str, "endpoint": str,
 *    "messages": [{"role", "content"}], "max_tokens": int|null, "logprobs": bool,
 *    "top_logprobs": int|null, "temperature": number}
 *
 * plus, when present, `team` and `user_agent` (other extra fields are ignored). Each line becomes
 * the request event the gateway would have published: the same request features
 * (src/gateway/features.ts), and — unless `--no-guards` — the findings and decision of the
 * configured (or shipped default) policies on the last user turn. The output with `--format json`
 * is one object per identity:
 *
 *   [{"key", "flagged": bool, "category": str|null, "score": number,
 *     "first_flagged_at": ISO-8601|null, "reasons": [...]}]
 *
 * `score` is the highest the identity reached, `category` and `reasons` are those of that moment
 * (null and [] when it was never flagged). The file is streamed; memory is bounded by the
 * analytics tables, not by the trace. Exit code: 0 nobody flagged, 1 someone flagged, 2 unusable
 * arguments or input.
 */
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { AnalyticsEngine, type AnalyticsOptions, type Category } from "../../../analytics/index.js";
import { PolicyTools } from "../../../app/policy-tools.js";
import { ConfigError, loadConfigFile } from "../../../config/index.js";
import type { EventFinding, SecurityEvent } from "../../../events/index.js";
import { requestFeatures } from "../../../gateway/features.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../errors.js";

export interface ReplayOptions {
  trace: string;
  format?: "text" | "json";
  /** Run the guards on each prompt (default true). Without them, no findings reach the analytics. */
  guards?: boolean;
  /** A configuration file: its `analytics` section and its policies. */
  config?: string;
  /** Print events, identities, time and peak memory to standard error. */
  stats?: boolean;
  stdout?: Writable;
  stderr?: Writable;
}

export interface ReplayResult {
  key: string;
  flagged: boolean;
  category: Category | null;
  score: number;
  first_flagged_at: string | null;
  reasons: string[];
}

interface Summary {
  best: number;
  category: Category | null;
  reasons: string[];
  firstFlagged: number | null;
}

/** The gateway scans whole prompts; replay scans the first 16 KB of each, which keeps huge traces tractable. */
const MAX_SCAN_CHARS = 16_384;
const CACHE_SIZE = 4096;

interface GuardResult {
  findings: EventFinding[];
  action: "allow" | "redact" | "block";
}

/** The guards as the gateway runs them on a prompt, with a small cache for repeated prompts. */
function guardRunner(
  tools: PolicyTools,
): (key: string, team: string, model: string, text: string) => GuardResult {
  const cache = new Map<string, GuardResult>();
  const none: GuardResult = { findings: [], action: "allow" };
  return (key, team, model, text) => {
    if (!text) return none;
    const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
    const hit = cache.get(scanned);
    if (hit) return hit;
    const explained = tools.explain(scanned, { keyId: key, team, model }, "prompt");
    const result: GuardResult = {
      action: explained.decision.action,
      findings: explained.findings.map((f) => ({
        detector: f.detector,
        kind: f.kind,
        category: f.category,
        severity: "medium",
        score: f.score,
        direction: "prompt",
        action: f.monitor ? `monitor:${f.action}` : f.action,
      })),
    };
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(scanned, result);
    return result;
  };
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content))
      return (m.content as { text?: unknown }[])
        .map((p) => (typeof p?.text === "string" ? p.text : ""))
        .filter(Boolean)
        .join("\n");
    return "";
  }
  return "";
}

const ACTIVITY: Record<string, string> = {
  "/v1/chat/completions": "chat.completions",
  "/v1/completions": "completions",
  "/v1/embeddings": "embeddings",
  "/v1/messages": "messages",
};

/** Runs a trace through the analytics; the per-identity results, in order of first appearance. */
export async function replayTrace(
  options: Pick<ReplayOptions, "trace" | "guards" | "config"> & { analytics?: Partial<AnalyticsOptions> },
  onBadLine?: (line: number, why: string) => void,
): Promise<{ results: ReplayResult[]; events: number; identities: number; skipped: number }> {
  let analytics: Partial<AnalyticsOptions> = options.analytics ?? {};
  let tools: PolicyTools | undefined;
  if (options.config) {
    const config = loadConfigFile(options.config).config;
    const a = config.analytics;
    analytics = {
      threshold: a.threshold,
      cooldownMs: a.cooldownMinutes * 60_000,
      maxIdentities: a.maxIdentities,
      maxTeams: a.maxTeams,
      maximal: a.maximal,
      expected: a.expected,
      ...analytics,
    };
    if (options.guards !== false) tools = PolicyTools.fromConfig(config);
  } else if (options.guards !== false) {
    tools = PolicyTools.fromDir("\0none");
  }
  const guard = tools ? guardRunner(tools) : undefined;
  // Replay keeps every identity of the trace (it reports each one).
  const engine = new AnalyticsEngine({
    ...analytics,
    maxIdentities: Math.max(analytics.maxIdentities ?? 0, 1_000_000),
  });
  const threshold = engine.options.threshold;
  const summaries = new Map<string, Summary>();
  let events = 0;
  let skipped = 0;
  let lineNo = 0;
  const input = createInterface({ input: createReadStream(options.trace), crlfDelay: Infinity });
  for await (const raw of input) {
    lineNo++;
    if (!raw.trim()) continue;
    let record: Record<string, unknown>;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      record = parsed as Record<string, unknown>;
    } catch {
      skipped++;
      onBadLine?.(lineNo, "not a JSON object");
      continue;
    }
    const time = typeof record.ts === "string" ? Date.parse(record.ts) : NaN;
    const key = record.key;
    if (!Number.isFinite(time) || typeof key !== "string" || key === "") {
      skipped++;
      onBadLine?.(lineNo, "needs a string key and an ISO-8601 ts");
      continue;
    }
    const team = typeof record.team === "string" ? record.team : "default";
    const model = typeof record.model === "string" ? record.model : "unknown";
    const ip = typeof record.ip === "string" ? record.ip : undefined;
    const ua = typeof record.user_agent === "string" ? record.user_agent : undefined;
    const endpoint = typeof record.endpoint === "string" ? record.endpoint : "/v1/chat/completions";
    const checked = guard ? guard(key, team, model, lastUserText(record.messages)) : undefined;
    const event: SecurityEvent = {
      id: `replay-${lineNo}`,
      time,
      class: "api_activity",
      activity: ACTIVITY[endpoint] ?? endpoint,
      severity: "info",
      actor: { key_id: key, team },
      src_endpoint: { ...(ip ? { ip } : {}), ...(ua ? { user_agent: ua } : {}) },
      model,
      decision: { action: checked?.action ?? "allow", monitor_only: false, reasons: [] },
      findings: checked?.findings ?? [],
      request_features: requestFeatures(record, record.stream === true),
    };
    events++;
    const a = engine.observe(event)!;
    let s = summaries.get(key);
    if (!s) {
      s = { best: 0, category: null, reasons: [], firstFlagged: null };
      summaries.set(key, s);
    }
    if (a.score > s.best) {
      s.best = a.score;
      if (a.score >= threshold) {
        s.category = a.category;
        s.reasons = a.reasons();
        s.firstFlagged ??= time;
      }
    }
  }
  const results: ReplayResult[] = [];
  for (const [key, s] of summaries) {
    const flagged = s.firstFlagged !== null;
    results.push({
      key,
      flagged,
      category: flagged ? s.category : null,
      score: Math.round(s.best * 1000) / 1000,
      first_flagged_at: flagged ? new Date(s.firstFlagged!).toISOString() : null,
      reasons: flagged ? s.reasons : [],
    });
  }
  return { results, events, identities: summaries.size, skipped };
}

export async function replay(opts: ReplayOptions): Promise<number> {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  try {
    await access(opts.trace);
  } catch {
    throw new CliError(`cannot read ${opts.trace}`, EXIT_USAGE);
  }
  const started = performance.now();
  let reported = 0;
  let run: Awaited<ReturnType<typeof replayTrace>>;
  try {
    run = await replayTrace(opts, (line, why) => {
      if (reported++ < 10) err.write(`portcullis replay: line ${line} skipped: ${why}\n`);
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
  if (run.skipped > 10) err.write(`portcullis replay: ${run.skipped} lines skipped in all\n`);
  if (opts.stats) {
    const seconds = (performance.now() - started) / 1000;
    const rss = process.resourceUsage().maxRSS / 1024;
    err.write(
      `${JSON.stringify({ events: run.events, identities: run.identities, skipped: run.skipped, seconds: Math.round(seconds * 10) / 10, maxRssMB: Math.round(rss), heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) })}\n`,
    );
  }
  if (opts.format === "json") {
    out.write(`${JSON.stringify(run.results, null, 2)}\n`);
  } else {
    const flagged = run.results.filter((r) => r.flagged).sort((a, b) => b.score - a.score);
    out.write(`${run.events} requests, ${run.identities} identities, ${flagged.length} flagged\n`);
    for (const r of flagged) {
      out.write(
        `\n${r.key}  ${r.category}  score ${r.score.toFixed(2)}  first flagged ${r.first_flagged_at}\n`,
      );
      for (const reason of r.reasons) out.write(`  - ${reason}\n`);
    }
  }
  return run.results.some((r) => r.flagged) ? EXIT_FINDINGS : EXIT_OK;
}
