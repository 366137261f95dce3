/**
 * `portcullis redteam run` (issue 8; docs/redteam.md): parses options, reads keys from the
 * environment (never from argv), runs the assessment and writes the reports. Exit codes: 0 no
 * attack at or above --fail-on succeeded, 1 at least one did, 2 unusable arguments, suites or
 * target (the target did not answer a harmless request).
 */
import { readFileSync } from "node:fs";
import {
  createProgressBar,
  packageVersion,
  RedteamError,
  render,
  runAssessment,
  SEVERITIES,
  SEVERITY_RANK,
  writeReports,
  type ReportFormat,
  type Severity,
  type TargetSpec,
} from "../../../redteam/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface RedteamRunOptions {
  target?: string;
  model?: string;
  targetType?: "auto" | "openai" | "anthropic" | "http";
  requestTemplate?: string;
  suite?: string[];
  transforms?: string;
  format?: ReportFormat;
  out?: string;
  apiKeyEnv?: string;
  /** false with --no-system-prompt; a file path with --system-prompt FILE. */
  systemPrompt?: string | boolean;
  canary?: string;
  documentVia?: "tool" | "inline";
  concurrency?: string | number;
  rate?: string | number;
  timeout?: string | number;
  resume?: boolean;
  compareDirect?: string;
  compareModel?: string;
  compareApiKeyEnv?: string;
  compareTargetType?: "auto" | "openai" | "anthropic";
  judgeUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  failOn?: Severity;
  /** For tests: where the environment, stdout and stderr are. */
  env?: NodeJS.ProcessEnv;
  stdout?: { write(s: string): unknown };
  stderr?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

function positive(value: string | number | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new CliError(`--${name} must be a positive ${integer ? "integer" : "number"} (got "${value}")`);
  return n;
}

function typeOf(url: string, given: string | undefined): "openai" | "anthropic" {
  if (given === "openai" || given === "anthropic") return given;
  try {
    return new URL(url).pathname.replace(/\/+$/, "").endsWith("/messages") ? "anthropic" : "openai";
  } catch {
    throw new CliError(`not a URL: ${url}`);
  }
}

function chatSpec(
  url: string,
  model: string | undefined,
  type: "openai" | "anthropic",
  keyEnv: string,
  env: NodeJS.ProcessEnv,
  documentVia: "tool" | "inline" | undefined,
  warn: (s: string) => void,
): TargetSpec {
  if (!model) throw new CliError(`--model is required for an ${type} target`);
  try {
    new URL(url);
  } catch {
    throw new CliError(`not a URL: ${url}`);
  }
  const apiKey = env[keyEnv];
  if (!apiKey) warn(`portcullis: no key in $${keyEnv}; sending requests without one\n`);
  return { type, url, model, ...(apiKey ? { apiKey } : {}), ...(documentVia ? { documentVia } : {}) };
}

/** Most requests in flight a run allows: more only hammers the target (the runner caps it too). */
const MAX_CONCURRENCY = 64;

