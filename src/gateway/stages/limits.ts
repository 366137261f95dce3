import type { ServerResponse } from "node:http";
import type { ModelConfig } from "../../config/index.js";
import {
  LimitStoreUnavailableError,
  TokenCounter,
  choices,
  completionField,
  countPrompt,
  encodingFor,
  formatDuration,
  loadEncodings,
  requestedCompletion,
  retryAfterSeconds,
  type Admission,
  type Limiter,
  type Plan,
  type PromptApi,
  type Rule,
} from "../../limits/index.js";
import { GatewayError } from "../errors.js";
import { RetryLaterError } from "../overload.js";
import type { QuickRefusal } from "../penalty.js";
import type { RelayOutcome } from "../relay.js";
import { CONTINUE, type RequestContext, type RequestStage, type StageVerdict } from "./types.js";

/**
 * The limits stage: after auth and model resolution, before inspection. In order, each step only
 * when the previous one passed, cheapest first:
 *
 * 1. a request-rate refusal remembered from earlier (a flooding key costs one comparison);
 * 2. the cap on max_tokens (refused when exceeded, inserted when absent);
 * 3. the prompt counted with the model family's tokenizer (once; bounded time), against
 *    maxPromptTokens;
 * 4. one atomic check of every rate, budget and concurrency limit of the key and its team,
 *    reserving prompt + expected completion tokens.
 *
 * After the answer, `settleLimits` charges what the provider reports it used (refund or extra)
 * and frees the concurrency slots — in every outcome, from the runner's single `finish`.
 */

const RESERVATION = Symbol("portcullis.limits");

interface Reservation {
  readonly limiter: Limiter;
  readonly admission: Admission;
  settled: boolean;
}

type LimitedContext = RequestContext & { [RESERVATION]?: Reservation };

/** Codes this stage answers with (the runner uses it to name the stage that stopped a request). */
export const LIMIT_CODES: ReadonlySet<string> = new Set([
  "PCX_RATE_LIMITED",
  "PCX_TOKEN_BUDGET_EXCEEDED",
  "PCX_CONCURRENCY_LIMITED",
  "PCX_PROMPT_TOO_LONG",
  "PCX_MAX_TOKENS_TOO_LARGE",
  "PCX_LIMITS_UNAVAILABLE",
]);

function whose(rule: Rule, capital = false): string {
  const text = rule.subject.startsWith("k:") ? "this key" : "this key's team";
  return capital ? `T${text.slice(1)}` : text;
}

const RATE_NAMES: Record<string, string> = {
  "requests:1000": "requests per second",
  "requests:60000": "requests per minute",
  "tokens:60000": "tokens per minute",
};

function refusal(admission: Admission): GatewayError {
  const rule = admission.refusedBy!;
  const wait = admission.retryAfterMs;
  const retry = Number.isFinite(wait) ? retryAfterSeconds(wait) : undefined;
  const when = retry !== undefined ? ` Retry after ${retry} s.` : "";
  if (rule.kind === "concurrency") {
    return new RetryLaterError(
      "PCX_CONCURRENCY_LIMITED",
      retry,
      `${whose(rule, true)} already has ${rule.limit} requests in flight, its limit.${when}`,
    );
  }
  if (rule.kind === "window") {
    const message =
      retry === undefined
        ? `This request needs ${admission.tokens} tokens, more than the ${rule.period}ly budget of ${rule.limit} for ${whose(rule)}.`
        : `The ${rule.period}ly token budget of ${whose(rule)} (${rule.limit}) cannot cover this request (${admission.tokens} tokens reserved).${when}`;
    return new RetryLaterError("PCX_TOKEN_BUDGET_EXCEEDED", retry, message);
  }
  const name = RATE_NAMES[`${rule.unit}:${Math.round(rule.interval * rule.limit)}`] ?? rule.unit;
  const message =
    retry === undefined
      ? `This request needs ${admission.tokens} tokens, more than the ${rule.limit} ${name} ${whose(rule)} allows.`
      : `Rate limit of ${rule.limit} ${name} for ${whose(rule)} reached.${when}`;
  return new RetryLaterError("PCX_RATE_LIMITED", retry, message);
}

