import { authenticate, type KeyCache } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import { CONTINUE, type RequestStage } from "./types.js";

/** Who is calling: every model route starts here. */
export function authStage(keys: KeyCache, serverSecret: Buffer): RequestStage {
  return {
    name: "auth",
    run(ctx) {
      try {
        ctx.identity = authenticate(ctx.headers, keys, serverSecret);
        return CONTINUE;
      } catch (error) {
        if (error instanceof GatewayError) return { action: "stop", error };
        throw error;
      }
    },
  };
}
