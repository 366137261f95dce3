import { z } from "zod";

/**
 * Policy as code (issue "Guards in the gateway…"): what to do with each kind of finding, for whom,
 * in which direction. Policies live in the main configuration (`policies:`) or as YAML files in a
 * folder (`policyDir:`); both are validated here at start-up.
 */

/** The detection categories. Kept in step with src/detect/types.ts CATEGORIES by a test. */
export const POLICY_CATEGORIES = [
  "prompt_injection",
  "jailbreak",
  "pii",
  "secret",
  "hidden_text",
  "obfuscation",
  "system_prompt_leak",
  "exfiltration",
] as const;

/** prompt: user turns; document: tool results and retrieved content; output: the model's answer. */
export const DIRECTIONS = ["prompt", "document", "output"] as const;

/**
 * What happens to a finding. Strictest first: block stops the request, redact masks the value for
 * good, pseudonymise replaces it with a placeholder that is restored in the answer, alert only
 * records it, allow explicitly ignores it.
 */
export const ACTIONS = ["block", "redact", "pseudonymise", "alert", "allow"] as const;

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "expected an ISO-8601 time" });

export const policyRuleSchema = z
  .object({
    category: z.enum(POLICY_CATEGORIES),
    /** Only these finding kinds (e.g. ["email", "phone"]); all kinds of the category when absent. */
    kinds: z.array(z.string().min(1).max(64)).min(1).optional(),
    directions: z.array(z.enum(DIRECTIONS)).min(1).default(["prompt", "document", "output"]),
    /** The finding's calibrated score must reach this to count. */
    threshold: z.number().min(0).max(1).default(0),
    action: z.enum(ACTIONS),
    /** Monitor a single rule while the rest of the policy enforces. */
    mode: z.enum(["enforce", "monitor"]).optional(),
  })
  .strict();

export const allowEntrySchema = z
  .object({
    /** Findings whose matched text is exactly this phrase (case-insensitive) are ignored. */
    phrase: z.string().min(1).max(1000).optional(),
    /** Findings whose matched text matches this pattern are ignored. Runs on RE2 (linear time). */
    pattern: z.string().min(1).max(1000).optional(),
    /** Only for these key ids (a per-key exception); everyone when absent. */
    keys: z.array(z.string().min(1)).min(1).optional(),
    /** Only for findings of these categories; all categories when absent. */
    categories: z.array(z.enum(POLICY_CATEGORIES)).min(1).optional(),
    /** Every exception ends: after this time it no longer applies (and `config check` says so). */
    expires: isoTime,
    /** Why the exception exists, for the next person to read it. */
    reason: z.string().min(3).max(500),
  })
  .strict()
  .refine((entry) => entry.phrase !== undefined || entry.pattern !== undefined || entry.keys !== undefined, {
    message: "an allow entry needs a phrase, a pattern or keys",
  });

export const policySchema = z
  .object({
    name: z.string().min(1).max(100),
    /** monitor: record what would have happened, act on nothing — for rolling a policy out safely. */
    mode: z.enum(["enforce", "monitor"]).default("enforce"),
    /** Who the policy applies to; an empty or absent list matches everyone. */
    match: z
      .object({
        teams: z.array(z.string().min(1)).optional(),
        keys: z.array(z.string().min(1)).optional(),
        models: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .default({}),
    rules: z.array(policyRuleSchema).default([]),
    allow: z.array(allowEntrySchema).default([]),
    /** Insert a per-request canary token into the system prompt and block answers that contain it. */
    canary: z.boolean().default(false),
  })
  .strict();

export type PolicyConfig = z.infer<typeof policySchema>;
export type PolicyRuleConfig = z.infer<typeof policyRuleSchema>;
export type AllowEntryConfig = z.infer<typeof allowEntrySchema>;
export type PolicyAction = (typeof ACTIONS)[number];
export type Direction = (typeof DIRECTIONS)[number];
