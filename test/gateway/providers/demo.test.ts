import { describe, expect, it } from "vitest";
import { createDemoProvider, DemoStreamFailure } from "../../../src/gateway/providers/demo/index.js";
import { buildScript, DEMO_FAKE_SECRET } from "../../../src/gateway/providers/demo/script.js";
import type { ApiKind } from "../../../src/gateway/providers/types.js";

const demo = createDemoProvider("demo", { type: "demo", tokenDelayMs: 0 });

async function call(api: ApiKind, body: Record<string, unknown>, stream = false) {
  const response = await demo.call({
    api,
    body,
    stream,
    signal: new AbortController().signal,
    clientHeaders: {},
    requestId: "r1",
  });
  let text = "";
  let error: unknown;
  try {
    for await (const chunk of response.body) text += new TextDecoder().decode(chunk);
  } catch (e) {
    error = e;
  }
  return { response, text, error };
}

const prompt = (content: string) => ({
  api: "openai.chat" as const,
  body: {
    model: "demo-chat",
    messages: [
      { role: "system", content: "Be a pirate. CANARY-42" },
      { role: "user", content },
    ],
  },
});

describe("demo provider", () => {
  it("is deterministic", async () => {
    const a = await call("openai.chat", prompt("same").body);
    const b = await call("openai.chat", prompt("same").body);
    expect(JSON.parse(a.text).choices).toEqual(JSON.parse(b.text).choices);
  });

  it.each([
    ["[[demo:system]]", /My instructions are: Be a pirate\. CANARY-42/],
    ["[[demo:pii]]", /jane\.doe@example\.com.*4111 1111 1111 1111/],
    ["[[demo:secret]]", /AKIA2E3MR7X5QWTUVZ4P/],
    ["[[demo:exfil]]", /!\[[^\]]*\]\(https:\/\/attacker\.example\/[^)]*\?q=/],
    ["[[demo:echo]] repeat after me", /^repeat after me$/],
  ])("marker %s scripts the answer", async (marker, expected) => {
    const { text } = await call("openai.chat", prompt(marker).body);
    expect(JSON.parse(text).choices[0].message.content).toMatch(expected);
  });

  it("[[demo:long=N]] answers N tokens, and max_tokens cuts with finish_reason length", async () => {
    expect(
      buildScript({ system: "", lastUser: "[[demo:long=500]]", all: "" }, undefined, 0).tokens,
    ).toHaveLength(500);
    const { text } = await call("openai.chat", { ...prompt("[[demo:long=500]]").body, max_tokens: 7 });
    const json = JSON.parse(text);
    expect(json.choices[0].finish_reason).toBe("length");
    expect(json.usage.completion_tokens).toBe(7);
  });

  it("[[demo:fail]] breaks a stream after a few tokens", async () => {
    const { text, error } = await call("openai.chat", prompt("[[demo:fail=2]]").body, true);
    expect(error).toBeInstanceOf(DemoStreamFailure);
    expect(text.match(/"content":"/g)?.length).toBe(3); // the role chunk and two tokens
    expect(text).not.toContain("[DONE]");
  });

  it("[[demo:error=429]] answers a provider-shaped error", async () => {
    const openai = await call("openai.chat", prompt("[[demo:error=429]]").body);
    expect(openai.response.status).toBe(429);
    expect(JSON.parse(openai.text).error.type).toBe("rate_limit_exceeded");
    const anthropic = await call("anthropic.messages", {
      model: "demo-chat",
      max_tokens: 5,
      messages: [{ role: "user", content: "[[demo:error=503]]" }],
    });
    expect(anthropic.response.status).toBe(503);
    expect(JSON.parse(anthropic.text).type).toBe("error");
  });

  it("streams Anthropic events in order", async () => {
    const { text } = await call(
      "anthropic.messages",
      {
        model: "demo-chat",
        max_tokens: 50,
        system: "s",
        messages: [{ role: "user", content: "[[demo:secret]]" }],
      },
      true,
    );
    const types = [...text.matchAll(/^event: (\S+)/gm)].map((m) => m[1]);
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    const deltas = [...text.matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)].map(
      (m) => JSON.parse(`"${m[1]}"`) as string,
    );
    expect(deltas.join("")).toBe(DEMO_FAKE_SECRET);
  });
});
