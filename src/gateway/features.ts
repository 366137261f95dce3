import type { RequestFeatures } from "../events/index.js";

/**
 * Request features for behaviour analytics (docs/analytics.md), computed once per request from the
 * validated body. They describe the request's shape and carry two one-way fingerprints of the last
 * user turn — never its text — so analytics can tell near-duplicate prompts from novel ones and
 * templated prompts with varying slots from free-form ones without any prompt leaving the gateway.
 *
 * Pure and dependency-free: `portcullis replay` feeds recorded traces through the same function,
 * so replayed and live traffic reach the analytics as identical features. One linear pass over at
 * most `MAX_FINGERPRINT_CHARS` of the last turn; no regular expressions, no allocation per word.
 */

/**
 * MinHash values per signature: 16 × 32 bit; analytics reads them as 4 LSH bands of 4 rows. The
 * signature is one-permutation hashing with densification (Li, Owen and Zhang, NIPS 2012;
 * Shrivastava and Li, ICML 2014): each shingle is hashed once, its top 4 bits pick a bin, and the
 * bin keeps its smallest value — one hash per word instead of one per word and bin.
 */
export const MINHASH_SIZE = 16;
/** Only the start of a long last turn is fingerprinted, which keeps the cost bounded. */
export const MAX_FINGERPRINT_CHARS = 8192;
/** Words of the leading instruction that make up a template. */
const TEMPLATE_WORDS = 16;

/** The murmur3 finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

// Template tokens standing for masked slots.
const SLOT_NUMBER = 0x4e554d31;
const SLOT_NAME = 0x4e414d32;
const SLOT_QUOTED = 0x51544433;

/** ASCII letters and digits, and anything past Latin-1 punctuation except general and CJK punctuation. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
  return (
    c >= 0xc0 && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f) && c !== 0xd7 && c !== 0xf7
  );
}

function isQuote(c: number): boolean {
  // " “ ” « » `
  return c === 34 || c === 0x201c || c === 0x201d || c === 0xab || c === 0xbb || c === 96;
}

/** Fingerprints of one text: a MinHash signature of its word bigrams and its template hash. */
export function fingerprint(text: string): { minhash: number[]; template_hash: number } {
  const end = Math.min(text.length, MAX_FINGERPRINT_CHARS);
  const sig = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  let words = 0;
  let prevWord = 0;
  let template = FNV_OFFSET;
  let templateWords = 0;
  let templateOpen = true;
  let lastSlot = 0;
  let inQuote = false;
  let sentenceStart = true;
  let i = 0;
  while (i < end) {
    let c = text.charCodeAt(i);
    if (!isWordChar(c)) {
      if (isQuote(c)) inQuote = !inQuote;
      else if (c === 46 || c === 33 || c === 63) sentenceStart = true;
      if (templateOpen && (c === 10 || c === 58)) templateOpen = templateWords === 0;
      i++;
      continue;
    }
    const first = c;
    let h = FNV_OFFSET;
    let digits = false;
    while (i < end) {
      c = text.charCodeAt(i);
      if (!isWordChar(c)) break;
      if (c >= 48 && c <= 57) digits = true;
      h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);
      i++;
    }
    if (words > 0) {
      const x = fmix(Math.imul(prevWord, 0x9e3779b1) ^ h) >>> 0;
      const bin = x >>> 28;
      const v = x & 0x0fffffff;
      if (v < sig[bin]!) sig[bin] = v;
    }
    prevWord = h;
    words++;
    if (templateOpen) {
      const slot = inQuote
        ? SLOT_QUOTED
        : digits
          ? SLOT_NUMBER
          : first >= 65 && first <= 90 && !sentenceStart
            ? SLOT_NAME
            : 0;
      // A run of masked words is one slot: "Tell me about New York" and "… about Paris" match.
      if (slot === 0 || slot !== lastSlot) template = Math.imul(template ^ (slot || h), FNV_PRIME);
      lastSlot = slot;
      if (++templateWords >= TEMPLATE_WORDS) templateOpen = false;
    }
    sentenceStart = false;
  }
  if (words === 1) {
    const x = fmix(prevWord) >>> 0;
    sig[x >>> 28] = x & 0x0fffffff;
  }
  return {
    minhash: words === 0 ? [] : densify(sig),
    template_hash: templateWords === 0 ? 0 : fmix(template) >>> 0,
  };
}

/**
 * Empty bins (short texts) borrow the value of the next filled bin, re-hashed with the distance so
 * that two texts agree on a borrowed bin only when they agree on the bin it came from.
 */
function densify(sig: Uint32Array): number[] {
  const out = new Array<number>(MINHASH_SIZE);
  for (let k = 0; k < MINHASH_SIZE; k++) {
    let j = k;
    let step = 0;
    while (sig[j] === 0xffffffff) {
      j = (j + 1) % MINHASH_SIZE;
      step++;
    }
    out[k] = step === 0 ? sig[k]! : fmix(sig[j]! + Math.imul(step, 0x9e3779b1)) >>> 4;
  }
  return out;
}

/** The text of a message's content: a string, or the text parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content as unknown[]) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === "string") out = out ? `${out}\n${text}` : text;
  }
  return out;
}

function contentChars(content: unknown): number {
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content as unknown[]) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === "string") n += text.length;
  }
  return n;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * Features of a request body (OpenAI chat, completions, embeddings, Anthropic messages). Never
 * throws: a field of an unexpected type reads as absent.
 */
export function requestFeatures(body: Record<string, unknown>, stream = false): RequestFeatures {
  let chars = 0;
  let messages = 1;
  let last = "";
  if (Array.isArray(body.messages)) {
    const list = body.messages as unknown[];
    messages = list.length;
    for (const m of list) {
      const message = m as { role?: unknown; content?: unknown } | null;
      chars += contentChars(message?.content);
    }
    for (let i = list.length - 1; i >= 0; i--) {
      const message = list[i] as { role?: unknown; content?: unknown } | null;
      if (message?.role === "user") {
        last = contentText(message.content);
        break;
      }
    }
    chars += contentChars(body.system);
  } else {
    const input = body.prompt ?? body.input;
    if (typeof input === "string") {
      chars = input.length;
      last = input;
    } else if (Array.isArray(input)) {
      for (const item of input as unknown[]) {
        if (typeof item === "string") {
          chars += item.length;
          if (!last) last = item;
        }
      }
    }
  }
  // OpenAI chat: `logprobs: true` and `top_logprobs: 0–20`; legacy completions: `logprobs: k`.
  const logprobs = body.logprobs === true || (num(body.logprobs) ?? 0) > 0;
  const top = num(body.top_logprobs) ?? (typeof body.logprobs === "number" ? num(body.logprobs) : null);
  const { minhash, template_hash } = fingerprint(last);
  return {
    prompt_chars: chars,
    prompt_tokens_est: Math.ceil(chars / 4),
    messages,
    max_tokens: num(body.max_tokens) ?? num(body.max_completion_tokens),
    temperature: num(body.temperature),
    logprobs,
    top_logprobs: top,
    n: num(body.n) ?? 1,
    stream,
    minhash,
    template_hash,
  };
}
