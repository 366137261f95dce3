import { describe, expect, it } from "vitest";
import { withCrc32Base62 } from "../../../src/detect/secrets/checksum.js";
import { createSecretsDetector } from "../../../src/detect/secrets/index.js";
import { sample, B62 } from "../../../src/detect/secrets/rule.js";
import { preparedFromOriginal } from "../../../src/detect/text-view.js";
import type { PreparedText } from "../../../src/detect/types.js";

const det = createSecretsDetector();
const scan = (text: string) => det.scan(preparedFromOriginal(text), {});

describe("secrets detector", () => {
  it("reports a checksummed GitHub token with exact span, masked evidence and high confidence", () => {
    const token = withCrc32Base62("ghp_", sample(B62, 30, "t1"));
    const text = `export GITHUB_TOKEN=${token}\n`;
    const f = scan(text);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      detector: "secrets",
      category: "secret",
      kind: "github_token",
      rule: "github.token",
    });
    expect(f[0]!.span).toEqual([text.indexOf(token), text.indexOf(token) + token.length]);
    expect(f[0]!.score).toBeGreaterThan(0.95);
    expect(f[0]!.evidence).not.toContain(token.slice(8));
  });

  it("lets a specific rule win over the generic assignment rule", () => {
    const token = withCrc32Base62("ghp_", sample(B62, 30, "t2"));
    const f = scan(`api_key = "${token}"`);
    expect(f.map((x) => x.rule)).toEqual(["github.token"]);
  });

  it("costs nothing on text without keywords and finds nothing in prose", () => {
    expect(scan("The quick brown fox jumps over the lazy dog.")).toEqual([]);
    expect(scan("Remember to rotate your keys and never share a password with anyone.")).toEqual([]);
    expect(scan("max_tokens = 4096\ntemperature = 0.2")).toEqual([]);
  });

  it("maps findings in a decoded view back to the original span", () => {
    const key = `sk-ant-api03-${sample(B62, 93, "t3")}AA`;
    const b64 = Buffer.from(`key=${key}`).toString("base64");
    const original = `payload: ${b64}`;
    const start = original.indexOf(b64);
    const input: PreparedText = {
      original,
      views: [
        { text: original, origin: "original", depth: 0, toOriginal: (s, e) => [s, e] },
        {
          text: `key=${key}`,
          origin: "decoded:base64",
          depth: 1,
          toOriginal: () => [start, start + b64.length],
        },
      ],
      findings: [],
    };
    const f = det.scan(input, {});
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: "anthropic_api_key", span: [start, start + b64.length] });
    expect(f[0]!.reason).toContain("decoded:base64");
  });

  it("runs user patterns on RE2 and validates options when built", () => {
    const custom = createSecretsDetector({
      only: ["custom.acme"],
      customRules: [{ id: "acme", pattern: "ACME-[0-9]{8}", keywords: ["acme-"] }],
    });
    expect(custom.scan(preparedFromOriginal("id ACME-12345678"), {})).toHaveLength(1);
    expect(() =>
      createSecretsDetector({ customRules: [{ id: "bad", pattern: "(a)\\1", keywords: ["aa"] }] }),
    ).toThrow();
    expect(() => createSecretsDetector({ minScore: -1 })).toThrow();
  });

  it("stays bounded on adversarial input", () => {
    const inputs = [
      "a".repeat(1_000_000),
      "password=".repeat(100_000),
      "key ".repeat(200_000),
      "-----BEGIN PRIVATE KEY-----".repeat(20_000),
      "postgres://" + "a:".repeat(200_000),
      "eyJ".repeat(300_000),
    ];
    for (const text of inputs) {
      const t = performance.now();
      scan(text);
      expect(performance.now() - t, text.slice(0, 12)).toBeLessThan(5000);
    }
  });
});
