/**
 * A whole assessment, as `portcullis redteam run` performs it: load suites and the phrase table,
 * build the target(s), run, optionally run again directly against the model for a comparison,
 * and build the report. The CLI only parses arguments and reads keys from the environment.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createLlmJudge, type LlmJudgeOptions } from "./judges/llm.js";
import { buildReport, compareRuns } from "./report/summary.js";
import {
  createJudgeEngine,
  DEFAULT_SYSTEM_PROMPT,
  runRedteam,
  type Progress,
  type RunOutcome,
} from "./runner/index.js";
import { loadSuites, shippedSuitesDir } from "./suites/index.js";
import type { Suite } from "./suites/schema.js";
import { createChatTarget, type DocumentVia, type Target } from "./targets/chat.js";
import { createTemplateTarget, loadTemplate } from "./targets/template.js";
import { loadPhraseTable } from "./transforms/phrases.js";
import { createTransforms, expandTransformNames } from "./transforms/index.js";
import type { RunReport, TargetInfo } from "./types.js";

export type TargetSpec =
  | { type: "openai" | "anthropic"; url: string; model: string; apiKey?: string; documentVia?: DocumentVia }
  | { type: "http"; templateFile: string };

export interface AssessmentOptions {
  target: TargetSpec;
  /** The same model without Portcullis in front: comparison mode. */
  direct?: TargetSpec;
  /** Suite names or paths; the shipped suites (without `demo`) when empty. */
  suites?: string[];
  /** Transforms for every probe instead of the suites' own (`all`, `translate`, `none`, ids). */
  transforms?: string[];
  /** System-prompt template; the built-in one when undefined, none when null. */
  systemPrompt?: string | null;
  canary?: string;
  concurrency?: number;
  rate?: number;
  timeoutMs?: number;
  /** Folder for the state file (resumable runs). */
  outDir?: string;
  resume?: boolean;
  llmJudge?: LlmJudgeOptions;
  version?: string;
  onProgress?: (phase: "direct" | "target", p: Progress) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export const STATE_FILE = "redteam-state.jsonl";
export const DIRECT_STATE_FILE = "redteam-state-direct.jsonl";

export function createTarget(
  spec: TargetSpec,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Target {
  if (spec.type === "http")
    return createTemplateTarget(loadTemplate(spec.templateFile), {
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  return createChatTarget({ ...spec, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}

function fingerprint(
  info: TargetInfo,
  suites: readonly Suite[],
  transforms: string[] | undefined,
  system: string | null,
): Record<string, unknown> {
  return {
    target: info,
    suites: suites.map((s) => ({ name: s.name, probes: s.probes.map((p) => p.id) })),
    suitesDigest: createHash("sha256")
      .update(JSON.stringify(suites.map((s) => s.probes)))
      .digest("hex")
      .slice(0, 16),
    transforms: transforms ?? "suite defaults",
    system: system === null ? null : createHash("sha256").update(system).digest("hex").slice(0, 16),
  };
}

export async function runAssessment(opts: AssessmentOptions): Promise<RunReport> {
  const suites = loadSuites(opts.suites ?? []);
  const dir = shippedSuitesDir();
  const phrases = loadPhraseTable(join(dir, "translations.yaml"));
  const transforms = createTransforms(phrases);
  const runTransforms = opts.transforms ? expandTransformNames(opts.transforms, transforms) : undefined;
  const systemTemplate =
    opts.systemPrompt === undefined
      ? opts.target.type === "http"
        ? null
        : DEFAULT_SYSTEM_PROMPT
      : opts.systemPrompt;
  const engine = createJudgeEngine();
  const llmJudge = opts.llmJudge ? createLlmJudge(opts.llmJudge) : undefined;
  const targetOpts = {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };

  const runOne = async (
    spec: TargetSpec,
    phase: "direct" | "target",
    stateFile: string,
  ): Promise<{ target: Target; outcome: RunOutcome }> => {
    const target = createTarget(spec, targetOpts);
    const outcome = await runRedteam({
      target,
      suites,
      transforms,
      ...(runTransforms ? { runTransforms } : {}),
      systemPrompt: systemTemplate,
      ...(opts.canary ? { canary: opts.canary } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.rate ? { rate: opts.rate } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.outDir ? { statePath: join(opts.outDir, stateFile), resume: opts.resume ?? false } : {}),
      fingerprint: fingerprint(target.info, suites, runTransforms, systemTemplate),
      ...(llmJudge ? { llmJudge } : {}),
      engine,
      preflight: true,
      ...(opts.onProgress ? { onProgress: (p: Progress) => opts.onProgress!(phase, p) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { target, outcome };
  };

  const direct = opts.direct ? await runOne(opts.direct, "direct", DIRECT_STATE_FILE) : undefined;
  const main = await runOne(opts.target, "target", STATE_FILE);
  const usedTransforms = [
    ...new Set(main.outcome.results.map((r) => r.transform).filter((t): t is string => t !== null)),
  ];
  return buildReport({
    version: opts.version ?? "0.0.0",
    startedAt: direct?.outcome.startedAt ?? main.outcome.startedAt,
    finishedAt: main.outcome.finishedAt,
    target: main.target.info,
    suites,
    transforms: usedTransforms,
    judges: {
      deterministic: [
        ...new Set(
          suites.flatMap((s) =>
            s.probes.flatMap((p) =>
              p.judges.map((j) => (typeof j === "string" ? j : (Object.keys(j)[0] as string))),
            ),
          ),
        ),
        "refusal",
      ],
      ...(llmJudge ? { llm: { url: llmJudge.url, model: llmJudge.model } } : {}),
    },
    results: main.outcome.results,
    ...(direct
      ? {
          comparison: compareRuns(
            { target: direct.target.info, results: direct.outcome.results },
            main.outcome.results,
          ),
        }
      : {}),
  });
}
