import { z } from "zod";
import { GatewayError } from "./errors.js";
import type { ApiKind } from "./providers/index.js";

/**
 * Request schemas: the fields the gateway relies on are checked strictly; the rest passes through
 * untouched so new provider parameters keep working. Sizes are capped on top of the body limit.
 */

const modelName = z.string().min(1).max(256);
const textPart = z.looseObject({ type: z.string().max(64) });
const content = z.union([z.string(), z.array(textPart).max(1000), z.null()]);
const maxTokens = z.number().int().positive().max(10_000_000);

const chat = z.looseObject({
  model: modelName,
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
        content: content.optional(),
      }),
    )
    .min(1)
    .max(10_000),
  stream: z.boolean().optional(),
  n: z.number().int().min(1).max(128).optional(),
  max_tokens: maxTokens.nullish(),
  max_completion_tokens: maxTokens.nullish(),
});

const completions = z.looseObject({
  model: modelName,
  prompt: z.union([
    z.string(),
    z.array(z.string()).max(2048),
    z.array(z.number().int()),
    z.array(z.array(z.number().int())),
  ]),
  stream: z.boolean().optional(),
  max_tokens: maxTokens.nullish(),
});

const embeddings = z.looseObject({
  model: modelName,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
});

const messages = z.looseObject({
  model: modelName,
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["user", "assistant"]),
        content: z.union([z.string(), z.array(textPart).max(1000)]),
      }),
    )
    .min(1)
    .max(10_000),
  system: z.union([z.string(), z.array(textPart).max(1000)]).optional(),
  max_tokens: maxTokens,
  stream: z.boolean().optional(),
});

const SCHEMAS: Record<ApiKind, z.ZodType> = {
  "openai.chat": chat,
  "openai.completions": completions,
  "openai.embeddings": embeddings,
  "anthropic.messages": messages,
};

export interface ValidBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
}

/** Validates without copying: the original object is what travels on. */
export function validateBody(api: ApiKind, body: unknown): ValidBody {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError("PCX_INVALID_REQUEST", "The request body must be a JSON object.");
  }
  const result = SCHEMAS[api].safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.length ? issue.path.join(".") : "body";
    throw new GatewayError("PCX_INVALID_REQUEST", `Invalid request: ${path}: ${issue.message}.`);
  }
  const valid = body as Record<string, unknown>;
  // Embeddings have no streamed form: a stray `stream: true` is ignored, as providers do.
  return {
    body: valid,
    model: valid.model as string,
    stream: api !== "openai.embeddings" && valid.stream === true,
  };
}
