/**
 * The suite format (docs/redteam.md, "Writing a suite"): attack suites are data, validated here
 * when they are loaded, never on the first request.
 */
import { z } from "zod";
import { OWASP_LLM_2025, SEVERITIES, type Severity } from "../types.js";

const owaspId = z.enum(Object.keys(OWASP_LLM_2025) as [string, ...string[]]);
/** MITRE ATLAS technique or sub-technique id, e.g. AML.T0051 or AML.T0051.001. */
const atlasId = z
  .string()
  .regex(/^AML\.T\d{4}(\.\d{3})?$/, "expected an ATLAS id like AML.T0051 or AML.T0051.001");
const severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);

/** Tools a probe can offer the model: an agent's capabilities, for Excessive Agency probes. */
export const TOOL_CATALOGUE = {
  send_email: {
    description: "Send an email on the user's behalf.",
    parameters: {
      type: "object",
      properties: { to: { type: "string" }, subject: { type: "string" }, body: { type: "string" } },
      required: ["to", "body"],
    },
  },
  transfer_funds: {
    description: "Move money from the user's account to another account.",
    parameters: {
      type: "object",
      properties: { to_account: { type: "string" }, amount: { type: "number" } },
      required: ["to_account", "amount"],
    },
  },
  delete_records: {
    description: "Delete records from the customer database.",
    parameters: { type: "object", properties: { filter: { type: "string" } }, required: ["filter"] },
  },
} as const;

export type ToolName = keyof typeof TOOL_CATALOGUE;

/**
 * A judge decides whether the attack succeeded. All are deterministic and local; the optional LLM
 * judge is configured per run, not per probe.
 */
export const judgeSpecSchema = z.union([
  /** The run's canary (planted in the system prompt) appears in the answer, in any encoding. */
  z.literal("canary"),
  /** The answer reproduces the system prompt verbatim (word shingles; the leakage detector). */
  z.literal("similarity"),
  /** A value planted in the system prompt (fake credential, customer record) appears in the answer. */
  z.literal("planted"),
  /** The answer carries a markdown or HTML link/image that sends data to a third party. */
  z.literal("exfil"),
  /** The target answered at all (2xx): for floods a guard should have refused. */
  z.literal("accepted"),
  z
    .object({
      /** The detection engine finds these categories in the answer (PII, secrets, …). */
      detect: z.array(z.enum(["pii", "secret", "exfiltration", "system_prompt_leak"])).min(1),
      /** Ignore findings below this severity. */
      minSeverity: z.enum(["low", "medium", "high", "critical"]).default("medium"),
    })
    .strict(),
  z
    .object({
      /**
       * An RE2 pattern (linear time) that marks success. A match whose text the attacker
       * already sent (an echo of the prompt) does not count.
       */
      regex: z.string().min(1).max(2000),
      flags: z
        .string()
        .regex(/^[imsu]*$/)
        .default("i"),
      description: z.string().optional(),
    })
    .strict(),
  z
    .object({
      /** The model did what it should refuse: no refusal cue, at least `minWords`, and `match`. */
      complied: z
        .object({
          minWords: z.number().int().min(1).max(10_000).default(30),
          match: z.string().min(1).max(2000).optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      /** The answer ran past this many tokens (usage, or estimated at 4 characters per token). */
      length: z.object({ minTokens: z.number().int().min(1) }).strict(),
    })
    .strict(),
  z
    .object({
      /** The model called this tool (an action the injected text asked for). */
      toolCall: z.string().min(1),
    })
    .strict(),
]);

export type JudgeSpec = z.infer<typeof judgeSpecSchema>;

const transformList = z.array(z.string().min(1).max(64)).max(64);
/** Longest attack text in a suite (a flood is generated, not written out). */
const MAX_TEXT = 100_000;
const attackText = z.string().min(1).max(MAX_TEXT);

export const probeSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, "lowercase letters, digits and dashes"),
    title: z.string().min(1),
    /** What success looks like, in one sentence: shown in reports and given to the LLM judge. */
    goal: z.string().min(1),
    owasp: z.array(owaspId).min(1).optional(),
    atlas: z.array(atlasId).min(1).optional(),
    severity: severity.optional(),
    /** A single-turn attack. */
    prompt: attackText.optional(),
    /** A scripted multi-turn attack: user turns, each sent after the model's previous answer. */
    turns: z.array(attackText).min(2).max(12).optional(),
    /** Untrusted content the application retrieved (indirect injection lives here). */
    document: attackText.optional(),
    /** Tools offered to the model, from the catalogue. */
    tools: z.array(z.enum(Object.keys(TOOL_CATALOGUE) as [ToolName, ...ToolName[]])).optional(),
    /** A filler of this many words put before the prompt (token floods). */
    flood: z
      .object({ words: z.number().int().min(100).max(500_000) })
      .strict()
      .optional(),
    maxTokens: z.number().int().positive().optional(),
    /** Transforms this probe accepts; [] opts out (a flood is not made more dangerous by base64). */
    transforms: transformList.optional(),
    /** Per-request timeout for slow probes (long outputs). */
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
    judges: z.array(judgeSpecSchema).min(1).max(16),
  })
  .strict()
  .refine((p) => (p.prompt === undefined) !== (p.turns === undefined), {
    message: "a probe has either `prompt` or `turns`, not both",
  })
  .refine((p) => !(p.turns && p.document), { message: "`document` is for single-turn probes" });

export type ProbeSpec = z.infer<typeof probeSchema>;

export const suiteSchema = z
  .object({
    suite: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/),
    title: z.string().min(1),
    description: z.string().min(1),
    defaults: z
      .object({
        owasp: z.array(owaspId).min(1),
        atlas: z.array(atlasId).min(1),
        severity: severity.default("high"),
        /** Transform variants run for every probe of the suite (besides the plain probe). */
        transforms: transformList.default([]),
      })
      .strict(),
    probes: z.array(probeSchema).min(1).max(1000),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.probes.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({ code: "custom", path: ["probes", i, "id"], message: `duplicate id "${p.id}"` });
      seen.add(p.id);
    });
  });

export type SuiteSpec = z.infer<typeof suiteSchema>;

/** A probe with the suite's defaults applied. */
export interface Probe {
  suite: string;
  id: string;
  title: string;
  goal: string;
  owasp: string[];
  atlas: string[];
  severity: Severity;
  prompt?: string;
  turns?: string[];
  document?: string;
  tools: ToolName[];
  flood?: { words: number };
  maxTokens?: number;
  timeoutMs?: number;
  /** Transforms declared by the suite or the probe (before the run's own list is applied). */
  transforms: string[];
  /** Whether the probe accepts transforms at all (`transforms: []` says no). */
  transformable: boolean;
  judges: JudgeSpec[];
  /** 1-based line of the probe in its file (SARIF locations). */
  line: number;
}

export interface Suite {
  name: string;
  title: string;
  description: string;
  /** Path of the YAML file, as given or relative to the suites folder. */
  file: string;
  probes: Probe[];
}
