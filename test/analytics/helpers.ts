import type { SecurityEvent } from "../../src/events/index.js";
import { requestFeatures } from "../../src/gateway/features.js";

let counter = 0;

/** The request event the gateway would publish for this body (features as src/gateway/emit.ts computes them). */
export function requestEvent(
  key: string,
  time: number,
  body: Record<string, unknown>,
  extra: { ip?: string; userAgent?: string; team?: string } = {},
): SecurityEvent {
  return {
    id: `test-${++counter}`,
    time,
    class: "api_activity",
    activity: "chat.completions",
    severity: "info",
    actor: { key_id: key, team: extra.team ?? "default" },
    src_endpoint: {
      ip: extra.ip ?? "192.0.2.10",
      ...(extra.userAgent ? { user_agent: extra.userAgent } : {}),
    },
    model: "demo-chat",
    decision: { action: "allow", monitor_only: false, reasons: [] },
    findings: [],
    request_features: requestFeatures({ model: "demo-chat", ...body }),
  };
}

/** A distiller's request: the prompt, temperature 0, top_logprobs 5. */
export function extractionBody(prompt: string): Record<string, unknown> {
  return {
    messages: [{ role: "user", content: prompt }],
    temperature: 0,
    logprobs: true,
    top_logprobs: 5,
    max_tokens: 256,
  };
}
