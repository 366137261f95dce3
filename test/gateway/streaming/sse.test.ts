import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseParser, SseTooLargeError } from "../../../src/gateway/streaming/sse.js";

const field = fc.stringMatching(/^[^\r\n]{0,40}$/);

function serialise(events: { event?: string; data: string[] }[], eol: string): string {
  return events
    .map(
      (e) =>
        `${e.event !== undefined ? `event: ${e.event}${eol}` : ""}${e.data.map((d) => `data: ${d}${eol}`).join("")}${eol}`,
    )
    .join("");
}

function parseAll(text: string, cuts: number[]) {
  const parser = new SseParser();
  const points = [...new Set(cuts.filter((c) => c > 0 && c < text.length))].sort((a, b) => a - b);
  const out = [];
  let last = 0;
  for (const p of [...points, text.length]) {
    out.push(...parser.push(text.slice(last, p)));
    last = p;
  }
  return out;
}

describe("SseParser", () => {
  it("yields the same events however the stream is cut, for LF, CRLF and CR line ends", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            event: fc.option(field, { nil: undefined }),
            data: fc.array(field, { minLength: 1, maxLength: 3 }),
          }),
          {
            maxLength: 8,
          },
        ),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat(2000), { maxLength: 20 }),
        (events, eol, cuts) => {
          const text = serialise(events, eol);
          const parsed = parseAll(text, cuts);
          expect(parsed.map((e) => ({ event: e.event, data: e.data }))).toEqual(
            events.map((e) => ({ event: e.event, data: e.data.join("\n") })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("ignores comments and keeps the raw text of each event", () => {
    const parser = new SseParser();
    const [event] = parser.push(': keep-alive\ndata: {"a":1}\n\n');
    expect(event!.data).toBe('{"a":1}');
    expect(event!.raw).toBe(': keep-alive\ndata: {"a":1}\n\n');
  });

  it("refuses an event larger than its bound instead of buffering forever", () => {
    const parser = new SseParser(1024);
    expect(() => parser.push(`data: ${"x".repeat(2000)}`)).toThrow(SseTooLargeError);
  });
});
