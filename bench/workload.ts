/**
 * What every path is asked: one chat completion with a 1 KB body (the size the issue fixes), the
 * same bytes for the mock, nginx and Portcullis so that only the path between them differs.
 */

export const CHAT_PATH = "/v1/chat/completions";
export const MODEL = "bench-chat";
export const BODY_BYTES = 1024;

const SENTENCE = "Summarise the quarterly report for the board and list three risks with owners. ";

/** A chat request body of exactly `BODY_BYTES` bytes (ASCII, so characters are bytes). */
export function chatBody(stream: boolean): string {
  const skeleton = (content: string) =>
    JSON.stringify({
      model: MODEL,
      messages: [{ role: "user", content }],
      max_tokens: 64,
      ...(stream ? { stream: true } : {}),
    });
  const room = BODY_BYTES - skeleton("").length;
  const content = SENTENCE.repeat(Math.ceil(room / SENTENCE.length)).slice(0, room);
  return skeleton(content);
}

/** A path under test: where to send the request and with which headers. */
export interface Target {
  /** `a`, `b` or `c`, as the issue names them. */
  id: "a" | "b" | "c";
  label: string;
  origin: string;
  headers: Record<string, string>;
}

export function requestHeaders(apiKey: string): Record<string, string> {
  return { "content-type": "application/json", authorization: `Bearer ${apiKey}` };
}
