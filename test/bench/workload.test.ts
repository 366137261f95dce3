import { describe, expect, it } from "vitest";
import { PolicyTools } from "../../src/app/policy-tools.js";
import { compilePolicies, DEFAULT_POLICY } from "../../src/policy/index.js";
import {
  ANSWER,
  answerChunks,
  chatBody,
  PROMPTS,
  PROMPT_IDS,
  SYSTEM_PROMPT,
  type PromptId,
} from "../../bench/workload.js";

const content = (body: string) =>
  (JSON.parse(body) as { messages: { content: string }[] }).messages[1]!.content;

describe("bench prompts", () => {
  it.each(PROMPT_IDS)("%s: every body has exactly the variant's size, streamed or not", (id) => {
    for (let i = 0; i < 300; i++) {
      expect(Buffer.byteLength(chatBody(id, false, i * 7919))).toBe(PROMPTS[id].bytes);
      expect(Buffer.byteLength(chatBody(id, true, i * 7919))).toBe(PROMPTS[id].bytes);
    }
  });

  it("is deterministic, and no two requests of a run carry the same prompt", () => {
    expect(chatBody("1k", false, 42)).toBe(chatBody("1k", false, 42));
    const texts = new Set(Array.from({ length: 2000 }, (_, i) => content(chatBody("1k", false, i))));
    expect(texts.size).toBe(2000);
  });

  it("asks for a stream only when told, in the shape the mock recognises", () => {
    expect(chatBody("8k", true, 1)).toMatch(/"stream":true/);
    expect(chatBody("8k", false, 1)).not.toMatch(/"stream"/);
  });
});

describe("the bench workload under the shipped default policy", () => {
  const tools = new PolicyTools(compilePolicies([DEFAULT_POLICY]));
  const subject = { keyId: "key_bench", team: "default", model: "bench-chat" };
  const decide = (id: PromptId, i: number) =>
    tools.explain(content(chatBody(id, false, i)), subject, "prompt");

  it.each([
    ["1k", 150],
    ["8k", 25],
  ] as const)("%s prompts pass unchanged (nothing fires)", (id, n) => {
    for (let i = 0; i < n; i++) {
      const { decision, findings } = decide(id, i * 104_729);
      expect({ i, action: decision.action, findings }).toEqual({ i, action: "allow", findings: [] });
    }
  });

  it("email prompts get exactly one finding, the address, pseudonymised", () => {
    for (let i = 0; i < 40; i++) {
      const { decision, findings } = decide("email", i);
      expect(decision.action).toBe("redact");
      expect(findings.map((f) => [f.category, f.action])).toEqual([["pii", "pseudonymise"]]);
    }
  });

  it("the mock's answer passes output inspection and streams in several deltas", () => {
    const { decision, findings } = tools.explain(ANSWER, subject, "output", SYSTEM_PROMPT);
    expect(decision.action).toBe("allow");
    expect(findings).toEqual([]);
    expect(ANSWER.length).toBeGreaterThan(300);
    const chunks = answerChunks();
    expect(chunks.length).toBeGreaterThanOrEqual(8);
    expect(chunks.join("")).toBe(ANSWER);
  });
});
