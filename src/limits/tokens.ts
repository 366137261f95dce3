import { performance } from "node:perf_hooks";

/**
 * Prompt token counting with a real BPE tokenizer (gpt-tokenizer), picked by model family, at a
 * bounded cost.
 *
 * Why bounded: gpt-tokenizer's byte-pair merge is quadratic in the length of one pre-tokenized
 * piece and slow on text with few repeated pieces (measured on this machine: ~50–500 µs per KB of
 * prose, ~2 ms per KB of base64 or CJK text, 5 s for 64 KB of one unbroken word). A 1 MiB body
 * counted naively could stall the event loop for seconds. So text is fed in chunks cut at word
 * boundaries (no piece is longer than a chunk), and once a request has used its time budget the
 * rest is estimated from the ratio seen so far. The provider's own usage corrects the charge after
 * the answer, so an estimate only ever affects the up-front reservation.
 */

export type EncodingName = "o200k_base" | "cl100k_base";

interface Encoding {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/**
 * Special-token text (`<|endoftext|>`) in a prompt is counted as ordinary text: by default the
 * tokenizer throws on it, which would let any caller fail the check.
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Characters per tokenizer call, about: chunks end on a word boundary. */
const CHUNK = 2048;
/** A run with no whitespace is cut this short, which bounds the quadratic merge of one piece. */
const HARD_CUT = 256;
/** Time one request may spend counting exactly before the rest is estimated. */
export const COUNT_BUDGET_MS = 3;
/** Tokens per UTF-16 unit assumed for the estimated rest when less was seen (English prose is ~0.22). */
const MIN_ESTIMATE_RATIO = 0.25;
/**
 * Counts of long texts are remembered: chat clients resend the system prompt and the whole
 * conversation on every turn, so all but the newest message have been counted before. Looking a
 * text up hashes it (~1 µs per KB) instead of tokenizing it (~100 µs per KB). Bounded by the
 * characters held, so unique texts from a flood only churn it.
 */
const CACHE_MIN_CHARS = 256;
const CACHE_MAX_CHARS = 4 * 1024 * 1024;

/**
 * The encoding for a model, by family. OpenAI's current models (GPT-4o, 4.1, 4.5, 5, o-series,
 * gpt-oss) use o200k_base; GPT-4, GPT-3.5 and the embedding models cl100k_base. Anthropic does not
 * publish Claude's tokenizer: cl100k_base stands in, counting somewhat more tokens than o200k_base
 * on the same text (the safer side for a limit). Other models (open weights behind vLLM or Ollama,
 * the demo model) get o200k_base as an estimate.
 */
export function encodingFor(model: string): EncodingName {
  const name = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o[1-9]|gpt-oss|codex)/.test(name)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5|text-embedding-|claude)/.test(name)) return "cl100k_base";
  return "o200k_base";
}

const loaded = new Map<EncodingName, Encoding>();

/**
 * Loads encodings once (each costs ~0.3 s and ~35 MB of heap, so only the families the configured
 * models need are loaded, at start-up rather than on a first request).
 */
export async function loadEncodings(names: Iterable<EncodingName>): Promise<void> {
  for (const name of new Set(names)) {
    if (loaded.has(name)) continue;
    const module = (
      name === "o200k_base"
        ? await import("gpt-tokenizer/encoding/o200k_base")
        : await import("gpt-tokenizer/encoding/cl100k_base")
    ) as Encoding;
    loaded.set(name, module);
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/**
 * Counts the tokens of one request's texts. One instance per encoding, reused by every request:
 * `start` resets it (the count runs synchronously, so requests cannot interleave).
 */
export class TokenCounter {
  private readonly encoding: Encoding;
  tokens = 0;
  private counted = 0;
  private startedAt = 0;
  private exhausted = false;
  /** Whether part of the count is an estimate (the budget ran out). */
  estimated = false;
  private readonly cache = new Map<string, number>();
  private cachedChars = 0;

  constructor(
    readonly name: EncodingName,
    private readonly budgetMs = COUNT_BUDGET_MS,
  ) {
    const encoding = loaded.get(name);
    if (!encoding) throw new Error(`encoding ${name} is not loaded (call loadEncodings first)`);
    this.encoding = encoding;
  }

  start(): this {
    this.tokens = 0;
    this.counted = 0;
    this.startedAt = performance.now();
    this.exhausted = false;
    this.estimated = false;
    return this;
  }

  /** Adds a fixed number of tokens (message framing, images). */
  add(tokens: number): void {
    this.tokens += tokens;
  }

  text(text: string): void {
    const length = text.length;
    if (length === 0) return;
    if (length >= CACHE_MIN_CHARS) {
      const known = this.cache.get(text);
      if (known !== undefined) {
        this.tokens += known;
        return;
      }
      if (!this.exhausted) {
        const before = this.tokens;
        this.exact(text);
        if (!this.estimated) this.remember(text, this.tokens - before);
        return;
      }
    }
    if (this.exhausted) return this.estimate(length);
    this.exact(text);
  }

  private remember(text: string, tokens: number): void {
    this.cache.set(text, tokens);
    this.cachedChars += text.length;
    // Oldest first (Map keeps insertion order): enough to keep a conversation's prefix warm.
    while (this.cachedChars > CACHE_MAX_CHARS) {
      const oldest = this.cache.keys().next().value!;
      this.cachedChars -= oldest.length;
      this.cache.delete(oldest);
    }
  }

  /**
   * Counts `text` exactly, in chunks: a chunk ends just before a whitespace that follows a word
   * once it is CHUNK long (so the next chunk starts with " word", as the tokenizer's pre-split would
   * cut it anyway), and any run of HARD_CUT characters without whitespace is cut (which bounds the
   * quadratic merge of one piece). One linear scan of char codes decides the cuts.
   */
  private exact(text: string): void {
    const length = text.length;
    if (length <= HARD_CUT) {
      this.tokens += this.encoding.countTokens(text, AS_TEXT);
      this.counted += length;
      this.checkBudget();
      return;
    }
    let chunkStart = 0;
    let runStart = 0;
    let boundary = -1;
    for (let i = 1; i <= length; i++) {
      let cut = -1;
      if (i === length) cut = length;
      else if (isSpace(text.charCodeAt(i))) {
        if (!isSpace(text.charCodeAt(i - 1))) boundary = i;
        runStart = i + 1;
        if (i - chunkStart >= CHUNK && boundary > chunkStart) cut = boundary;
      } else if (i - runStart >= HARD_CUT) {
        cut = i;
        runStart = i;
      }
      if (cut < 0) continue;
      this.tokens += this.encoding.countTokens(
        chunkStart === 0 && cut === length ? text : text.slice(chunkStart, cut),
        AS_TEXT,
      );
      this.counted += cut - chunkStart;
      chunkStart = cut;
      if (cut < length && this.checkBudget()) return this.estimate(length - cut);
    }
  }

  private checkBudget(): boolean {
    if (!this.exhausted && performance.now() - this.startedAt > this.budgetMs) this.exhausted = true;
    return this.exhausted;
  }

  private estimate(chars: number): void {
    this.estimated = true;
    const ratio = this.counted > 0 ? this.tokens / this.counted : 0;
    this.tokens += Math.ceil(chars * Math.max(ratio, MIN_ESTIMATE_RATIO));
  }
}
