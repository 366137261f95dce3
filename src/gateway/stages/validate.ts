import { GatewayError } from "../errors.js";
import type { ApiKind } from "../providers/index.js";
import { validateBody } from "../schemas.js";
import { CONTINUE, type RequestContext, type RequestStage } from "./types.js";

/**
 * Checks the body against the route's schema. It runs after auth, so an unauthenticated caller
 * learns nothing about what the API accepts.
 */
export function validateStage(): RequestStage {
  return {
    name: "validate",
    run(ctx: RequestContext) {
      try {
        const valid = validateBody(ctx.api as ApiKind, ctx.rawBody);
        ctx.body = valid.body;
        ctx.requestedModel = valid.model;
        ctx.stream = valid.stream;
        return CONTINUE;
      } catch (error) {
        if (error instanceof GatewayError) return { action: "stop", error };
        throw error;
      }
    },
  };
}
