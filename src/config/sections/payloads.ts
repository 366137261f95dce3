import { z } from "zod";

/**
 * `payloads`: recording prompts and answers, always encrypted (docs/encryption.md). Off by default:
 * a payload log is the most sensitive thing a gateway can keep, so keeping one is a decision.
 * When on, each payload is sealed with AES-256-GCM under its own data key, wrapped by a per-team
 * daily key, wrapped by a key-encryption key (KEK) that is never stored beside the data.
 */

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "expected an environment variable name" });

/**
 * Where the KEK comes from: an environment variable, a file (a mounted secret), or a command whose
 * standard output is the key (a KMS or vault client; run without a shell, 30 s timeout). The key
 * is 32 random bytes as base64 or hex: `openssl rand -base64 32`.
 */
export const kekSourceSchema = z.union([
  z.object({ env: envName }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ command: z.array(z.string().min(1)).min(1).max(64) }).strict(),
]);

/** `redacted`: secrets and personal data masked (by the guards' findings and a fresh scan of the answer); `full`: as sent. */
export const payloadModeSchema = z.enum(["off", "redacted", "full"]);

/** Days to keep payloads; null keeps them until shredded by hand. */
const retentionDays = z.number().int().min(1).max(36_500).nullable();

const teamSchema = z
  .object({
    /** This team's payload mode, instead of `payloads.mode`. */
    mode: payloadModeSchema.optional(),
    /** This team's retention, instead of `payloads.retentionDays`. */
    retentionDays: retentionDays.optional(),
  })
  .strict();

export const payloadsSectionSchema = z
  .object({
    mode: payloadModeSchema.default("off"),
    /** Required when any team records payloads: the gateway refuses to start without it. */
    kek: kekSourceSchema.optional(),
    /**
     * Earlier KEKs, read-only: they unlock key ring versions made from them, for reading old
     * payloads and for `portcullis crypto rotate --rewrap` after a KEK change.
     */
    previousKeks: z.array(kekSourceSchema).max(16).default([]),
    /** Payload keys older than this are shredded by a background job (the payloads become unreadable). */
    retentionDays: retentionDays.default(30),
    /** Per-team overrides of mode and retention, by team name. */
    teams: z.record(z.string().min(1), teamSchema).default({}),
    /** How often the retention job runs. */
    retentionCheckSeconds: z.number().int().min(1).max(86_400).default(3600),
    /** How often a gateway looks for rotations and shreds made by other processes (the CLI, replicas). */
    refreshSeconds: z.number().int().min(1).max(3600).default(10),
    /** Longest text recorded per prompt part or answer channel (UTF-16 units); the rest is cut and marked. */
    maxChars: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /** Sealed payloads waiting for the store, at most; beyond it new ones are dropped, counted and logged. */
    maxQueued: z.number().int().min(100).max(1_000_000).default(10_000),
  })
  .strict()
  .superRefine((section, ctx) => {
    const on = section.mode !== "off" || Object.values(section.teams).some((t) => t.mode && t.mode !== "off");
    if (on && !section.kek)
      ctx.addIssue({
        code: "custom",
        path: ["kek"],
        message:
          "payload logging is on but no KEK is configured (kek: { env: NAME } | { file: PATH } | { command: [...] })",
      });
  });

export type PayloadsSection = z.infer<typeof payloadsSectionSchema>;
export type KekSourceConfig = z.infer<typeof kekSourceSchema>;
export type PayloadMode = z.infer<typeof payloadModeSchema>;

export const PAYLOADS_DEFAULTS: PayloadsSection = payloadsSectionSchema.parse({});
