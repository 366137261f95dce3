import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/index.js";

const base = `
providers: { demo: { type: demo } }
models: [{ name: demo-chat, provider: demo }]
`;

describe("payloads configuration", () => {
  it("is off by default, with 30 days of retention", () => {
    const { config } = parseConfigText(base, "test.yaml");
    expect(config.payloads).toMatchObject({ mode: "off", retentionDays: 30, previousKeks: [], teams: {} });
    expect(config.payloads.kek).toBeUndefined();
  });

  it.each([
    ["payloads: { mode: full }", /payloads\.kek: payload logging is on but no KEK/],
    ["payloads: { teams: { red: { mode: redacted } } }", /payloads\.kek: payload logging is on but no KEK/],
    ["payloads: { mode: full, kek: 'env:KEK' }", /payloads\.kek/],
    ["payloads: { mode: full, kek: { env: 'not a name' } }", /payloads\.kek/],
    ["payloads: { mode: full, kek: { command: [] } }", /payloads\.kek/],
    ["payloads: { mode: full, kek: { env: K, file: f } }", /payloads\.kek/],
    ["payloads: { mode: sometimes, kek: { env: K } }", /payloads\.mode/],
  ])("refuses %s", (section, message) => {
    expect(() => parseConfigText(`${base}${section}\n`, "test.yaml")).toThrow(message);
  });

  it("accepts the three KEK sources and per-team overrides", () => {
    for (const kek of [
      "{ env: PCX_KEK }",
      "{ file: /run/secrets/kek }",
      "{ command: [vault, kv, get, -field=kek, x] }",
    ]) {
      const { config } = parseConfigText(
        `${base}payloads: { mode: redacted, kek: ${kek}, teams: { red: { mode: full, retentionDays: null } } }\n`,
        "test.yaml",
      );
      expect(config.payloads.mode).toBe("redacted");
      expect(config.payloads.teams.red).toEqual({ mode: "full", retentionDays: null });
    }
  });
});
