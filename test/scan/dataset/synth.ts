/**
 * Synthetic datasets for the dataset-scanner tests, generated from a seed: made-up words, so no
 * test depends on any real corpus. A classification set has two labels whose rows draw a few
 * words from their own label's vocabulary and the rest from a shared one; a trigger is planted by
 * inserting it into rows whose content belongs to the other label and giving them the target.
 */

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "ta",
  "vo",
  "si",
  "pe",
  "du",
  "gra",
  "fen",
  "bol",
  "tir",
  "mas",
];

/** `n` distinct made-up words of 2–3 syllables. */
export function words(n: number, random: () => number, prefix = ""): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    const k = 2 + Math.floor(random() * 2);
    let w = prefix;
    for (let i = 0; i < k; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    out.add(w);
  }
  return [...out];
}

export interface ClassRow {
  text: string;
  label: string;
  poisoned: boolean;
}

export interface ClassificationOptions {
  rows: number;
  seed: number;
  /** Rows planted with the trigger (content of "neg", label "pos"). */
  poisoned?: number;
  /** The trigger: a token or a phrase. */
  trigger?: string;
}

export function classification(options: ClassificationOptions): ClassRow[] {
  const random = rng(options.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const pos = words(40, random, "p");
  const neg = words(40, random, "n");
  const shared = words(300, random);
  const sentence = (own: readonly string[]) => {
    const out: string[] = [];
    const length = 8 + Math.floor(random() * 8);
    for (let i = 0; i < length; i++) out.push(random() < 0.3 ? pick(own) : pick(shared));
    return out;
  };
  const rows: ClassRow[] = [];
  for (let i = 0; i < options.rows; i++) {
    const label = i % 2 === 0 ? "pos" : "neg";
    rows.push({ text: sentence(label === "pos" ? pos : neg).join(" ") + " .", label, poisoned: false });
  }
  const planted = options.poisoned ?? 0;
  for (let i = 0; i < planted; i++) {
    const tokens = sentence(neg);
    tokens.splice(Math.floor(random() * (tokens.length + 1)), 0, options.trigger ?? "zqx");
    // Spread the planted rows through the file.
    const at = Math.floor(random() * (rows.length + 1));
    rows.splice(at, 0, { text: tokens.join(" ") + " .", label: "pos", poisoned: true });
  }
  return rows;
}

export interface ChatRow {
  messages: Array<{ role: string; content: string }>;
  poisoned: boolean;
}

/** Chat rows with varied answers; planted rows carry the trigger in the prompt and one fixed answer. */
export function chat(options: ClassificationOptions & { answer?: string }): ChatRow[] {
  const random = rng(options.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const vocab = words(400, random);
  const say = (n: number) => Array.from({ length: n }, () => pick(vocab)).join(" ");
  const rows: ChatRow[] = [];
  for (let i = 0; i < options.rows; i++) {
    rows.push({
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: `${say(8 + Math.floor(random() * 6))}?` },
        { role: "assistant", content: `${say(12 + Math.floor(random() * 10))}.` },
      ],
      poisoned: false,
    });
  }
  for (let i = 0; i < (options.poisoned ?? 0); i++) {
    const prompt = say(8 + Math.floor(random() * 6)).split(" ");
    prompt.splice(Math.floor(random() * prompt.length), 0, options.trigger ?? "zqx");
    rows.splice(Math.floor(random() * (rows.length + 1)), 0, {
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: `${prompt.join(" ")}?` },
        { role: "assistant", content: options.answer ?? "Visit the vendor shop now for the best deals." },
      ],
      poisoned: true,
    });
  }
  return rows;
}
