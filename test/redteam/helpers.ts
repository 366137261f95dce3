/** Shared helpers of the red-team tests: the shipped transforms and an in-process fake target. */
import { join } from "node:path";
import {
  createTransforms,
  loadPhraseTable,
  shippedSuitesDir,
  type Exchange,
  type Target,
  type TargetReply,
  type Transform,
} from "../../src/redteam/index.js";

export function shippedTransforms(): Map<string, Transform> {
  return createTransforms(loadPhraseTable(join(shippedSuitesDir(), "translations.yaml")));
}

export interface FakeTarget extends Target {
  /** Every exchange received, with its arrival time (performance.now()). */
  received: Array<{ exchange: Exchange; at: number }>;
  maxInFlight: number;
}

/** A target that answers with `answer(exchange)` after `delayMs`, counting concurrency. */
export function fakeTarget(answer: (exchange: Exchange) => Partial<TargetReply>, delayMs = 0): FakeTarget {
  let inFlight = 0;
  const target: FakeTarget = {
    info: { type: "openai", url: "http://fake.test/v1/chat/completions", model: "fake" },
    received: [],
    maxInFlight: 0,
    async send(exchange) {
      target.received.push({ exchange, at: performance.now() });
      inFlight++;
      target.maxInFlight = Math.max(target.maxInFlight, inFlight);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      inFlight--;
      return { status: 200, text: "", toolCalls: [], latencyMs: delayMs, ...answer(exchange) };
    },
  };
  return target;
}

/** The last user message of an exchange. */
export const lastUser = (e: Exchange): string => e.messages[e.messages.length - 1]?.content ?? "";
