import type { ErrorShape } from "../errors.js";
import type { ApiKind } from "../providers/index.js";

/**
 * The model routes: their API and the error shape each answers in. The server registers its model
 * handlers from this table, and the penalty box answers on these routes only, so the two cannot
 * disagree about which routes exist.
 */
export const MODEL_ROUTES: ReadonlyMap<string, { api: ApiKind; shape: ErrorShape }> = new Map([
  ["/v1/chat/completions", { api: "openai.chat", shape: "openai" }],
  ["/v1/completions", { api: "openai.completions", shape: "openai" }],
  ["/v1/embeddings", { api: "openai.embeddings", shape: "openai" }],
  ["/v1/messages", { api: "anthropic.messages", shape: "anthropic" }],
] as const);
