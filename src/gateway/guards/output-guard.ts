import type { Finding } from "../../detect/types.js";
import type { GatewayError } from "../errors.js";
import type { ChunkVerdict, ResponseInspector } from "../stages/types.js";

/** What the policy makes of the findings in one window of the answer. */
export interface OutputJudgement {
  block?: GatewayError;
  /** Findings to replace (spans relative to the window), and how. */
  redact: Finding[];
}

export interface OutputGuardOptions {
  /** Runs the detectors on a window of the answer. */
  scan(window: string): Finding[];
  judge(findings: Finding[], window: string): OutputJudgement;
  /** Replaces the given findings' spans in `text` (spans relative to `text`). */
  redact(text: string, findings: Finding[]): string;
  /** The error that stops the stream when a finding to redact was partly released already. */
  cannotRedact(finding: Finding): GatewayError;
  /** Longest tail held back while a value may still be growing (a secret, a number, a URL). */
  maxHoldback?: number;
  /** Already-released text kept as context for the detectors (dates of birth, leaks of the system prompt). */
  context?: number;
}

const DEFAULT_HOLDBACK = 256;
const DEFAULT_CONTEXT = 256;

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** Characters that join the groups of a number: "+1 415-555 0132", "4111 1111 1111 1111". */
const isNumberish = (c: number) =>
  (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 40 || c === 41 || c === 46;

/**
 * Length of the tail that could still be the beginning of a finding: the last word (secrets,
 * tokens, URLs and emails contain no spaces), extended back over space-separated groups of digits
 * (phone and card numbers). Everything before it is complete and can be judged and released.
 */
export function pendingTail(text: string): number {
  let i = text.length;
  // Text ending in a space after a number group: the number may go on ("4111 1111 " + "1111").
  let j = i;
  while (j > 0 && isSpace(text.charCodeAt(j - 1)) && i - j < 2) j--;
  if (j < i) {
    const before = j > 0 ? text.charCodeAt(j - 1) : 0;
    if (!(before >= 48 && before <= 57)) return 0;
    i = j;
  }
  while (i > 0 && !isSpace(text.charCodeAt(i - 1))) i--;
  // Extend over preceding number groups while the tail itself is numeric.
  if (i < text.length && isNumberish(text.charCodeAt(i))) {
    while (i > 0) {
      let k = i;
      while (k > 0 && isSpace(text.charCodeAt(k - 1)) && i - k < 2) k--;
      const groupEnd = k;
      while (k > 0 && isNumberish(text.charCodeAt(k - 1))) k--;
      if (k === groupEnd || (k > 0 && !isSpace(text.charCodeAt(k - 1)))) break;
      i = k;
    }
  }
  return text.length - i;
}

/**
 * Output inspection on a stream (issue "Guards in the gateway…"). Per channel, text is held only
 * while it may still be part of a finding (see `pendingTail`, never more than `maxHoldback`);
 * complete text is scanned together with some released context, judged, redacted where the
 * policy says so, and released. A finding the policy blocks stops the stream before any of it is
 * released. A value that would need redacting but started in text already released (longer than
 * the hold-back) cannot be taken back, so the stream is stopped instead: fail closed.
 */
export function createOutputGuard(options: OutputGuardOptions): ResponseInspector {
  const maxHoldback = options.maxHoldback ?? DEFAULT_HOLDBACK;
  const contextSize = options.context ?? DEFAULT_CONTEXT;
  const channels = new Map<number, { context: string; held: string }>();

  const state = (channel: number) => {
    let s = channels.get(channel);
    if (!s) {
      s = { context: "", held: "" };
      channels.set(channel, s);
    }
    return s;
  };

  const release = (channel: number, final: boolean): ChunkVerdict => {
    const s = state(channel);
    const held = s.held;
    const tail = final ? 0 : Math.min(pendingTail(held), maxHoldback);
    if (!final && tail === held.length) return { action: "continue", release: "" };
    const window = s.context + held;
    const offset = s.context.length;
    const findings = options.scan(window).filter((f) => !f.span || f.span[1] > offset);
    let cutAt = held.length - tail;
    const redactNow: Finding[] = [];
    if (findings.length > 0) {
      const judgement = options.judge(findings, window);
      if (judgement.block) return { action: "stop", error: judgement.block };
      for (const f of judgement.redact) {
        if (!f.span) continue;
        const start = f.span[0] - offset;
        const end = f.span[1] - offset;
        // Part of it is already with the client: it cannot be taken back, so stop instead.
        if (start < 0) return { action: "stop", error: options.cannotRedact(f) };
        if (end <= cutAt) redactNow.push({ ...f, span: [start, end] });
        // It reaches into the pending tail and may still grow: keep it whole for the next round.
        else cutAt = Math.min(cutAt, start);
      }
      // Never hold more than the bound; a value cut by it is stopped on the next round.
      cutAt = Math.max(cutAt, held.length - maxHoldback);
    }
    const ready = held.slice(0, cutAt);
    const out = redactNow.length
      ? options.redact(
          ready,
          redactNow.filter((f) => f.span![1] <= cutAt),
        )
      : ready;
    s.held = held.slice(cutAt);
    s.context = (s.context + out).slice(-contextSize);
    return { action: "continue", release: out };
  };

  return {
    maxHoldback,
    pending: (channel) => channels.get(channel)?.held.length ?? 0,
    write(channel, text) {
      state(channel).held += text;
      return release(channel, false);
    },
    end(channel) {
      const verdict = release(channel, true);
      channels.delete(channel);
      return verdict;
    },
  };
}
