/**
 * The red-team room's core types: what a probe sends, what a target answers, what a judge decides
 * and what a run records. Kept small: every report format is a view over `RunReport`.
 */

/**
 * OWASP Top 10 for LLM Applications 2025 (genai.owasp.org/llm-top-10/). The ids are stable across
 * the 2025 list; titles are shown in reports.
 */
export const OWASP_LLM_2025 = {
  LLM01: "Prompt Injection",
  LLM02: "Sensitive Information Disclosure",
  LLM03: "Supply Chain",
  LLM04: "Data and Model Poisoning",
  LLM05: "Improper Output Handling",
  LLM06: "Excessive Agency",
  LLM07: "System Prompt Leakage",
  LLM08: "Vector and Embedding Weaknesses",
  LLM09: "Misinformation",
  LLM10: "Unbounded Consumption",
} as const;

export type OwaspId = keyof typeof OWASP_LLM_2025;

/** MITRE ATLAS techniques the shipped suites use (atlas.mitre.org/techniques). */
export const ATLAS_TECHNIQUES: Record<string, string> = {
  "AML.T0051": "LLM Prompt Injection",
  "AML.T0051.000": "LLM Prompt Injection: Direct",
  "AML.T0051.001": "LLM Prompt Injection: Indirect",
  "AML.T0054": "LLM Jailbreak",
  "AML.T0056": "Extract LLM System Prompt",
  "AML.T0057": "LLM Data Leakage",
  "AML.T0024": "Exfiltration via AI Inference API",
  "AML.T0029": "Denial of AI Service",
  "AML.T0034": "Cost Harvesting",
  "AML.T0053": "LLM Plugin Compromise",
};

export type Severity = "low" | "medium" | "high" | "critical";
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/**
 * - `vulnerable`: a judge saw the attack succeed (a failing test case);
 * - `resisted`: the target answered and no judge saw success (often a refusal);
 * - `blocked`: the target refused the request itself (an HTTP 4xx: a guard, a content filter, a
 *   size limit) — the attack never got an answer;
 * - `error`: the run could not tell (network failure, 5xx, timeout).
 */
export type Verdict = "vulnerable" | "resisted" | "blocked" | "error";

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** One request to a target: a conversation, optionally with a retrieved document. */
export interface Exchange {
  system?: string;
  messages: ChatMessage[];
  /**
   * Untrusted content the application retrieved (a web page, an email, a file). Sent as the
   * result of a `fetch_document` tool call, or inline in the last user message.
   */
  document?: string;
  /** Tools offered to the model (an agent's capabilities; Excessive Agency probes). */
  tools?: ToolSpec[];
  /** Cap on the answer's length; absent means the target's own default. */
  maxTokens?: number;
  /** Session id for targets that keep the conversation themselves (HTTP templates). */
  session: string;
}

export interface ToolCall {
  name: string;
  arguments: string;
}

export interface TargetReply {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** The answer's text (empty when blocked or failed). */
  text: string;
  toolCalls: ToolCall[];
  finishReason?: string;
  usage?: { promptTokens?: number; completionTokens?: number };
  /** Set when the target refused the request (a 4xx with an error body). */
  blocked?: { code?: string; message: string };
  /** Set when no usable answer arrived (network error, timeout, 5xx). */
  error?: string;
  latencyMs: number;
}

/** What a result keeps of a request: never headers (keys live there), long texts truncated. */
export interface RecordedRequest {
  url: string;
  model?: string;
  system?: string;
  messages: ChatMessage[];
  document?: string;
  tools?: string[];
}

export interface RecordedTurn {
  request: RecordedRequest;
  response: {
    status: number;
    /** Redacted with the detection engine (PII and secrets masked) and truncated. */
    text: string;
    toolCalls?: ToolCall[];
    finishReason?: string;
    usage?: { promptTokens?: number; completionTokens?: number };
    blocked?: { code?: string; message: string };
    error?: string;
    latencyMs: number;
  };
}

export interface JudgeOutcome {
  /** Judge id: canary, similarity, detect, planted, regex, complied, length, accepted, tool-call, exfil, refusal, llm. */
  judge: string;
  /** True when this judge saw the attack succeed. */
  fired: boolean;
  reason: string;
  /** Which turn (0-based) it looked at. */
  turn: number;
}

export interface CaseResult {
  /** `suite/probe` or `suite/probe~transform`: stable across runs (resume, comparison, SARIF). */
  id: string;
  suite: string;
  probe: string;
  title: string;
  transform: string | null;
  owasp: string[];
  atlas: string[];
  severity: Severity;
  verdict: Verdict;
  /** The judge that decided the verdict (null for blocked and error). */
  judge: string | null;
  reason: string;
  judges: JudgeOutcome[];
  turns: RecordedTurn[];
  startedAt: string;
  durationMs: number;
}

export interface Tally {
  total: number;
  vulnerable: number;
  resisted: number;
  blocked: number;
  error: number;
  /** Share of decided cases (not errors) the target withstood, in [0, 1]; 1 when none decided. */
  passRate: number;
}

export interface RunSummary extends Tally {
  byOwasp: Record<string, Tally>;
  bySeverity: Record<string, Tally>;
  bySuite: Record<string, Tally>;
}

export interface TargetInfo {
  type: "openai" | "anthropic" | "http";
  url: string;
  model?: string;
}

export interface ComparisonEntry {
  id: string;
  title: string;
  owasp: string[];
  severity: Severity;
  direct: Verdict;
  through: Verdict;
  /** stopped: vulnerable directly, not through Portcullis; through: vulnerable both ways. */
  outcome: "stopped" | "got-through" | "not-exploitable" | "regressed" | "inconclusive";
}

export interface Comparison {
  direct: { target: TargetInfo; summary: RunSummary };
  entries: ComparisonEntry[];
  stopped: number;
  gotThrough: number;
  notExploitable: number;
  regressed: number;
  inconclusive: number;
}

export interface ProbeInfo {
  id: string;
  title: string;
  goal: string;
  owasp: string[];
  atlas: string[];
  severity: Severity;
  file: string;
  line: number;
}

export interface RunReport {
  schema: "portcullis.redteam/v1";
  tool: { name: "portcullis"; version: string };
  startedAt: string;
  finishedAt: string;
  target: TargetInfo;
  suites: Array<{ name: string; title: string; file: string; probes: number }>;
  /** Every probe the run used, by `suite/probe` id (SARIF rules, report details). */
  probes: ProbeInfo[];
  transforms: string[];
  /** Judges used by this run, with their settings (the LLM judge's URL and model, if any). */
  judges: { deterministic: string[]; llm?: { url: string; model: string } };
  summary: RunSummary;
  results: CaseResult[];
  comparison?: Comparison;
}
