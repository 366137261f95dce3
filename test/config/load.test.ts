import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadEmbeddedConfig, parseConfigText, resolveSecret } from "../../src/config/index.js";

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, "test.yaml");
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe("configuration", () => {
  it("the embedded default runs the demo model on loopback", () => {
    const { config } = loadEmbeddedConfig();
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.server.port).toBe(8787);
    expect(config.models.map((m) => m.name)).toEqual(["demo-chat", "demo-embed"]);
  });

  it("names the file, the path and what was expected", () => {
    expect(problems("models: []\nproviders: {}")).toEqual([
      "models: Too small: expected array to have >=1 items",
    ]);
    const typo = problems(
      "providers: { d: { type: demo } }\nmodels: [{ name: a, provider: d }]\nserver: { prot: 1 }",
    );
    expect(typo).toEqual(["server: unknown setting(s) prot"]);
    const unknown = problems("providers: { d: { type: demo } }\nmodels: [{ name: a, provider: x }]");
    expect(unknown[0]).toMatch(/^models\.0\.provider: unknown provider "x"/);
  });

  it("refuses literal secrets: only env: and file: references", () => {
    const found = problems(
      'providers: { o: { type: openai, baseUrl: "https://api.openai.com/v1", apiKey: "sk-live-123" } }\nmodels: [{ name: a, provider: o }]',
    );
    expect(found[0]).toMatch(/^providers\.o\.apiKey: expected a secret reference/);
  });

  it("rejects duplicate model names and aliases", () => {
    const found = problems(
      "providers: { d: { type: demo } }\nmodels: [{ name: a, provider: d, aliases: [b] }, { name: b, provider: d }]",
    );
    expect(found[0]).toMatch(/already used by models\[0\]/);
  });

  it("reports YAML syntax errors with a line number", () => {
    expect(problems("providers:\n  d: [unclosed\nmodels: x")[0]).toMatch(/^YAML line \d+:/);
  });

  it("warns about unverified upstream TLS and clear-text remote providers", () => {
    const { warnings } = parseConfigText(
      'providers: { o: { type: openai, baseUrl: "http://llm.internal:8000/v1", tls: { rejectUnauthorized: false } } }\nmodels: [{ name: a, provider: o }]',
      "w.yaml",
    );
    expect(warnings.join("\n")).toMatch(/not verified/);
    expect(warnings.join("\n")).toMatch(/plain http/);
  });

  it("resolves env: and file: secrets, and names a missing one without its value", () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-cfg-"));
    writeFileSync(join(dir, "key.txt"), "s3cret\n");
    expect(resolveSecret("file:key.txt", dir, "x")).toBe("s3cret");
    process.env.PCX_TEST_SECRET = "from-env";
    expect(resolveSecret("env:PCX_TEST_SECRET", dir, "x")).toBe("from-env");
    expect(() => resolveSecret("env:PCX_MISSING_SECRET_VAR", dir, "providers.o.apiKey")).toThrow(
      /PCX_MISSING_SECRET_VAR is not set/,
    );
  });
});
