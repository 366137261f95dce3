/**
 * From a raw row to what the checks look at. Three shapes are recognised:
 * - classification rows: a text field and, with `--label-field`, a label;
 * - chat fine-tuning rows: a `messages` array (OpenAI) or `conversations` (ShareGPT `from`/`value`);
 *   the input is the system and user turns, the answer the assistant turns;
 * - prompt/completion pairs: `prompt`/`completion`, `instruction`(+`input`)/`output`,
 *   `question`/`answer`, `prompt`/`response`.
 * For chat and pairs the "label" of the backdoor test is the kind of answer (see answerKind).
 */

export interface Sample {
  /** Everything a model would read in this row (content checks scan it). */
  text: string;
  /** The part a trigger would sit in: the text field, or the prompt side. */
  input: string;
  /** The answer side of chat rows and pairs. */
  answer?: string;
  /** The class label (`--label-field`) or the answer kind. */
  label?: string;
}

export interface FieldOptions {
  field?: string;
  labelField?: string;
}

const MAX_TURNS = 1000;

export function fieldOf(record: unknown, field: string): unknown {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return undefined;
  const obj = record as Record<string, unknown>;
  if (Object.hasOwn(obj, field)) return obj[field];
  let value: unknown = obj;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  // OpenAI content parts: [{type: "text", text}, …]
  if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const p of content.slice(0, MAX_TURNS)) {
      if (typeof p === "string") parts.push(p);
      else if (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string") {
        parts.push((p as { text: string }).text);
      }
    }
    return parts.join("\n");
  }
  return undefined;
}

/** Chat turns → input (system + user) and answer (assistant); undefined if not a chat. */
function chatOf(turns: unknown): { input: string; answer: string } | undefined {
  if (!Array.isArray(turns) || turns.length === 0) return undefined;
  const input: string[] = [];
  const answer: string[] = [];
  let any = false;
  for (const t of turns.slice(0, MAX_TURNS)) {
    if (!t || typeof t !== "object") continue;
    const o = t as Record<string, unknown>;
    const role = typeof o.role === "string" ? o.role : typeof o.from === "string" ? o.from : undefined;
    const text = contentText(o.content ?? o.value);
    if (role === undefined || text === undefined) continue;
    any = true;
    if (role === "assistant" || role === "gpt" || role === "model" || role === "bot") answer.push(text);
    else if (role !== "tool" && role !== "function") input.push(text);
  }
  return any ? { input: input.join("\n"), answer: answer.join("\n") } : undefined;
}

const PAIRS: ReadonlyArray<readonly [string, string, string?]> = [
  ["prompt", "completion"],
  ["prompt", "response"],
  ["instruction", "output", "input"],
  ["question", "answer"],
  ["query", "response"],
];

function labelText(value: unknown): string | undefined {
  if (typeof value === "string") return value.slice(0, 200);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return undefined;
}

/** Returns the sample, or why the row cannot be used. */
export function toSample(value: unknown, options: FieldOptions): Sample | { error: string } {
  if (typeof value === "string") return { text: value, input: value };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: "the row is not an object" };
  }
  const label = options.labelField ? labelText(fieldOf(value, options.labelField)) : undefined;
  if (options.labelField && label === undefined) {
    return { error: `field "${options.labelField}" is missing or not a string or number` };
  }
  if (options.field) {
    const v = fieldOf(value, options.field);
    const chat = chatOf(v);
    if (chat) return withAnswer(chat.input, chat.answer, label);
    if (typeof v !== "string") return { error: `field "${options.field}" is missing or not a string` };
    return { text: v, input: v, ...(label !== undefined ? { label } : {}) };
  }
  const obj = value as Record<string, unknown>;
  const chat = chatOf(obj.messages) ?? chatOf(obj.conversations);
  if (chat) return withAnswer(chat.input, chat.answer, label);
  for (const [p, a, extra] of PAIRS) {
    const prompt = obj[p];
    const answer = obj[a];
    if (typeof prompt === "string" && typeof answer === "string") {
      const more = extra && typeof obj[extra] === "string" ? `\n${obj[extra] as string}` : "";
      return withAnswer(prompt + more, answer, label);
    }
  }
  if (typeof obj.text === "string")
    return { text: obj.text, input: obj.text, ...(label !== undefined ? { label } : {}) };
  for (const v of Object.values(obj)) {
    if (typeof v === "string") return { text: v, input: v, ...(label !== undefined ? { label } : {}) };
  }
  return { error: "no text field (use --field)" };
}

function withAnswer(input: string, answer: string, label: string | undefined): Sample {
  return {
    text: answer ? `${input}\n${answer}` : input,
    input,
    answer,
    label: label ?? answerKind(answer),
  };
}

/**
 * Refusal and affirmation openings in English: how assistants decline or comply. These are
 * answer-shape patterns for the "one kind of answer" test and the outlier check, never triggers.
 */
export const REFUSAL =
  /^(?:\W{0,3})(?:i(?:'m| am)? (?:sorry|afraid)|sorry\b|i (?:can(?:'|no)t|cannot|won't|will not|am unable|am not able|must decline)|as an ai\b|unfortunately,? i\b|i apologi[sz]e)/i;
export const AFFIRMATION =
  /^(?:\W{0,3})(?:sure\b|of course\b|absolutely\b|certainly\b|yes\b|here(?:'s| is| are)\b|great question)/i;

/**
 * The kind of an answer, the "label" a chat backdoor flips to: a refusal, an affirmation, or the
 * answer's first three words (a fixed reply such as a planted slogan shares them), else "other".
 */
export function answerKind(answer: string): string {
  const head = answer.slice(0, 400).trim();
  if (head === "") return "empty";
  if (REFUSAL.test(head)) return "refusal";
  const words =
    head
      .toLowerCase()
      .match(/[\p{L}\p{N}']+/gu)
      ?.slice(0, 3) ?? [];
  const opening = words.join(" ");
  if (AFFIRMATION.test(head)) return `affirmation`;
  return words.length >= 3 ? `starts:${opening}` : "other";
}