function unavailable(error: unknown): StageVerdict {
  if (error instanceof LimitStoreUnavailableError) {
    return { action: "stop", error: new RetryLaterError("PCX_LIMITS_UNAVAILABLE", 1) };
  }
  throw error;
}

/**
 * Builds the stage. Async because it loads, at start-up, the tokenizer encodings the configured
 * models need.
 */
export async function limitsStage(limiter: Limiter, models: readonly ModelConfig[]): Promise<RequestStage> {
  const encodings = new Map(
    models.map((m) => [m.upstreamModel ?? m.name, encodingFor(m.upstreamModel ?? m.name)]),
  );
  await loadEncodings(encodings.values());
  const counters = new Map([...new Set(encodings.values())].map((name) => [name, new TokenCounter(name)]));
  const counterFor = (upstreamModel: string): TokenCounter =>
    counters.get(encodings.get(upstreamModel) ?? encodingFor(upstreamModel)) ??
    counters.values().next().value!;
  const reserveDefault = limiter.config.reserveCompletionTokens;

  const attach = (ctx: LimitedContext, admission: Admission): void => {
    ctx[RESERVATION] = { limiter, admission, settled: false };
  };

  const decide = (ctx: LimitedContext, admission: Admission): StageVerdict => {
    attach(ctx, admission);
    return admission.allowed ? CONTINUE : { action: "stop", error: refusal(admission) };
  };

  const check = (ctx: LimitedContext, plan: Plan): StageVerdict | Promise<StageVerdict> => {
    const early = limiter.refused(plan, ctx.requestId);
    if (early) return decide(ctx, early);

    const api = ctx.api as PromptApi;
    let completion = requestedCompletion(api, ctx.body);
    const cap = plan.maxCompletionTokens;
    if (cap !== Infinity) {
      if (completion !== undefined && completion > cap) {
        return {
          action: "stop",
          error: new GatewayError(
            "PCX_MAX_TOKENS_TOO_LARGE",
            `max_tokens is ${completion}; this key may ask for at most ${cap}.`,
          ),
        };
      }
      const field = completionField(api);
      if (completion === undefined && field) {
        // Without a cap in the request the provider's own (often large) default would apply, and
        // one answer could run past the budget by that much.
        ctx.body[field] = cap;
        completion = cap;
      }
    }

    let prompt = 0;
    if (plan.countsTokens || plan.maxPromptTokens !== Infinity) {
      const counter = counterFor(ctx.model!.upstreamModel).start();
      countPrompt(api, ctx.body, counter);
      prompt = counter.tokens;
      if (prompt > plan.maxPromptTokens) {
        return {
          action: "stop",
          error: new GatewayError(
            "PCX_PROMPT_TOO_LONG",
            `The prompt has ${counter.estimated ? "about " : ""}${prompt} tokens; this key may send at most ${plan.maxPromptTokens}.`,
          ),
        };
      }
    }

    const expected =
      api === "openai.embeddings" ? 0 : (completion ?? reserveDefault) * choices(api, ctx.body);
    const tokens = plan.countsTokens ? prompt + expected : 0;
    let result: Admission | Promise<Admission>;
    try {
      result = limiter.acquire(plan, tokens, ctx.requestId);
    } catch (error) {
      return unavailable(error);
    }
    if (result instanceof Promise) return result.then((admission) => decide(ctx, admission), unavailable);
    return decide(ctx, result);
  };

  return {
    name: "limits",
    run(ctx) {
      if (!ctx.identity || !ctx.model) return CONTINUE;
      const plan = limiter.plan(ctx.identity.keyId, ctx.identity.team);
      if (
        plan.rules.length === 0 &&
        plan.maxPromptTokens === Infinity &&
        plan.maxCompletionTokens === Infinity
      ) {
        return CONTINUE;
      }
      return check(ctx, plan);
    },
  };
}

