import type { Config } from "../config/index.js";

/** Severities, least severe first: the index is the order `--fail-on` compares by. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A location in the configuration, as the keys and indexes that lead to it (`["server", "host"]`). */
export type ConfigPath = readonly (string | number)[];

/**
 * What was learned about one secret without keeping it: where it is referenced, whether it could be
 * read from here, and measurements of it. The value itself never leaves the probe (STYLE.md §4).
 */
export interface SecretFacts {
  /** The reference as written (`env:NAME`, `file:PATH`), or a label such as `--admin-key`. */
  ref: string;
  /** Where the configuration references it. */
  path: ConfigPath;
  /**
   * What it is for; decides how strong it must be. `signing`: an HMAC key (webhook signatures);
   * `admin-key`: a Portcullis admin key; `kek`: the payload key-encryption key; `credential`: a
   * password or token someone else issued; `private-key`: a TLS private key file.
   */
  purpose: "signing" | "admin-key" | "kek" | "credential" | "private-key";
  /** `unset`: env var missing or empty; `unreadable`: file missing or not readable; `skipped`: not probed. */
  status: "read" | "unset" | "unreadable" | "skipped";
  /** For file secrets: the resolved path and its permission bits. */
  file?: string;
  mode?: number;
  /** Measurements of the value, when it was read. */
  strength?: SecretStrength;
}

export interface SecretStrength {
  length: number;
  /** Different characters in the value: a long value of few characters is not random. */
  distinct: number;
  /** The value is a well-known placeholder or default ("changeme", "secret", a documented example). */
  placeholder: boolean;
}

/** A key as the admin API lists it (the fields the rules need). */
export interface KeyFacts {
  id: string;
  name: string;
  team: string;
  role: string;
  status: string;
  expires_at: string | null;
}

/** What a running instance showed: only present with `--server`. */
export interface ServerFacts {
  /** The URL the audit reached the admin API at. */
  url: string;
  /** Keys from GET /admin/v1/keys. */
  keys?: KeyFacts[];
  /** The answer to a cross-origin preflight from an origin the gateway cannot know. */
  cors?: { origin: string; allowOrigin?: string; allowCredentials?: boolean };
  /** GET /metrics answered 200 without credentials. */
  metricsOpen?: boolean;
}

/** Everything the rules look at. Built by the caller (src/posture/facts.ts for files and env). */
export interface PostureInput {
  config: Config;
  /** Where the configuration came from: a file path, `<embedded default>`, or the server URL. */
  source: string;
  /** The data directory the gateway would use, absolute. */
  dataDir: string;
  /** Directory relative paths in the configuration are resolved against, absolute. */
  baseDir: string;
  secrets: SecretFacts[];
  server?: ServerFacts;
}

/** One thing a rule found. */
export interface RuleHit {
  message: string;
  path: ConfigPath;
}

/**
 * A posture rule (STYLE.md §3: rules are data). Each has a fixture configuration under
 * test/fixtures/posture/<id>/ that breaks it, and a section in docs/posture.md; tests keep the
 * three in step.
 */
export interface PostureRule {
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters: what an attacker gains. */
  why: string;
  /** What to change. */
  fix: string;
  /** Standards the rule follows (OWASP LLM Top 10 2025, CWE, RFCs). */
  refs: readonly string[];
  check(input: PostureInput): RuleHit[];
  /** Why the rule could not be evaluated from here (e.g. "needs --server"); undefined when it was. */
  unchecked?(input: PostureInput): string | undefined;
}

export interface PostureFinding {
  rule: string;
  title: string;
  severity: Severity;
  message: string;
  path: ConfigPath;
  fix: string;
}

export interface PostureReport {
  source: string;
  /** 0–100: 100 minus a weight per rule that fired (critical 40, high 20, medium 8, low 3). */
  score: number;
  findings: PostureFinding[];
  /** Checks that could not run from here (a secret not readable, no --server for key expiry). */
  skipped: string[];
  /** Rules evaluated. */
  rules: number;
}
