import { isIPv4, isIPv6 } from "node:net";
import { occurrences, type SecurityEvent } from "../events/index.js";
import { hashString } from "./sketch.js";
import type { Observation } from "./state.js";

/** What makes a request "maximal" (cost harvesting, OWASP LLM10): either side of the bill. */
export interface MaximalThresholds {
  /** Prompt tokens at or above this (provider's count, else the gateway's estimate). */
  promptTokens: number;
  /** `max_tokens` at or above this. */
  maxTokens: number;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The network an address belongs to, as a coarse stand-in for its provider (an ASN table would be
 * better, and is not ours to ship): the IPv4 /16, or the IPv6 /32 (the usual minimum allocation to a
 * provider under the regional registries' IPv6 policies; a site gets a /48 inside it). An IPv4-mapped IPv6 address counts as IPv4.
 * Undefined when the text is not an address.
 */
export function networkOf(ip: string): string | undefined {
  const mapped = MAPPED_V4.exec(ip);
  const v4 = mapped ? mapped[1]! : ip;
  if (isIPv4(v4)) {
    const [a, b] = v4.split(".");
    return `${a}.${b}/16`;
  }
  if (!isIPv6(ip)) return undefined;
  // The first two groups; "::" before them means zeros.
  const head = ip.toLowerCase().split("::")[0]!.split(":");
  const g = (i: number) => Number.parseInt(head[i] || "0", 16);
  return `${g(0).toString(16)}:${g(1).toString(16)}::/32`;
}

const INJECTION_CATEGORIES = new Set(["prompt_injection", "jailbreak"]);

/**
 * The gateway's refusals for a key's or team's own limits (docs/errors.md, HTTP 429 with
 * Retry-After, RFC 6585 §4). A client that keeps sending through them is ignoring its limits.
 */
const LIMIT_REFUSALS = new Set(["PCX_RATE_LIMITED", "PCX_CONCURRENCY_LIMITED", "PCX_TOKEN_BUDGET_EXCEEDED"]);

/**
 * Reduces a request event to what analytics counts. Findings are read from the event as the
 * guards left them: injection and jailbreak findings in the user's own prompt (not in retrieved
 * documents, where an injection is someone else's doing), system-prompt leaks in the answer, PII
 * and secrets anywhere in what was sent.
 */
export function observation(event: SecurityEvent, maximal: MaximalThresholds): Observation {
  const features = event.request_features;
  const ip = event.src_endpoint?.ip;
  const net = ip ? networkOf(ip) : undefined;
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
  const weight = Math.min(occurrences(event), 1_000_000);
  return {
    time: event.time,
    ip: ip ? hashString(ip) : 0,
    net: net ? hashString(net) : 0,
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
    limited: event.error_code !== undefined && LIMIT_REFUSALS.has(event.error_code),
    // A penalty-box summary stands for `count` refused requests (src/gateway/penalty.ts).
    ...(weight > 1 ? { weight } : {}),
  };
}
