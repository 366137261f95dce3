import { GatewayError } from "../errors.js";
import type {
  ChunkVerdict,
  RequestContext,
  RequestStage,
  ResponseInspector,
  ResponseStage,
  StageVerdict,
} from "./types.js";

/**
 * Runs the request stages in order until one stops. Synchronous stages are not awaited, so a
 * chain of cheap checks costs no promise allocations.
 */
export function runRequestStages(
  stages: readonly RequestStage[],
  ctx: RequestContext,
  from = 0,
): StageVerdict | Promise<StageVerdict> {
  for (let i = from; i < stages.length; i++) {
    const verdict = stages[i]!.run(ctx);
    if (verdict instanceof Promise) {
      return verdict.then((v) => (v.action === "stop" ? v : runRequestStages(stages, ctx, i + 1)));
    }
    if (verdict.action === "stop") return verdict;
  }
  return { action: "continue" };
}

/**
 * Chains the inspectors of every response stage: what one releases is fed to the next. It also
 * enforces the hold-back bound of each inspector, failing closed if one keeps more than it
 * declared — a bug there must never turn into an unbounded buffer or a silent bypass.
 */
export function openResponseChain(
  stages: readonly ResponseStage[],
  ctx: RequestContext,
): ResponseInspector | undefined {
  const inspectors = stages.map((s) => s.open(ctx)).filter((i): i is ResponseInspector => i !== undefined);
  if (inspectors.length === 0) return undefined;
  const account = (i: number, channel: number): ChunkVerdict | undefined => {
    const pending = inspectors[i]!.pending(channel);
    if (pending > inspectors[i]!.maxHoldback || pending < 0) {
      return {
        action: "stop",
        error: new GatewayError("PCX_INTERNAL", "A response inspector exceeded its hold-back bound."),
      };
    }
    return undefined;
  };

  return {
    maxHoldback: inspectors.reduce((sum, i) => sum + i.maxHoldback, 0),
    pending: (channel) => inspectors.reduce((sum, i) => sum + i.pending(channel), 0),
    write(channel, text) {
      let carry = text;
      for (let i = 0; i < inspectors.length; i++) {
        const verdict = inspectors[i]!.write(channel, carry);
        if (verdict.action === "stop") return verdict;
        const broken = account(i, channel);
        if (broken) return broken;
        carry = verdict.release;
      }
      return { action: "continue", release: carry };
    },
    end(channel) {
      let carry = "";
      for (let i = 0; i < inspectors.length; i++) {
        let released = "";
        if (carry) {
          const written = inspectors[i]!.write(channel, carry);
          if (written.action === "stop") return written;
          released = written.release;
        }
        const ended = inspectors[i]!.end(channel);
        if (ended.action === "stop") return ended;
        released += ended.release;
        carry = released;
      }
      return { action: "continue", release: carry };
    },
  };
}
