/**
 * Core detection types shared by every detector, the engine, the policy room and the CLI.
 * Keep them few and stable (ARCHITECTURE.md, "The core types").
 */

export type Severity = "info" | "low" | "medium" | "high" | "critical";

/**
 * Where a text came from. Detectors use different thresholds per context: retrieved documents
 * quote imperative text far more often than user prompts do, so they get their own calibration.
 */
export type DetectContext = "prompt" | "document" | "output";

/** Policy-level categories. A policy says per category what to do (block, redact, …). */
export const CATEGORIES = [
  "prompt_injection",
  "jailbreak",
  "pii",
  "secret",
  "hidden_text",
  "obfuscation",
  "system_prompt_leak",
  "exfiltration",
] as const;

export type Category = (typeof CATEGORIES)[number];

export interface Finding {
  /** Detector that produced it: "injection", "pii", "secrets", "unicode", "leakage", "exfiltration". */
  detector: string;
  /** What was found, e.g. "email", "aws_access_key_id", "instruction_override", "zero_width". */
  kind: string;
  category: Category;
  severity: Severity;
  /** Calibrated confidence in [0, 1]. */
  score: number;
  /** UTF-16 offsets into the ORIGINAL text (never into a normalised or decoded view). */
  span?: [number, number];
  /** Always masked: never the raw secret or personal value. */
  evidence?: string;
  /** Rule id, or "classifier" for the learned model. */
  rule?: string;
  /** A sentence a person can read: which rule fired, or the top n-grams. */
  reason?: string;
}

export interface ScanOptions {
  /** Detector ids to run; all default detectors when absent. */
  detectors?: readonly string[];
  context?: DetectContext;
  /** For output-side leak detection: the system prompt the application configured. */
  systemPrompt?: string;
  /** For output-side leak detection: canary tokens the gateway inserted. */
  canaries?: readonly string[];
  /**
   * Word-level explanations in classifier findings' reasons (the words that weigh most); default
   * true. Bulk scans that do not show reasons (a dataset's millions of rows) turn them off: each
   * costs a scoring of every word of the text.
   */
  explain?: boolean;
}

/**
 * One way of reading the text. The engine normalises and de-obfuscates a text once, producing
 * several views (the original, NFKC + invisible characters removed, a confusables skeleton,
 * decoded base64/hex/URL/ROT13/leetspeak segments); detectors scan the views they care about
 * and map every span back to the original with `toOriginal`.
 */
export interface TextView {
  text: string;
  /** "original", "normalized", "skeleton", or "decoded:<codec>" (e.g. "decoded:base64"). */
  origin: string;
  /** Decoding depth: 0 for the original and its normalisations, 1–2 for decoded segments. */
  depth: number;
  /** Maps a [start, end) range in `text` to a [start, end) range in the original (UTF-16). */
  toOriginal(start: number, end: number): [number, number];
}

export interface PreparedText {
  original: string;
  views: TextView[];
  /** Findings produced by preparation itself (hidden characters, encoded payloads). */
  findings: Finding[];
}

/**
 * A detector: built once by its factory (patterns compiled, options validated), then called
 * per text. It must be pure and bounded in time for any input.
 */
export interface Detector {
  id: string;
  categories: readonly Category[];
  scan(input: PreparedText, options: ScanOptions): Finding[];
  /**
   * Optional: the findings of `scan` on each input, in less time over many small texts (work that
   * one pass over all of them can rule out). Must equal `inputs.map((i) => scan(i, options))`.
   */
  scanMany?(inputs: readonly PreparedText[], options: ScanOptions): Finding[][];
}
