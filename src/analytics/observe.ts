import type { SecurityEvent } from "../events/index.js";
import { hashString } from "./sketch.js";
import type { Observation } from "./state.js";

/** What makes a request "maximal" (cost harvesting, OWASP LLM10): either side of the bill. */
export interface MaximalThresholds {
  /** Prompt tokens at or above this (provider's count, else the gateway's estimate). */
  promptTokens: number;
  /** `max_tokens` at or above this. */
  maxTokens: number;
}

const INJECTION_CATEGORIES = new Set(["prompt_injection", "jailbreak"]);

/**
 * Reduces a request event to what analytics counts. Findings are read from the event as the
 * guards left them: injection and jailbreak findings in the user's own prompt (not in retrieved
 * documents, where an injection is someone else's doing), system-prompt leaks in the answer, PII
 * and secrets anywhere in what was sent.
 */
export function observation(event: SecurityEvent, maximal: MaximalThresholds): Observation {
  const features = event.request_features;
  let pii = 0;
  let secrets = 0;
  let inject = false;
  let sysPrompt = false;
  for (const f of event.findings) {
    const direction = f.direction ?? "prompt";
    if (f.category === "pii" && direction !== "output") pii++;
    else if (f.category === "secret" && direction !== "output") secrets++;
    else if (INJECTION_CATEGORIES.has(f.category) && direction === "prompt") {
      inject = true;
      if (f.kind === "system_prompt_extraction") sysPrompt = true;
    } else if (f.category === "system_prompt_leak") {
      inject = true;
      sysPrompt = true;
    }
  }
  const promptTokens =
    event.usage && event.usage.prompt_tokens > 0
      ? event.usage.prompt_tokens
      : (features?.prompt_tokens_est ?? 0);
  const maxTokens = features?.max_tokens ?? null;
  const completion = event.usage?.completion_tokens ?? 0;
  const n = features?.n ?? 1;
  return {
    time: event.time,
    ip: event.src_endpoint?.ip ? hashString(event.src_endpoint.ip) : 0,
    ua: event.src_endpoint?.user_agent ? hashString(event.src_endpoint.user_agent) : 0,
    member: event.actor.key_id ? hashString(event.actor.key_id) : 0,
    tokensIn: promptTokens,
    tokensOut: completion > 0 ? completion : (maxTokens ?? 0) * n,
    harvest: features ? features.logprobs || (features.top_logprobs ?? 0) > 0 || n > 1 : false,
    temp0: features?.temperature === 0,
    maximal: promptTokens >= maximal.promptTokens || (maxTokens ?? 0) >= maximal.maxTokens,
    minhash: features?.minhash,
    template: features?.template_hash ?? 0,
    piiFindings: pii,
    secretFindings: secrets,
    inject,
    sysPrompt,
    // Guard blocks only: a rate-limit refusal says nothing about the prompt.
    blocked: event.decision.action === "block" && event.findings.length > 0,
  };
}
