import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/detect/types.js";
import { GatewayError } from "../../../src/gateway/errors.js";
import { createOutputGuard, pendingTail } from "../../../src/gateway/guards/output-guard.js";

const SECRET = /sk-[A-Za-z0-9]{20,}/g;
const EMAIL = /[a-z.]+@[a-z]+\.[a-z]+/g;
const CARD = /\b(?:\d{4}[ -]?){3}\d{4}\b/g;

function find(re: RegExp, text: string, kind: string, category: Finding["category"]): Finding[] {
  return [...text.matchAll(re)].map((m) => ({
    detector: "test",
    kind,
    category,
    severity: "high" as const,
    score: 1,
    span: [m.index!, m.index! + m[0].length] as [number, number],
  }));
}

/** Secrets block, emails and cards are redacted: the default policy's output behaviour, on regexes. */
function guard() {
  return createOutputGuard({
    scan: (w) => [
      ...find(SECRET, w, "api_key", "secret"),
      ...find(EMAIL, w, "email", "pii"),
      ...find(CARD, w, "card", "pii"),
    ],
    judge: (findings) => ({
      ...(findings.some((f) => f.category === "secret")
        ? { block: new GatewayError("PCX_INTERNAL", "secret in output") }
        : {}),
      redact: findings.filter((f) => f.category === "pii"),
    }),
    redact: (text, findings) => {
      let out = text;
      for (const f of [...findings].sort((a, b) => b.span![0] - a.span![0])) {
        out = `${out.slice(0, f.span![0])}[${f.kind.toUpperCase()}]${out.slice(f.span![1])}`;
      }
      return out;
    },
    cannotRedact: () => new GatewayError("PCX_INTERNAL", "cannot redact"),
  });
}

function run(chunks: string[]) {
  const g = guard();
  let out = "";
  const firsts: number[] = [];
  for (const c of chunks) {
    const v = g.write(0, c);
    if (v.action === "stop") return { out, stopped: v.error.message, firsts };
    firsts.push(v.release.length);
    out += v.release;
  }
  const end = g.end(0);
  if (end.action === "stop") return { out, stopped: end.error.message, firsts };
  return { out: out + end.release, stopped: undefined, firsts };
}

function cut(text: string, points: number[]): string[] {
  const sorted = [...new Set(points.filter((p) => p > 0 && p < text.length))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const p of [...sorted, text.length]) {
    parts.push(text.slice(last, p));
    last = p;
  }
  return parts;
}

describe("output guard", () => {
  const secretAnswer = "Sure, the production key is sk-abcdefghijklmnopqrstuvwx and it works.";
  const piiAnswer = "Write to jane.doe@example.com or pay with 4111 1111 1111 1111 today.";

  it("blocks a secret split at every possible chunk boundary before any of it is released", () => {
    for (let i = 0; i <= secretAnswer.length; i++) {
      for (const j of [i + 1, i + 7, secretAnswer.length]) {
        const r = run(cut(secretAnswer, [i, j]));
        expect(r.stopped).toBe("secret in output");
        expect(r.out).not.toContain("sk-");
      }
    }
  });

  it("redacts emails and card numbers whatever the chunking (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(piiAnswer.length), { maxLength: 25 }), (points) => {
        const r = run(cut(piiAnswer, points));
        expect(r.stopped).toBeUndefined();
        expect(r.out).toBe("Write to [EMAIL] or pay with [CARD] today.");
      }),
      { numRuns: 500 },
    );
  });

  it("releases text as soon as a word is complete: holds back only the pending tail", () => {
    const r = run(["Hello ", "there, ", "how ", "are ", "you?"]);
    expect(r.firsts).toEqual(["Hello ".length, "there, ".length, "how ".length, "are ".length, 0]);
    expect(r.out).toBe("Hello there, how are you?");
  });

  it("clean text passes unchanged under any chunking (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 20 }), (text, points) => {
        const clean = text.replace(/sk-|@|\d/g, "x");
        expect(run(cut(clean, points)).out).toBe(clean);
      }),
      { numRuns: 300 },
    );
  });

  it("fails closed when a value to redact started beyond the hold-back", () => {
    const long = `prefix ${"a".repeat(300)}@example.com suffix`;
    const r = run(
      cut(
        long,
        Array.from({ length: 40 }, (_, i) => i * 10),
      ),
    );
    expect(r.stopped).toBe("cannot redact");
  });

  it("pendingTail keeps the last word, and number groups before it", () => {
    expect(pendingTail("hello wor")).toBe(3);
    expect(pendingTail("hello ")).toBe(0);
    expect(pendingTail("call +1 415 555 01")).toBe("+1 415 555 01".length);
    expect(pendingTail("card 4111 1111 11")).toBe("4111 1111 11".length);
    expect(pendingTail("year 2024 was good")).toBe(4);
    expect(pendingTail("card 4111 1111 ")).toBe("4111 1111 ".length);
    expect(pendingTail("done. ")).toBe(0);
  });
});