export async function redteamRun(opts: RedteamRunOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const warn = (s: string) => void stderr.write(s);
  // A key pasted where a variable name belongs must not be echoed back ("no key in $sk-…").
  for (const [flag, name] of [
    ["--api-key-env", opts.apiKeyEnv],
    ["--compare-api-key-env", opts.compareApiKeyEnv],
    ["--judge-api-key-env", opts.judgeApiKeyEnv],
  ] as const) {
    if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
      throw new CliError(`${flag} takes a variable name, not a key`);
  }
  const keyEnv = opts.apiKeyEnv ?? "OPENAI_API_KEY";

  let target: TargetSpec;
  if (opts.requestTemplate || opts.targetType === "http") {
    if (!opts.requestTemplate) throw new CliError("--target-type http needs --request-template FILE");
    target = { type: "http", templateFile: opts.requestTemplate };
  } else {
    if (!opts.target) throw new CliError("--target URL is required (or --request-template FILE)");
    const type = typeOf(opts.target, opts.targetType);
    target = chatSpec(opts.target, opts.model, type, keyEnv, env, opts.documentVia, warn);
  }
  let direct: TargetSpec | undefined;
  if (opts.compareDirect) {
    if (target.type === "http")
      throw new CliError("--compare-direct works with model targets, not request templates");
    direct = chatSpec(
      opts.compareDirect,
      opts.compareModel ?? opts.model,
      typeOf(opts.compareDirect, opts.compareTargetType ?? target.type),
      opts.compareApiKeyEnv ?? keyEnv,
      env,
      opts.documentVia,
      warn,
    );
  }

  let systemPrompt: string | null | undefined;
  if (opts.systemPrompt === false) systemPrompt = null;
  else if (typeof opts.systemPrompt === "string") {
    try {
      systemPrompt = readFileSync(opts.systemPrompt, "utf8");
    } catch (error) {
      throw new CliError(
        `cannot read --system-prompt ${opts.systemPrompt}: ${(error as NodeJS.ErrnoException).code}`,
      );
    }
  }
  if ((opts.judgeUrl === undefined) !== (opts.judgeModel === undefined))
    throw new CliError("the LLM judge needs both --judge-url and --judge-model");
  const judgeKey = opts.judgeApiKeyEnv ? env[opts.judgeApiKeyEnv] : undefined;
  const failOn = opts.failOn ?? "low";
  if (!SEVERITIES.includes(failOn)) throw new CliError(`--fail-on takes one of ${SEVERITIES.join(", ")}`);
  if (opts.resume && !opts.out) throw new CliError("--resume needs --out DIR (the run state lives there)");
  const concurrency = positive(opts.concurrency, "concurrency", true);
  if (concurrency !== undefined && concurrency > MAX_CONCURRENCY)
    throw new CliError(`--concurrency is at most ${MAX_CONCURRENCY} (got ${concurrency})`);
  const rate = positive(opts.rate, "rate", false);
  const timeoutMs = positive(opts.timeout, "timeout", true);

  const tty = stderr.isTTY === true;
  const bar = tty ? createProgressBar(stderr) : undefined;
  let phase: string | undefined;
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    warn("\nportcullis: stopping after the requests in flight (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  let report;
  try {
    report = await runAssessment({
      target,
      ...(direct ? { direct } : {}),
      ...(opts.suite?.length ? { suites: opts.suite } : {}),
      ...(opts.transforms !== undefined ? { transforms: opts.transforms.split(",") } : {}),
      ...(systemPrompt !== undefined ? { systemPrompt } : {}),
      ...(opts.canary ? { canary: opts.canary } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(rate ? { rate } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(opts.out ? { outDir: opts.out } : {}),
      resume: opts.resume ?? false,
      ...(opts.judgeUrl && opts.judgeModel
        ? {
            llmJudge: {
              url: opts.judgeUrl,
              model: opts.judgeModel,
              ...(judgeKey ? { apiKey: judgeKey } : {}),
            },
          }
        : {}),
      version: packageVersion(),
      env,
      signal: controller.signal,
      onProgress: (p, progress) => {
        if (!bar) return;
        if (phase !== p) {
          if (phase) bar.done();
          phase = p;
          if (direct) warn(p === "direct" ? "directly against the model:\n" : "through the target:\n");
        }
        bar.update(progress);
      },
    });
  } catch (error) {
    if (error instanceof RedteamError) throw new CliError(error.message);
    throw error;
  } finally {
    bar?.done();
    process.off("SIGINT", onSigint);
  }

  if (opts.out) {
    const files = writeReports(opts.out, report);
    if (opts.format !== "json") warn(`reports: ${Object.values(files).join(", ")}\n`);
  }
  const format = opts.format ?? "text";
  // With --out, non-text formats are in files; stdout still gets the chosen one (scripts pipe it).
  stdout.write(render(report, format));
  if (controller.signal.aborted) {
    warn(`portcullis: interrupted; run again with --resume --out ${opts.out ?? "DIR"} to finish\n`);
  }
  const gating = report.results.some(
    (r) => r.verdict === "vulnerable" && SEVERITY_RANK[r.severity] >= SEVERITY_RANK[failOn],
  );
  return gating ? EXIT_FINDINGS : EXIT_OK;
}
