import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { secretRef } from "../secret-ref.js";
import { limitOverrideSchema } from "./limits.js";

/**
 * `incidents:` — rules that turn detections and guard events into incidents, and playbooks that
 * answer them (docs/incidents.md). Rules and playbooks can also live in YAML files in a folder
 * (`incidents.dir`), loaded with `loadIncidentDir`. Everything is validated here at start-up, so a
 * playbook with a typo fails the start, not the first attack.
 */

export const INCIDENT_SEVERITIES = ["low", "medium", "high", "critical"] as const;
const EVENT_CLASSES = ["api_activity", "admin_activity", "detection_finding", "system"] as const;
const DECISIONS = ["allow", "redact", "block", "error"] as const;

const DURATION = /^([0-9]{1,9})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "10m", "1h", "7d" → milliseconds. Undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** A duration written as text ("10m"), between `min` and `max` milliseconds, parsed to ms. */
const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration like 90s, 10m, 1h or 7d, between ${min / 1000} s and ${max / 86_400_000} d`,
      });
      return z.NEVER;
    }
    return ms;
  });

const DAY = 86_400_000;
const id = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
  message: "expected a lower-case id (letters, digits, . _ -), at most 64 characters",
});
/** OWASP Top 10 for LLM Applications 2025: LLM01 … LLM10. */
const owaspId = z
  .string()
  .regex(/^LLM(0[1-9]|10)$/, { message: "expected an OWASP LLM Top 10 id, LLM01–LLM10" });
/** MITRE ATLAS technique ids: AML.T0051, AML.T0024.002. */
const atlasId = z.string().regex(/^AML\.T[0-9]{4}(\.[0-9]{3})?$/, {
  message: "expected a MITRE ATLAS technique id such as AML.T0051 or AML.T0024.002",
});

export const incidentRuleSchema = z
  .object({
    id,
    description: z.string().min(3).max(500),
    /** The incident type: incidents are deduplicated per key and type (two rules may share one). */
    type: id,
    severity: z.enum(INCIDENT_SEVERITIES),
    /** Which events count. Every field given must hold; an empty match counts every event. */
    match: z
      .object({
        class: z.enum(EVENT_CLASSES).optional(),
        /** The event's activity; `*` matches any run of characters ("analytics.*"). */
        activity: z
          .string()
          .regex(/^[A-Za-z0-9_.*-]{1,64}$/)
          .optional(),
        /** What the gateway did with the request. */
        decision: z.enum(DECISIONS).optional(),
        /** A finding of one of these categories (prompt_injection, jailbreak, system_prompt_leak, …). */
        categories: z
          .array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/))
          .min(1)
          .optional(),
        /**
         * Score to reach: a detection's `details.score` (analytics), or else the highest score of
         * the findings that matched.
         */
        minScore: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({}),
    /** `count` matching events from one key within `window` make one trigger (default: every event). */
    threshold: z
      .object({
        count: z.number().int().min(1).max(10_000),
        window: duration(1000, 7 * DAY),
      })
      .strict()
      .optional(),
    /** Triggers of the same type for the same key within this time of the last one join its incident. */
    dedupWindow: duration(1000, 30 * DAY).prefault("1h"),
    owasp: z.array(owaspId).default([]),
    atlas: z.array(atlasId).default([]),
  })
  .strict();

const open = z.object({ type: z.literal("open_incident") }).strict();
const suspendKey = z
  .object({
    type: z.literal("suspend_key"),
    /** Absent: suspended until a person resumes the key (or reverts the action). */
    duration: duration(1000, 365 * DAY).optional(),
  })
  .strict();
const throttle = z
  .object({
    type: z.literal("throttle"),
    /** Limits that apply on top of the key's own; only ever tighter (the smaller value wins). */
    limits: limitOverrideSchema.refine((l) => Object.values(l).some((v) => typeof v === "number"), {
      message: "a throttle needs at least one limit, e.g. requestsPerMinute: 10",
    }),
    duration: duration(1000, 30 * DAY).prefault("1h"),
  })
  .strict();
const requirePolicy = z
  .object({
    type: z.literal("require_policy"),
    /** A configured policy the key is judged by as well, whatever its own `match` says. */
    policy: z.string().min(1).max(100),
    /** Absent: until a person reverts the action. */
    duration: duration(1000, 365 * DAY).optional(),
  })
  .strict();
const notify = z
  .object({
    type: z.literal("notify"),
    /** Names of `incidents.webhooks`; absent: every configured webhook. */
    webhooks: z.array(id).min(1).optional(),
  })
  .strict();

export const playbookActionSchema = z.discriminatedUnion("type", [
  open,
  suspendKey,
  throttle,
  requirePolicy,
  notify,
]);

export const playbookSchema = z
  .object({
    name: id,
    description: z.string().max(500).optional(),
    /** Which triggers this playbook answers; every field given must hold. */
    on: z
      .object({
        rules: z.array(id).min(1).optional(),
        types: z.array(id).min(1).optional(),
        /** The trigger's severity is at least this. */
        minSeverity: z.enum(INCIDENT_SEVERITIES).optional(),
      })
      .strict()
      .default({}),
    /** Run in order; `notify` actions run last, so the message says what was done. */
    actions: z.array(playbookActionSchema).min(1).max(20),
  })
  .strict();

export const incidentWebhookSchema = z
  .object({
    /** An http(s) URL, or a secret reference holding one (a Slack webhook URL is itself a secret). */
    url: z.union([z.url({ protocol: /^https?$/ }), secretRef]),
    /** HMAC-SHA-256 key for the x-portcullis-signature header; required unless `format: slack`. */
    secret: secretRef.optional(),
    /** `json`: the incident as JSON; `slack`: a Slack-compatible `{text, blocks}` message. */
    format: z.enum(["json", "slack"]).default("json"),
    /** Only incidents at least this severe are sent. */
    minSeverity: z.enum(INCIDENT_SEVERITIES).default("low"),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** Attempts per notification (with backoff) before it is recorded as failed. */
    attempts: z.number().int().min(1).max(10).default(3),
  })
  .strict()
  .refine((hook) => hook.secret !== undefined || hook.format === "slack", {
    message: "a json webhook needs a secret (env:NAME or file:PATH) to sign its notifications",
    path: ["secret"],
  });

export const incidentsSectionSchema = z
  .object({
    /** Turns incident detection and automated response off entirely. */
    enabled: z.boolean().default(true),
    /** Include the shipped rules and playbooks (docs/incidents.md lists them). */
    defaults: z.boolean().default(true),
    rules: z.array(incidentRuleSchema).default([]),
    playbooks: z.array(playbookSchema).default([]),
    /** A folder of `*.yaml` files, each with `rules:` and/or `playbooks:`, added to the lists above. */
    dir: z.string().optional(),
    /** Notification targets by name, for the `notify` action. */
    webhooks: z.record(id, incidentWebhookSchema).default({}),
    /** Keys whose rule windows are tracked at once; the least recently seen are forgotten first. */
    maxTrackedKeys: z.number().int().min(100).max(10_000_000).default(100_000),
    /** How often a replica looks for actions made, reverted or expired elsewhere. */
    syncIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    /** Base URL put in notifications so a person can open the incident (the admin API is appended). */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

export type IncidentsSection = z.infer<typeof incidentsSectionSchema>;
export type IncidentRuleConfig = z.infer<typeof incidentRuleSchema>;
export type PlaybookConfig = z.infer<typeof playbookSchema>;
export type PlaybookActionConfig = z.infer<typeof playbookActionSchema>;
export type IncidentWebhookConfig = z.infer<typeof incidentWebhookSchema>;

const fileSchema = z
  .object({
    rules: z.array(incidentRuleSchema).default([]),
    playbooks: z.array(playbookSchema).default([]),
  })
  .strict();

/** A problem in an incidents file, naming the file. */
export class IncidentFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join("; ")}`);
    this.name = "IncidentFileError";
  }
}

/** Rules and playbooks from every `*.yaml` / `*.yml` file of a folder, in file-name order. */
export function loadIncidentDir(dir: string): { rules: IncidentRuleConfig[]; playbooks: PlaybookConfig[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (error) {
    throw new IncidentFileError(dir, [
      `cannot read the incidents folder: ${(error as NodeJS.ErrnoException).code ?? error}`,
    ]);
  }
  const out = { rules: [] as IncidentRuleConfig[], playbooks: [] as PlaybookConfig[] };
  for (const name of names) {
    const file = resolve(dir, name);
    const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new IncidentFileError(
        file,
        doc.errors.map((e) => `YAML ${e.message.split("\n")[0]}`),
      );
    }
    const parsed = fileSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
    if (!parsed.success) {
      throw new IncidentFileError(
        file,
        parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(top level)"}: ${i.message}`),
      );
    }
    out.rules.push(...parsed.data.rules);
    out.playbooks.push(...parsed.data.playbooks);
  }
  return out;
}
