import { describe, expect, it } from "vitest";
import { createSecretsDetector, RULES } from "../../../src/detect/secrets/index.js";
import { anchorsOf, literalPrefixes } from "../../../src/detect/secrets/literals.js";
import { preparedFromOriginal } from "../../../src/detect/text-view.js";

// In long texts a rule whose matches all start with known literals is tried only where they
// occur (literals.ts). Forced on for every text, it must find exactly what plain scanning finds.
const plain = createSecretsDetector({}, { anchoredMinLength: Number.POSITIVE_INFINITY });
const anchored = createSecretsDetector({}, { anchoredMinLength: 0, anchorsPerChar: 1 });
const scan = (d: typeof plain, text: string) => d.scan(preparedFromOriginal(text), {});

const cases = RULES.flatMap((r) => [...r.tp, ...r.fp].map((c) => c.text));
const flip = (t: string) =>
  t.replace(/[a-z]/g, (c) => c.toUpperCase()).replace(/[A-Z]/g, (c) => c.toLowerCase());

describe("secrets: literal-anchored search", () => {
  it("reads literal prefixes from pattern sources", () => {
    expect(literalPrefixes("(?<![\\w])sk_live_[a-z]{4}")).toEqual(["sk_live_"]);
    expect(literalPrefixes("(?:deepseek|mistral)(?:x)?key")).toEqual(["deepseek", "mistral"]);
    expect(literalPrefixes("\\bmongosh?\\b")).toEqual(["mongos"]);
    expect(literalPrefixes("psexec(?:\\.exe)?|net use")).toEqual(["psexec", "net use"]);
    expect(literalPrefixes("-----BEGIN \\w+")).toEqual(["-----BEGIN "]);
    expect(literalPrefixes("(?:sk-)?abc")).toBeNull();
    expect(literalPrefixes("[sr]k_live")).toBeNull();
    expect(literalPrefixes("(?:^|;)Password=")).toBeNull();
    expect(anchorsOf(/ab[cd]/g)).toBeNull(); // too short to pay off
    expect(anchorsOf(/Token-[a-z]/gi)).toEqual(["token-"]);
  });

  it("every match of an anchored rule starts with one of its literals", () => {
    for (const r of RULES) {
      const re = new RegExp(r.pattern.source, r.pattern.flags);
      const lits = anchorsOf(re);
      if (lits === null) continue;
      for (const text of [...r.tp, ...r.fp].map((c) => c.text)) {
        const hay = re.ignoreCase ? text.toLowerCase() : text;
        for (const m of text.matchAll(re)) {
          expect({ rule: r.id, ok: lits.some((l) => hay.startsWith(l, m.index)) }).toEqual({
            rule: r.id,
            ok: true,
          });
        }
      }
    }
  });

  it("finds what plain scanning finds on every rule case, and with letter case flipped", () => {
    for (const text of cases) {
      expect(scan(anchored, text)).toEqual(scan(plain, text));
      expect(scan(anchored, flip(text))).toEqual(scan(plain, flip(text)));
    }
  });

  it("finds what plain scanning finds in a long mixed text", () => {
    const filler = "The quick brown fox jumps over the lazy dog; the key to it is patience. ";
    const parts: string[] = [];
    for (const round of [0, 1]) cases.forEach((c, k) => parts.push(c, (k + round) % 3 === 0 ? "\n" : filler));
    const text = parts.join("");
    expect(text.length).toBeGreaterThan(65_536);
    expect(scan(createSecretsDetector(), text)).toEqual(scan(plain, text));
    expect(scan(anchored, text)).toEqual(scan(plain, text));
  });
});
