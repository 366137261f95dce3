import { CONTINUE, type RequestStage } from "./types.js";

/**
 * Stages whose slots in the chain exist now and whose work arrives with later issues: limits
 * (rate, tokens, concurrency), inbound inspection and the policy decision. They keep the chain's
 * shape explicit so adding the real stage replaces one line in the composition.
 */
export function passthroughStage(name: string): RequestStage {
  return { name, run: () => CONTINUE };
}
