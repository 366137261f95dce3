import { z } from "zod";

/**
 * `models[].requireManifest`: the gateway routes to a locally served model only when the model's
 * folder matches a manifest signed with `portcullis manifest create` (docs/scanning.md). Checked
 * at start-up; a model whose manifest does not verify answers PCX_MODEL_MANIFEST_INVALID.
 * Relative paths are resolved against the configuration file's folder.
 */
export const requireManifestSchema = z
  .object({
    /** The model's folder, as the model server reads it. */
    dir: z.string().min(1),
    /** The signed manifest (DSSE envelope) written by `portcullis manifest create`. */
    manifest: z.string().min(1),
    /** The signer's Ed25519 public key (PEM, from `portcullis manifest keygen`). */
    pubkey: z.string().min(1),
  })
  .strict();

export type RequireManifestConfig = z.infer<typeof requireManifestSchema>;
