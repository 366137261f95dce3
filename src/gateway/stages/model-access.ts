import { GatewayError } from "../errors.js";
import type { ModelRouter } from "../models.js";
import { CONTINUE, type RequestStage } from "./types.js";

/** Which model, through which provider, and may this key use it. */
export function modelAccessStage(router: ModelRouter): RequestStage {
  return {
    name: "model-access",
    run(ctx) {
      const model = router.resolve(ctx.requestedModel);
      // Unknown and forbidden models answer differently (404 / 403) — the model list is not a
      // secret: GET /v1/models shows a key what it may use.
      if (!model)
        return {
          action: "stop",
          error: new GatewayError(
            "PCX_MODEL_NOT_FOUND",
            `The model "${truncate(ctx.requestedModel)}" does not exist.`,
          ),
        };
      if (!router.allowed(ctx.identity!, model.name)) {
        return {
          action: "stop",
          error: new GatewayError("PCX_MODEL_NOT_ALLOWED", `This key may not use the model "${model.name}".`),
        };
      }
      const wantsEmbedding = ctx.api === "openai.embeddings";
      if ((model.kind === "embedding") !== wantsEmbedding || !model.provider.supports(ctx.api)) {
        return {
          action: "stop",
          error: new GatewayError(
            "PCX_MODEL_WRONG_ENDPOINT",
            `The model "${model.name}" does not serve ${ctx.path}.`,
          ),
        };
      }
      if (model.manifestFailure !== undefined) {
        return {
          action: "stop",
          error: new GatewayError(
            "PCX_MODEL_MANIFEST_INVALID",
            `The model "${model.name}" is unavailable: its files do not match their signed manifest.`,
          ),
        };
      }
      ctx.model = model;
      return CONTINUE;
    },
  };
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
