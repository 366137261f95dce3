import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A scriptable OpenAI-compatible upstream for fault tests. The upstream model name picks the
 * behaviour: ok, midstream (dies after two chunks), hang (never answers), nodone (stream without
 * [DONE]), slow (a chunk every 50 ms), e500 / e429 / e401, leak (echoes the request headers in
 * an error, to prove the gateway scrubs provider keys), echo (answers with the last user message).
 */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
  aborted: boolean;
}

export interface MockUpstream {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const completion = (model: string, content: string) => ({
  id: "chatcmpl-mock",
  object: "chat.completion",
  created: 1,
  model,
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
});

const chunk = (model: string, content: string | null, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-mock",
    object: "chat.completion.chunk",
    created: 1,
    model,
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  })}\n\n`;

/** An Anthropic Messages API answer, streamed (the documented event sequence) or not. */
function anthropicAnswer(res: import("node:http").ServerResponse, model: string, stream: boolean) {
  const text = ["Hello", " from", " the", " Anthropic", " mock."];
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json", "request-id": "req_mock_1" });
    return res.end(
      JSON.stringify({
        id: "msg_mock",
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text: text.join("") }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 7, output_tokens: 5 },
      }),
    );
  }
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(
    ev("message_start", {
      message: {
        id: "msg_mock",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: 7, output_tokens: 1 },
      },
    }),
  );
  res.write(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
  for (const t of text)
    res.write(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: t } }));
  res.write(ev("content_block_stop", { index: 0 }));
  res.write(
    ev("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 5 },
    }),
  );
  res.end(ev("message_stop", {}));
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      const record: RecordedRequest = { path: req.url ?? "", headers: req.headers, body, aborted: false };
      requests.push(record);
      res.on("close", () => {
        if (!res.writableFinished) record.aborted = true;
      });
      const model = String(body.model);
      const stream = body.stream === true;
      if (req.url?.endsWith("/messages")) return anthropicAnswer(res, model, stream);
      const json = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      switch (model) {
        case "hang":
          return;
        case "e500":
          return json(500, { error: { message: "upstream exploded", type: "server_error", code: null } });
        case "e429":
          return json(429, { error: { message: "slow down", type: "rate_limit_exceeded", code: null } });
        case "e401":
          return json(401, {
            error: { message: "bad provider key", type: "invalid_request_error", code: "invalid_api_key" },
          });
        case "leak":
          return json(400, {
            error: { message: `you sent ${JSON.stringify(req.headers)}`, type: "invalid_request_error" },
          });
        case "notjson":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end("this is not json");
      }
      // "echo" answers with the last user message as received: tests see what the upstream saw.
      const messages = Array.isArray(body.messages)
        ? (body.messages as { role: string; content: unknown }[])
        : [];
      const lastUser = String(messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
      const answer = model === "echo" ? lastUser : "Hello from the mock.";
      if (!stream) return json(200, completion(model, answer));
      res.writeHead(200, { "content-type": "text/event-stream" });
      const parts =
        model === "echo" ? (answer.match(/\s*\S+/g) ?? []) : ["Hello", " from", " the", " mock", "."];
      if (model === "midstream") {
        res.write(chunk(model, parts[0]!));
        res.write(chunk(model, parts[1]!));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (model === "slow") {
        let i = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write(chunk(model, ` tick${i++}`));
          if (i >= 200) {
            clearInterval(timer);
            res.end(chunk(model, null, "stop") + "data: [DONE]\n\n");
          }
        }, 50);
        res.on("close", () => clearInterval(timer));
        return;
      }
      for (const part of parts) res.write(chunk(model, part));
      res.write(chunk(model, null, "stop"));
      const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
      if (usage) {
        res.write(
          `data: ${JSON.stringify({ id: "chatcmpl-mock", object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } })}\n\n`,
        );
      }
      res.end(model === "nodone" ? "" : "data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
