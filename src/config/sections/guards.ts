import { z } from "zod";

/** Inbound and outbound inspection in the gateway (docs/configuration.md, "guards"). */
export const guardsSectionSchema = z
  .object({
    /** Inspect prompts and answers. Off means the policies are not enforced at all. */
    enabled: z.boolean().default(true),
    /** Detectors that inspect traffic (ids from `portcullis detect --help`); all when absent. */
    detectors: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export type GuardsConfig = z.infer<typeof guardsSectionSchema>;