/**
 * OpenAI's rate-limit headers, from the tightest request and token limits, on every model reply
 * of a request the stage looked at (refused or not). Set on the raw response so they survive
 * both fastify's send and a hijacked stream's writeHead.
 */
export function writeLimitHeaders(ctx: RequestContext, res: ServerResponse): void {
  const admission = (ctx as LimitedContext)[RESERVATION]?.admission;
  if (!admission || res.headersSent) return;
  for (const [name, value] of Object.entries(limitHeaders(admission))) res.setHeader(name, value);
}

function limitHeaders(admission: Admission): Record<string, string> {
  const headers: Record<string, string> = {};
  if (admission.requestLimit > 0) {
    headers["x-ratelimit-limit-requests"] = String(admission.requestLimit);
    headers["x-ratelimit-remaining-requests"] = String(admission.requestRemaining);
    headers["x-ratelimit-reset-requests"] = formatDuration(admission.requestResetMs);
  }
  if (admission.tokenLimit > 0) {
    headers["x-ratelimit-limit-tokens"] = String(admission.tokenLimit);
    headers["x-ratelimit-remaining-tokens"] = String(admission.tokenRemaining);
    headers["x-ratelimit-reset-tokens"] = formatDuration(admission.tokenResetMs);
  }
  return headers;
}

/**
 * The request-rate refusal the limiter remembers for a key, answered without the stage (the
 * penalty box, src/gateway/penalty.ts): the same error, Retry-After and x-ratelimit headers the
 * stage would give, or undefined once the bucket has refilled.
 */
export function quickRefusal(
  limiter: Limiter,
): (identity: { keyId: string; team: string }, requestId: string) => QuickRefusal | undefined {
  return (identity, requestId) => {
    // A key incident response has throttled keeps the full path: its refused requests carry the
    // prompt fingerprints analytics needs to escalate (suspected to confirmed model extraction,
    // say), and such keys are few. The stage still refuses them early, before counting tokens.
    if (limiter.isTightened(identity.keyId)) return undefined;
    const admission = limiter.refused(limiter.plan(identity.keyId, identity.team), requestId);
    if (!admission) return undefined;
    const error = refusal(admission);
    const headers = limitHeaders(admission);
    if (error instanceof RetryLaterError && error.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(error.retryAfterSeconds);
    }
    return { error, headers };
  };
}

/**
 * Settles an admitted request once, whatever its outcome: charges what the provider reported
 * (prompt + completion), refunds what was reserved and not used, and frees its concurrency slots.
 *
 * - never sent upstream (a later stage stopped it, the circuit was open): nothing charged;
 * - cut short (client gone, stream broken): at least the reservation — the provider may have
 *   generated up to max_tokens, and its usage never arrived;
 * - answered with usage: exactly that usage;
 * - a provider error without usage: nothing (providers do not bill failed requests);
 * - answered without usage (some compatible servers): the reservation.
 */
export function settleLimits(ctx: RequestContext, outcome: RelayOutcome, upstreamCalled: boolean): void {
  const reservation = (ctx as LimitedContext)[RESERVATION];
  if (!reservation || reservation.settled || !reservation.admission.allowed) return;
  reservation.settled = true;
  const { admission, limiter } = reservation;
  const reported = ctx.usage.prompt_tokens + ctx.usage.completion_tokens;
  let actual: number;
  if (!upstreamCalled) actual = 0;
  else if (outcome.streamAborted || outcome.clientAborted) actual = Math.max(reported, admission.tokens);
  else if (reported > 0) actual = reported;
  else if (outcome.status >= 400) actual = 0;
  else actual = admission.tokens;
  const done = limiter.settle(admission, actual);
  // The Redis store reports its own failures; a settle must never throw into the runner.
  if (done instanceof Promise) done.catch(() => {});
}
