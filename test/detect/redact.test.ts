import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createVault, redact } from "../../src/detect/redact.js";
import type { Finding } from "../../src/detect/types.js";

const at = (text: string, value: string, kind: string, from = 0): Finding => {
  const start = text.indexOf(value, from);
  return {
    detector: "t",
    kind,
    category: "pii",
    severity: "medium",
    score: 1,
    span: [start, start + value.length],
  };
};

const TEXT = "Mail jane@a.example or bob@b.example; again jane@a.example. Card 4111 1111 1111 1111.";
const FINDINGS = [
  at(TEXT, "jane@a.example", "email"),
  at(TEXT, "bob@b.example", "email"),
  at(TEXT, "jane@a.example", "email", 30),
  at(TEXT, "4111 1111 1111 1111", "credit_card"),
];

describe("redact: mask", () => {
  it("numbers per kind, same value same number", () => {
    expect(redact(TEXT, FINDINGS, "mask")).toBe(
      "Mail [EMAIL_1] or [EMAIL_2]; again [EMAIL_1]. Card [CREDIT_CARD_1].",
    );
  });

  it("merges overlapping spans and ignores invalid ones", () => {
    const text = "key sk-abc123456789 end";
    const findings: Finding[] = [
      { ...at(text, "sk-abc123456789", "openai_api_key") },
      { ...at(text, "abc123", "generic_secret") },
      { detector: "t", kind: "x", category: "pii", severity: "low", score: 1, span: [50, 60] },
      { detector: "t", kind: "x", category: "pii", severity: "low", score: 1, span: [5, 5] },
      { detector: "t", kind: "x", category: "pii", severity: "low", score: 1 },
    ];
    expect(redact(text, findings)).toBe("key [OPENAI_API_KEY_1] end");
    expect(redact(text, [])).toBe(text);
  });
});

describe("redact: hash", () => {
  it("is keyed, short and stable for equal values", () => {
    const a = redact(TEXT, FINDINGS, "hash", { key: "k1" });
    const b = redact(TEXT, FINDINGS, "hash", { key: "k1" });
    const c = redact(TEXT, FINDINGS, "hash", { key: "k2" });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const tokens = a.match(/\[EMAIL_[0-9a-f]{8}\]/g) ?? [];
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBe(tokens[2]);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(a).not.toContain("jane");
  });
});

describe("redact: pseudonymise and restore", () => {
  it("round-trips through the vault", () => {
    const vault = createVault();
    const red = redact(TEXT, FINDINGS, "pseudonymise", { vault });
    expect(red).toBe("Mail [EMAIL_1] or [EMAIL_2]; again [EMAIL_1]. Card [CREDIT_CARD_1].");
    expect(vault.size).toBe(3);
    expect(vault.restore(red)).toBe(TEXT);
    // The model's answer reuses placeholders in another order; unknown ones stay as they are.
    expect(vault.restore("Reply to [EMAIL_2], not [EMAIL_9] or [x]")).toBe(
      "Reply to bob@b.example, not [EMAIL_9] or [x]",
    );
  });

  it("keeps numbering across calls in one request", () => {
    const vault = createVault();
    redact("a jane@a.example", [at("a jane@a.example", "jane@a.example", "email")], "pseudonymise", {
      vault,
    });
    const second = redact(
      "b bob@b.example",
      [at("b bob@b.example", "bob@b.example", "email")],
      "pseudonymise",
      {
        vault,
      },
    );
    expect(second).toBe("b [EMAIL_2]");
  });

  it("requires a vault", () => {
    expect(() => redact(TEXT, FINDINGS, "pseudonymise")).toThrow(TypeError);
  });

  it("streaming restore equals whole restore at every split (property)", () => {
    const vault = createVault();
    const red = redact(TEXT, FINDINGS, "pseudonymise", { vault });
    const answer = `Sure: ${red} [not a placeholder [EMAIL_ and [EMAIL_1][CREDIT_CARD_1]`;
    const expected = vault.restore(answer);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: answer.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const r = vault.restorer();
        let out = "";
        let prev = 0;
        for (const p of [...points, answer.length]) {
          out += r.push(answer.slice(prev, p));
          prev = p;
        }
        out += r.end();
        expect(out).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("holds back only a bounded partial placeholder", () => {
    const vault = createVault();
    redact("x jane@a.example", [at("x jane@a.example", "jane@a.example", "email")], "pseudonymise", {
      vault,
    });
    const r = vault.restorer();
    expect(r.push("hello [EMA")).toBe("hello ");
    expect(r.pending).toBe(4);
    expect(r.push("IL_1] bye")).toBe("jane@a.example bye");
    // Ordinary brackets are not held.
    expect(r.push("see [note 1")).toBe("see [note 1");
    // A long bracketed run is released once it cannot be a placeholder.
    expect(r.push(`[${"A".repeat(60)}`)).toBe(`[${"A".repeat(60)}`);
    expect(r.end()).toBe("");
  });
});
