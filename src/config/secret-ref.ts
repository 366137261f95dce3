import { z } from "zod";

/**
 * Secrets are references, never literals: the config file can be committed and reviewed.
 * Its own module so that config sections (`sections/*.ts`) and `schema.ts`, which imports them,
 * can both use it without an import cycle.
 */
export const secretRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, {
  message: "expected a secret reference like env:NAME or file:/path/to/secret (never the secret itself)",
});
