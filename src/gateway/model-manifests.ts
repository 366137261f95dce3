/**
 * `models[].requireManifest` (issue 6): before the gateway routes to a locally served model, the
 * model's folder must match a signed manifest (src/scan/manifest/). Verified once at start-up —
 * hashing a multi-GB model per request is not an option — so a changed folder is caught at the
 * next start. A model that fails stays configured but is refused with PCX_MODEL_MANIFEST_INVALID;
 * the reason goes to the log, never to clients (it names files on the server).
 */
import type { ModelConfig } from "../config/index.js";
import { describeVerifyResult, loadVerifier, verifyManifestFiles } from "../scan/manifest/index.js";

/** The part of the pino logger this needs (structured object, then message). */
export interface ManifestLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Lines kept from a verification failure in the log (a folder can differ in thousands of files). */
const MAX_LOGGED_DIFFERENCES = 20;

/**
 * Verifies every model that asks for it; returns canonical model name → why it failed. Models
 * without `requireManifest` are not checked. Never throws: an unreadable key or manifest is a
 * failure of that model, not of the gateway.
 */
export async function verifyModelManifests(
  models: readonly ModelConfig[],
  resolvePath: (path: string) => string,
  logger: ManifestLogger,
): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  for (const model of models) {
    const req = model.requireManifest;
    if (!req) continue;
    const dir = resolvePath(req.dir);
    let problems: string[];
    try {
      const verifier = loadVerifier(resolvePath(req.pubkey));
      const result = await verifyManifestFiles(dir, resolvePath(req.manifest), verifier);
      if (result.ok) {
        logger.info({ model: model.name, files: result.files }, "model manifest verified");
        continue;
      }
      problems = describeVerifyResult(result);
    } catch (error) {
      problems = [(error as Error).message];
    }
    const reason = problems.length ? problems.slice(0, MAX_LOGGED_DIFFERENCES) : ["verification failed"];
    failures.set(model.name, reason.join("; "));
    logger.error(
      {
        model: model.name,
        dir,
        problems: reason,
        more: Math.max(0, problems.length - MAX_LOGGED_DIFFERENCES),
      },
      "model manifest does not verify: requests for this model are refused (PCX_MODEL_MANIFEST_INVALID)",
    );
  }
  return failures;
}
