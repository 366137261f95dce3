/**
 * The red-team room (issue 8): attack suites as data, a runner, deterministic judges and reports.
 * Imports only the detection room (ARCHITECTURE.md).
 */
export { RedteamError } from "./errors.js";
export { runAssessment, createTarget, STATE_FILE, DIRECT_STATE_FILE } from "./assessment.js";
export type { AssessmentOptions, TargetSpec } from "./assessment.js";
export { classifyRefusal, REFUSAL_CUES, runJudge, judgeName, fold, estimateTokens } from "./judges/index.js";
export type { JudgeContext } from "./judges/index.js";
export { createLlmJudge } from "./judges/llm.js";
export type { LlmJudge, LlmJudgeOptions } from "./judges/llm.js";
export { createProgressBar } from "./progress.js";
export type { ProgressBar } from "./progress.js";
export * from "./report/index.js";
export {
  buildCases,
  buildSystemPrompt,
  DEFAULT_SYSTEM_PROMPT,
  filler,
  newCanary,
  PLANTED_CUSTOMER,
  preflight,
  PreflightError,
  runRedteam,
  StateMismatchError,
} from "./runner/index.js";
export type { Case, Progress, RunOptions, RunOutcome } from "./runner/index.js";
export {
  loadSuites,
  packageVersion,
  parseSuite,
  shippedSuiteNames,
  shippedSuitesDir,
  SuiteError,
  TOOL_CATALOGUE,
} from "./suites/index.js";
export type { JudgeSpec, Probe, Suite } from "./suites/index.js";
export { createChatTarget, endpointOf, errorOf, replyOf } from "./targets/chat.js";
export type { ChatTargetOptions, DocumentVia, Target } from "./targets/chat.js";
export { createTemplateTarget, loadTemplate, select, TemplateError } from "./targets/template.js";
export type { RequestTemplate } from "./targets/template.js";
export {
  BUILT_IN_TRANSFORMS,
  createTransforms,
  expandTransformNames,
  splitMarkers,
} from "./transforms/index.js";
export type { Transform } from "./transforms/index.js";
export { createPhraseTable, loadPhraseTable } from "./transforms/phrases.js";
export type { PhraseTable } from "./transforms/phrases.js";
export * from "./types.js";
