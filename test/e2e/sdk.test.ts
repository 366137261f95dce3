import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type StartedGateway } from "./helpers/gateway.js";

/** The official clients, pointed at the gateway, with a Portcullis key: everything keeps working. */
describe("official SDKs against the gateway (demo provider)", () => {
  let gateway: StartedGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gateway = await startGateway();
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.adminKey, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: gateway.adminKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it("openai: chat completion", async () => {
    const completion = await openai.chat.completions.create({
      model: "demo-chat",
      messages: [{ role: "user", content: "Hello there" }],
    });
    expect(completion.choices[0]!.message.content).toContain('You said: "Hello there"');
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("openai: streamed chat completion arrives token by token", async () => {
    const stream = await openai.chat.completions.create({
      model: "demo-chat",
      stream: true,
      messages: [{ role: "user", content: "Stream please" }],
    });
    const pieces: string[] = [];
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      const piece = chunk.choices[0]?.delta?.content;
      if (piece) pieces.push(piece);
    }
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join("")).toContain('You said: "Stream please"');
    // The gateway asks the provider for usage but hides that chunk from clients that did not ask.
    expect(sawUsage).toBe(false);
  });

  it("openai: stream with include_usage gets the usage chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: "demo-chat",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "count" }],
    });
    let usage: number | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage.completion_tokens;
    expect(usage).toBeGreaterThan(0);
  });

  it("openai: legacy completions, streamed and not", async () => {
    const completion = await openai.completions.create({ model: "demo-chat", prompt: "Say hi" });
    expect(completion.choices[0]!.text).toContain("Say hi");
    const stream = await openai.completions.create({ model: "demo-chat", prompt: "Say hi", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toContain("Say hi");
  });

  it("openai: embeddings (the SDK asks for base64 by default)", async () => {
    const result = await openai.embeddings.create({
      model: "demo-embed",
      input: ["a cat", "a cat", "tax law"],
    });
    expect(result.data).toHaveLength(3);
    const [a, b, c] = result.data.map((d) => d.embedding);
    expect(a).toHaveLength(64);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("openai: models list shows the models the key may use", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["demo-chat", "demo-embed"]);
  });

  it("openai: errors surface as typed SDK errors with the PCX code", async () => {
    const error = await openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("PCX_MODEL_NOT_FOUND");
  });

  it("anthropic: message", async () => {
    const message = await anthropic.messages.create({
      model: "demo-chat",
      max_tokens: 100,
      system: "You are terse.",
      messages: [{ role: "user", content: "Hi Claude-shaped API" }],
    });
    const block = message.content[0]!;
    expect(block.type).toBe("text");
    expect(block.type === "text" && block.text).toContain("Hi Claude-shaped API");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("anthropic: streamed message", async () => {
    const stream = anthropic.messages.stream({
      model: "demo-chat",
      max_tokens: 100,
      messages: [{ role: "user", content: "stream it" }],
    });
    const deltas: string[] = [];
    stream.on("text", (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(5);
    const block = final.content[0]!;
    expect(block.type === "text" && block.text).toBe(deltas.join(""));
    expect(final.stop_reason).toBe("end_turn");
  });

  it("anthropic: max_tokens cuts the answer and says so", async () => {
    const message = await anthropic.messages.create({
      model: "demo-chat",
      max_tokens: 3,
      messages: [{ role: "user", content: "a long question with many words" }],
    });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(3);
  });

  it("anthropic: errors use the Anthropic shape", async () => {
    const error = await anthropic.messages
      .create({ model: "demo-chat", max_tokens: 10, messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as {
      type: string;
      error: { code: string };
    };
    expect(body.type).toBe("error");
    expect(body.error.code).toBe("PCX_INVALID_REQUEST");
  });
});
