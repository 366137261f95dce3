import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { performance } from "node:perf_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import { countPrompt, encodingFor, loadEncodings, TokenCounter } from "../../src/limits/index.js";

const AS_TEXT = { disallowedSpecial: new Set<string>() };

describe("prompt token counting", () => {
  /** Exactness tests get a generous time budget: a loaded machine must not turn them into estimates. */
  let counter: TokenCounter;
  let budgeted: TokenCounter;
  beforeAll(async () => {
    await loadEncodings(["o200k_base", "cl100k_base"]);
    counter = new TokenCounter("o200k_base", 10_000);
    budgeted = new TokenCounter("o200k_base");
  });

  it("picks the encoding by model family", () => {
    expect(encodingFor("gpt-4o-mini")).toBe("o200k_base");
    expect(encodingFor("gpt-5")).toBe("o200k_base");
    expect(encodingFor("o3-mini")).toBe("o200k_base");
    expect(encodingFor("gpt-4-turbo")).toBe("cl100k_base");
    expect(encodingFor("gpt-3.5-turbo")).toBe("cl100k_base");
    expect(encodingFor("text-embedding-3-small")).toBe("cl100k_base");
    expect(encodingFor("claude-sonnet-4-5")).toBe("cl100k_base");
    expect(encodingFor("llama-3.1-70b")).toBe("o200k_base");
  });

  it("counts exactly what the tokenizer counts, also across chunk boundaries", () => {
    const prose = "The quick brown fox jumps over the lazy dog, again and again. ".repeat(200);
    counter.start().text(prose);
    expect(counter.estimated).toBe(false);
    // Cuts fall before a space that follows a word: the same pieces as one call.
    expect(counter.tokens).toBe(o200k(prose, AS_TEXT));
    counter.start().text("hello");
    expect(counter.tokens).toBe(o200k("hello"));
  });

  it("remembers the counts of long texts (a conversation resent every turn) and gives the same answer", () => {
    const history = "Earlier in this conversation we discussed the migration plan in detail. ".repeat(40);
    counter.start().text(history);
    const first = counter.tokens;
    expect(first).toBe(o200k(history, AS_TEXT));
    const copy = (" " + history).slice(1); // an equal string, a different object (as JSON.parse makes)
    const started = performance.now();
    for (let i = 0; i < 100; i++) counter.start().text(copy);
    expect(counter.tokens).toBe(first);
    expect((performance.now() - started) / 100).toBeLessThan(50); // µs-scale, not a tokenizer pass
  });

  it("counts special-token text as text instead of throwing", () => {
    counter.start().text("hi <|endoftext|> there <|im_start|>");
    expect(counter.tokens).toBeGreaterThan(5);
  });

  it("adds OpenAI's chat framing: 3 per message, 1 per name, 3 to prime the reply", () => {
    const body = {
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hello", name: "ann" },
      ],
    };
    counter.start();
    countPrompt("openai.chat", body, counter);
    const text = o200k("system") + o200k("You are terse.") + o200k("user") + o200k("Hello") + o200k("ann");
    expect(counter.tokens).toBe(text + 3 + 3 + 1 + 3);
  });

  it("counts parts, images, tools, token-id prompts and Anthropic system blocks", () => {
    counter.start();
    countPrompt(
      "openai.chat",
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "describe" },
              { type: "image_url", image_url: { url: "data:..." } },
            ],
          },
        ],
        tools: [{ type: "function", function: { name: "f", parameters: {} } }],
      },
      counter,
    );
    expect(counter.tokens).toBeGreaterThan(1000);
    counter.start();
    countPrompt(
      "openai.completions",
      {
        prompt: [
          [1, 2, 3],
          [4, 5],
        ],
      },
      counter,
    );
    expect(counter.tokens).toBe(5);
    counter.start();
    countPrompt("openai.embeddings", { input: ["a b", "c"] }, counter);
    expect(counter.tokens).toBe(o200k("a b") + o200k("c"));
    counter.start();
    countPrompt(
      "anthropic.messages",
      { system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: "Hi" }] },
      counter,
    );
    expect(counter.tokens).toBe(o200k("Be brief.") + o200k("Hi") + 3 + 3 + 3);
  });

  it("stays cheap on adversarial text: one unbroken 64 KB word, 256 KB of base64", () => {
    const word = "a".repeat(65_536);
    let started = performance.now();
    budgeted.start().text(word);
    // Unchunked, gpt-tokenizer takes seconds on this; chunked it is bounded by the budget.
    expect(performance.now() - started).toBeLessThan(200);
    expect(budgeted.tokens).toBeGreaterThan(1000);

    const b64 = Buffer.from(Array.from({ length: 196_608 }, (_, i) => (i * 7919) % 251)).toString("base64");
    started = performance.now();
    budgeted.start().text(b64);
    expect(performance.now() - started).toBeLessThan(200);
    expect(budgeted.estimated).toBe(true);
    // The estimated rest keeps at least the ratio seen: no under-count to slip past a limit.
    expect(budgeted.tokens).toBeGreaterThan(b64.length * 0.25);
  });
});
