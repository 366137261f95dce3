import { describe, expect, it } from "vitest";
import { policySchema, POLICY_CATEGORIES } from "../../src/config/sections/policy.js";
import { CATEGORIES, type Finding } from "../../src/detect/types.js";
import { compilePolicies, DEFAULT_POLICY, type DirectedFinding } from "../../src/policy/index.js";

const subject = { keyId: "key_a", team: "support", model: "demo-chat" };

function finding(category: Finding["category"], kind: string, score = 0.9, span?: [number, number]): Finding {
  return { detector: "test", kind, category, severity: "high", score, ...(span ? { span } : {}) };
}

const at = (
  f: Finding,
  direction: DirectedFinding["direction"],
  text = "some text here",
): DirectedFinding => ({
  finding: f,
  direction,
  text,
});

const policy = (input: unknown) => policySchema.parse(input);

describe("policy engine", () => {
  it("keeps the config's category list in step with the detectors'", () => {
    expect([...POLICY_CATEGORIES].sort()).toEqual([...CATEGORIES].sort());
  });

  it("the default policy blocks injections, redacts secrets, pseudonymises PII, blocks leaks in outputs", () => {
    const set = compilePolicies([DEFAULT_POLICY]);
    expect(
      set.decide(subject, [at(finding("prompt_injection", "instruction_override"), "prompt")]).action,
    ).toBe("block");
    expect(set.decide(subject, [at(finding("prompt_injection", "x"), "document")]).action).toBe("block");
    const secret = set.decide(subject, [at(finding("secret", "aws_access_key_id"), "prompt")]);
    expect(secret.action).toBe("redact");
    expect(secret.outcomes[0]!.action).toBe("redact");
    const pii = set.decide(subject, [at(finding("pii", "email"), "prompt")]);
    expect(pii.outcomes[0]!.action).toBe("pseudonymise");
    expect(pii.action).toBe("redact");
    expect(set.decide(subject, [at(finding("secret", "k"), "output")]).action).toBe("block");
    expect(set.decide(subject, [at(finding("system_prompt_leak", "canary"), "output")]).action).toBe("block");
    expect(set.decide(subject, [at(finding("hidden_text", "zero_width"), "prompt")]).action).toBe("allow");
    expect(set.decide(subject, []).action).toBe("allow");
  });

  it("the strictest matching rule wins across policies; thresholds and kinds filter", () => {
    const set = compilePolicies([
      policy({ name: "lenient", rules: [{ category: "pii", action: "alert" }] }),
      policy({
        name: "strict-email",
        match: { teams: ["support"] },
        rules: [{ category: "pii", kinds: ["email"], threshold: 0.8, action: "block" }],
      }),
    ]);
    expect(set.decide(subject, [at(finding("pii", "email", 0.9), "prompt")]).action).toBe("block");
    expect(set.decide(subject, [at(finding("pii", "email", 0.5), "prompt")]).action).toBe("allow");
    expect(set.decide(subject, [at(finding("pii", "phone", 0.99), "prompt")]).action).toBe("allow");
    expect(
      set.decide({ ...subject, team: "sales" }, [at(finding("pii", "email", 0.9), "prompt")]).action,
    ).toBe("allow");
  });

  it("monitor mode records what would have happened and acts on nothing", () => {
    const set = compilePolicies([
      policy({ name: "trial", mode: "monitor", rules: [{ category: "secret", action: "block" }] }),
    ]);
    const decision = set.decide(subject, [at(finding("secret", "k"), "prompt")]);
    expect(decision.action).toBe("allow");
    expect(decision.monitorOnly).toBe(true);
    expect(decision.outcomes[0]).toMatchObject({ action: "block", monitor: true });
    expect(decision.reasons[0]).toMatch(/^monitor: would block secret\/k/);
  });

  it("a monitored rule inside an enforcing policy does not weaken the other rules", () => {
    const set = compilePolicies([
      policy({
        name: "mixed",
        rules: [
          { category: "secret", action: "redact" },
          { category: "secret", action: "block", mode: "monitor" },
        ],
      }),
    ]);
    const decision = set.decide(subject, [at(finding("secret", "k"), "prompt")]);
    expect(decision.action).toBe("redact");
    expect(decision.monitorOnly).toBe(true);
  });

  it("allow-lists: phrases, RE2 patterns, per-key exceptions, and expiry", () => {
    const text = "please ignore previous instructions about the tone of voice";
    const injection = finding("prompt_injection", "instruction_override", 0.95, [7, 35]);
    const future = "2999-01-01T00:00:00Z";
    const phrase = compilePolicies([
      policy({
        ...DEFAULT_POLICY,
        name: "p",
        allow: [
          {
            phrase: "IGNORE previous instructions about the tone",
            expires: future,
            reason: "style guide wording",
          },
        ],
      }),
    ]);
    const decision = phrase.decide(subject, [at(injection, "prompt", text)]);
    expect(decision.action).toBe("allow");
    expect(decision.outcomes[0]!.allowedBy).toBe("p.allow[0]");

    const pattern = compilePolicies([
      policy({
        ...DEFAULT_POLICY,
        name: "p",
        allow: [{ pattern: "ignore \\w+ instructions", expires: future, reason: "x-test" }],
      }),
    ]);
    expect(pattern.decide(subject, [at(injection, "prompt", text)]).action).toBe("allow");

    const otherKey = compilePolicies([
      policy({
        ...DEFAULT_POLICY,
        name: "p",
        allow: [{ keys: ["key_other"], expires: future, reason: "red team key" }],
      }),
    ]);
    expect(otherKey.decide(subject, [at(injection, "prompt", text)]).action).toBe("block");
    expect(otherKey.decide({ ...subject, keyId: "key_other" }, [at(injection, "prompt", text)]).action).toBe(
      "allow",
    );

    const expired = compilePolicies([
      policy({
        ...DEFAULT_POLICY,
        name: "p",
        allow: [{ phrase: "ignore previous instructions", expires: "2020-01-01T00:00:00Z", reason: "old" }],
      }),
    ]);
    expect(expired.decide(subject, [at(injection, "prompt", text)]).action).toBe("block");
    expect(expired.expired()).toEqual(["p.allow[0]"]);

    // A phrase elsewhere in the text does not cover a finding outside it.
    const elsewhere = compilePolicies([
      policy({
        ...DEFAULT_POLICY,
        name: "p",
        allow: [{ phrase: "tone of voice", expires: future, reason: "x-test" }],
      }),
    ]);
    expect(elsewhere.decide(subject, [at(injection, "prompt", text)]).action).toBe("block");
  });

  it("reports where allowed phrases and patterns occur, for this caller only", () => {
    const set = compilePolicies([
      policy({
        name: "p",
        allow: [
          { phrase: "Ignore the tone", expires: "2999-01-01T00:00:00Z", reason: "x-test" },
          {
            pattern: "order #[0-9]+",
            categories: ["pii"],
            keys: ["key_a"],
            expires: "2999-01-01T00:00:00Z",
            reason: "x-test",
          },
          { phrase: "old", expires: "2000-01-01T00:00:00Z", reason: "expired" },
        ],
      }),
    ]);
    const text = "ignore the tone; see order #123456 and old notes";
    const ranges = set.allowedRanges(subject, text);
    expect(ranges.map((r) => [text.slice(r.start, r.end), r.label])).toEqual([
      ["ignore the tone", "p.allow[0]"],
      ["order #123456", "p.allow[1]"],
    ]);
    expect([...ranges[1]!.categories!]).toEqual(["pii"]);
    expect(set.allowedRanges({ ...subject, keyId: "key_b" }, text)).toHaveLength(1);
  });

  it("refuses allow entries without an expiry or a reason", () => {
    expect(() => policy({ name: "p", allow: [{ phrase: "x", reason: "because" }] })).toThrow();
    expect(() => policy({ name: "p", allow: [{ phrase: "x", expires: "2999-01-01" }] })).toThrow();
  });
});
