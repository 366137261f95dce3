/**
 * The error catalogue (STYLE.md §5). Every error the gateway returns has a stable PCX_ code, an
 * HTTP status, the OpenAI error `type` it maps to, and a line in docs/errors.md saying what to do;
 * test/gateway/errors.test.ts keeps this file and the docs in step. A retired code is never reused.
 */
export const ERRORS = {
  PCX_AUTH_MISSING_KEY: {
    status: 401,
    type: "authentication_error",
    message: "No API key: send Authorization: Bearer <key> (or x-api-key).",
  },
  PCX_AUTH_INVALID_KEY: { status: 401, type: "authentication_error", message: "The API key is not valid." },
  PCX_AUTH_KEY_SUSPENDED: { status: 401, type: "authentication_error", message: "The API key is suspended." },
  PCX_AUTH_KEY_REVOKED: {
    status: 401,
    type: "authentication_error",
    message: "The API key has been revoked.",
  },
  PCX_AUTH_KEY_EXPIRED: { status: 401, type: "authentication_error", message: "The API key has expired." },
  PCX_FORBIDDEN_ROLE: {
    status: 403,
    type: "permission_error",
    message: "This key's role may not use this endpoint.",
  },
  PCX_MODEL_NOT_ALLOWED: {
    status: 403,
    type: "permission_error",
    message: "This key may not use the requested model.",
  },
  PCX_MODEL_NOT_FOUND: {
    status: 404,
    type: "not_found_error",
    message: "The requested model does not exist.",
  },
  PCX_MODEL_WRONG_ENDPOINT: {
    status: 400,
    type: "invalid_request_error",
    message: "The requested model does not serve this endpoint.",
  },
  PCX_MODEL_MANIFEST_INVALID: {
    status: 503,
    type: "api_error",
    message: "The model's files do not match their signed manifest; the gateway refuses to route to it.",
  },
  PCX_NOT_FOUND: { status: 404, type: "not_found_error", message: "No such route." },
  PCX_INVALID_JSON: {
    status: 400,
    type: "invalid_request_error",
    message: "The request body is not valid JSON.",
  },
  PCX_INVALID_UTF8: {
    status: 400,
    type: "invalid_request_error",
    message: "The request body is not valid UTF-8.",
  },
  PCX_JSON_TOO_DEEP: {
    status: 400,
    type: "invalid_request_error",
    message: "The request body is nested too deeply.",
  },
  PCX_INVALID_REQUEST: {
    status: 400,
    type: "invalid_request_error",
    message: "The request body does not match the endpoint's schema.",
  },
  // Incident response (docs/incidents.md): a lifecycle step or a revert the record's state forbids.
  PCX_CONFLICT: {
    status: 409,
    type: "invalid_request_error",
    message: "The record is not in a state that allows this.",
  },
  PCX_BODY_TOO_LARGE: {
    status: 413,
    type: "invalid_request_error",
    message: "The request body is too large.",
  },
  PCX_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: "invalid_request_error",
    message: "Send the body as application/json.",
  },
  PCX_POLICY_BLOCKED: {
    status: 403,
    type: "permission_error",
    message: "The request was blocked by policy.",
  },
  PCX_OUTPUT_BLOCKED: {
    status: 403,
    type: "permission_error",
    message: "The model's answer was blocked by policy.",
  },
  PCX_UPSTREAM_UNAVAILABLE: {
    status: 502,
    type: "api_error",
    message: "The model provider could not be reached.",
  },
  PCX_UPSTREAM_TIMEOUT: {
    status: 504,
    type: "api_error",
    message: "The model provider did not answer in time.",
  },
  PCX_UPSTREAM_BAD_RESPONSE: {
    status: 502,
    type: "api_error",
    message: "The model provider sent a response the gateway could not read.",
  },
  PCX_UPSTREAM_ERROR: { status: 502, type: "api_error", message: "The model provider returned an error." },
  PCX_UPSTREAM_STREAM_BROKEN: {
    status: 502,
    type: "api_error",
    message: "The model provider's stream ended abnormally.",
  },
  // Limits (RFC 6585 §4: 429 with Retry-After) and overload protection (503 with Retry-After).
  PCX_RATE_LIMITED: {
    status: 429,
    type: "rate_limit_error",
    message: "Rate limit reached; retry after the time in Retry-After.",
  },
  PCX_TOKEN_BUDGET_EXCEEDED: {
    status: 429,
    type: "insufficient_quota",
    message: "The token budget for this period is used up.",
  },
  PCX_CONCURRENCY_LIMITED: {
    status: 429,
    type: "rate_limit_error",
    message: "Too many requests in flight at once for this key or team.",
  },
  PCX_IP_RATE_LIMITED: {
    status: 429,
    type: "rate_limit_error",
    message: "Too many unauthenticated requests from this address.",
  },
  PCX_PROMPT_TOO_LONG: {
    status: 400,
    type: "invalid_request_error",
    message: "The prompt has more tokens than this key may send.",
  },
  PCX_MAX_TOKENS_TOO_LARGE: {
    status: 400,
    type: "invalid_request_error",
    message: "max_tokens is larger than this key may ask for.",
  },
  PCX_OVERLOADED: {
    status: 503,
    type: "api_error",
    message: "The gateway is overloaded; retry after the time in Retry-After.",
  },
  PCX_UPSTREAM_CIRCUIT_OPEN: {
    status: 503,
    type: "api_error",
    message: "The model provider is failing; requests to it are paused briefly.",
  },
  PCX_LIMITS_UNAVAILABLE: {
    status: 503,
    type: "api_error",
    message: "The limits store is unavailable, and the gateway is configured to refuse meanwhile.",
  },
  PCX_SHUTTING_DOWN: {
    status: 503,
    type: "api_error",
    message: "The gateway is shutting down; retry on another instance.",
  },
  PCX_INTERNAL: { status: 500, type: "api_error", message: "Internal error in the gateway." },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A request-path failure with a catalogue code. The message never contains a secret. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    options?: { status?: number; cause?: unknown },
  ) {
    super(
      message ?? ERRORS[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "GatewayError";
    this.status = options?.status ?? ERRORS[code].status;
    this.type = ERRORS[code].type;
  }
}

/** Anthropic's error types, by HTTP status (https://docs.anthropic.com/en/api/errors). */
function anthropicType(status: number): string {
  if (status === 400 || status === 413 || status === 415)
    return status === 413 ? "request_too_large" : "invalid_request_error";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 529) return "overloaded_error";
  return "api_error";
}

export type ErrorShape = "openai" | "anthropic";

/** The body of an error reply, in the shape the route's clients expect. */
export function errorBody(
  error: GatewayError,
  shape: ErrorShape,
  requestId: string,
): Record<string, unknown> {
  if (shape === "anthropic") {
    return {
      type: "error",
      error: { type: anthropicType(error.status), message: error.message, code: error.code },
      request_id: requestId,
    };
  }
  return {
    error: { message: error.message, type: error.type, code: error.code, param: null, request_id: requestId },
  };
}
