import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/gateway/errors.js";
import { relayStream } from "../../src/gateway/relay.js";
import type { ApiKind, UpstreamResponse } from "../../src/gateway/providers/types.js";
import { openResponseChain } from "../../src/gateway/stages/runner.js";
import type { RequestContext, ResponseInspector, ResponseStage } from "../../src/gateway/stages/types.js";

const SECRET = "AKIAIOSFODNN7EXAMPLE";

/**
 * A response stage of the kind issue 4 adds: it blocks an answer containing SECRET, holding back
 * only the last SECRET.length − 1 characters so a secret split across chunks is still seen.
 */
function secretBlocker(): ResponseStage {
  return {
    name: "secret-blocker",
    open(): ResponseInspector {
      const tails = new Map<number, string>();
      const stop = () => ({
        action: "stop" as const,
        error: new GatewayError("PCX_INTERNAL", "secret in output"),
      });
      return {
        maxHoldback: SECRET.length - 1,
        pending: (channel) => tails.get(channel)?.length ?? 0,
        write(channel, text) {
          const buffer = (tails.get(channel) ?? "") + text;
          if (buffer.includes(SECRET)) return stop();
          const keep = Math.min(buffer.length, SECRET.length - 1);
          tails.set(channel, buffer.slice(buffer.length - keep));
          return { action: "continue", release: buffer.slice(0, buffer.length - keep) };
        },
        end(channel) {
          const buffer = tails.get(channel) ?? "";
          tails.delete(channel);
          if (buffer.includes(SECRET)) return stop();
          return { action: "continue", release: buffer };
        },
      };
    },
  };
}

function ctxFor(api: ApiKind): RequestContext {
  return {
    requestId: "req-1",
    api,
    path: "/v1/chat/completions",
    shape: api === "anthropic.messages" ? "anthropic" : "openai",
    headers: {},
    rawBody: {},
    body: {},
    stream: true,
    requestedModel: "m",
    clientIp: "127.0.0.1",
    startedAt: 0,
    findings: [],
    decision: { action: "allow", reasons: [], monitorOnly: false },
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };
}

function openaiEvents(chunks: string[]): string[] {
  const event = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return [
    event({ role: "assistant", content: "" }),
    ...chunks.map((c) => event({ content: c })),
    event({}, "stop"),
    "data: [DONE]\n\n",
  ];
}

function anthropicEvents(chunks: string[]): string[] {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    ev("message_start", { message: { id: "m", usage: { input_tokens: 3, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...chunks.map((c) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: c } })),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }),
    ev("message_stop", {}),
  ];
}

class CapturingResponse extends Writable {
  output = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.output += chunk.toString();
    done();
  }
  writeHead() {
    return this;
  }
}

async function relay(api: ApiKind, events: string[], stages: ResponseStage[]) {
  const ctx = ctxFor(api);
  const upstream: UpstreamResponse = {
    status: 200,
    contentType: "text/event-stream",
    headers: {},
    body: (async function* () {
      for (const e of events) yield new TextEncoder().encode(e);
    })(),
  };
  const res = new CapturingResponse();
  const outcome = await relayStream(
    ctx,
    upstream,
    res as unknown as ServerResponse,
    openResponseChain(stages, ctx),
    {},
    { scrub: (t) => t, overheadMs: () => 0 },
    new AbortController().signal,
    false,
  );
  await new Promise((r) => setImmediate(r));
  return { outcome, output: res.output, ctx };
}

/** The answer text a client reconstructs from the relayed stream. */
function clientText(api: ApiKind, output: string): string {
  let text = "";
  for (const block of output.split("\n\n")) {
    const data = block
      .split("\n")
      .find((l) => l.startsWith("data: "))
      ?.slice(6);
    if (!data || data === "[DONE]") continue;
    const json = JSON.parse(data) as {
      type?: string;
      delta?: { text?: string };
      choices?: { delta?: { content?: string } }[];
    };
    if (api === "anthropic.messages") {
      if (json.type === "content_block_delta") text += json.delta?.text ?? "";
    } else {
      text += json.choices?.[0]?.delta?.content ?? "";
    }
  }
  return text;
}

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(text.slice(last, p));
    last = p;
  }
  out.push(text.slice(last));
  return out;
}

describe.each([
  ["openai.chat" as const, openaiEvents],
  ["anthropic.messages" as const, anthropicEvents],
])("streamed output inspection (%s)", (api, eventsFor) => {
  const answer = `Here are the credentials you asked for: ${SECRET} and nothing else.`;

  it("catches the secret split at every possible chunk boundary, and never leaks it", async () => {
    for (let cut = 0; cut <= answer.length; cut++) {
      const { outcome, output } = await relay(api, eventsFor(splitAt(answer, [cut])), [secretBlocker()]);
      expect(output).not.toContain(SECRET);
      expect(outcome.streamAborted).toBe(true);
      expect(output.trimEnd().split("\n\n").at(-1)).toContain("secret in output");
      const seen = clientText(api, output);
      expect(answer.startsWith(seen)).toBe(true);
      expect(seen.length).toBeLessThan(answer.indexOf(SECRET) + SECRET.length);
    }
  });

  it("catches it under any random chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: answer.length }), { maxLength: 30 }),
        async (cuts) => {
          const { output } = await relay(api, eventsFor(splitAt(answer, cuts)), [secretBlocker()]);
          expect(output).not.toContain(SECRET);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a clean answer passes through complete and in order under any chunking", async () => {
    const clean = "Nothing to hide here, just a long and perfectly ordinary answer about the weather.";
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: clean.length }), { maxLength: 30 }),
        async (cuts) => {
          const { outcome, output } = await relay(api, eventsFor(splitAt(clean, cuts)), [secretBlocker()]);
          expect(outcome.streamAborted).toBeUndefined();
          expect(clientText(api, output)).toBe(clean);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("without response stages, events pass through byte for byte", async () => {
    const events = eventsFor(["a", "b", "c"]);
    const { output } = await relay(api, events, []);
    expect(output).toBe(events.join(""));
  });
});

describe("the response chain enforces each inspector's hold-back bound", () => {
  it("an inspector keeping more than it declared stops the stream (fail closed)", () => {
    const greedy: ResponseStage = {
      name: "greedy",
      open: () => {
        let held = 0;
        return {
          maxHoldback: 4,
          pending: () => held,
          write: (_c, t) => {
            held += t.length;
            return { action: "continue", release: "" };
          },
          end: () => ({ action: "continue", release: "" }),
        };
      },
    };
    const chain = openResponseChain([greedy], ctxFor("openai.chat"))!;
    expect(chain.write(0, "abc").action).toBe("continue");
    const verdict = chain.write(0, "def");
    expect(verdict.action).toBe("stop");
  });

  it("chained inspectors see each other's releases, and end flushes through all of them", () => {
    const upper: ResponseStage = {
      name: "upper",
      open: () => ({
        maxHoldback: 0,
        pending: () => 0,
        write: (_c, t) => ({ action: "continue", release: t.toUpperCase() }),
        end: () => ({ action: "continue", release: "" }),
      }),
    };
    const chain = openResponseChain([secretBlocker(), upper], ctxFor("openai.chat"))!;
    let out = "";
    for (const piece of ["hello ", "wor", "ld"]) {
      const v = chain.write(0, piece);
      if (v.action === "continue") out += v.release;
    }
    const end = chain.end(0);
    expect(end.action).toBe("continue");
    if (end.action === "continue") out += end.release;
    expect(out).toBe("HELLO WORLD");
  });
});
