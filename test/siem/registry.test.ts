import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/index.js";
import { SYSLOG_FACILITIES, siemSectionSchema } from "../../src/config/sections/siem.js";
import { FACILITY } from "../../src/siem/encode/syslog.js";
import { exporterTypes } from "../../src/siem/index.js";

/** STYLE.md §7: the registry and the configuration schema list the same exporter types. */
describe("exporter registry", () => {
  it("has exactly the types the configuration schema accepts", () => {
    const schemaTypes = siemSectionSchema.shape.exporters
      .unwrap()
      .element.options.map((option) => option.shape.type.value);
    expect([...exporterTypes].sort()).toEqual([...schemaTypes].sort());
  });

  it("knows every facility the schema accepts, with RFC 5424's codes in order", () => {
    expect(Object.keys(FACILITY)).toEqual([...SYSLOG_FACILITIES]);
    expect(Object.values(FACILITY)).toEqual(SYSLOG_FACILITIES.map((_, i) => i));
  });
});

describe("siem configuration", () => {
  const base = { providers: { demo: { type: "demo" } }, models: [{ name: "m", provider: "demo" }] };
  const parse = (exporters: unknown[]) => configSchema.safeParse({ ...base, siem: { exporters } });
  const messages = (result: ReturnType<typeof parse>) =>
    result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

  it("defaults to no exporters", () => {
    expect(configSchema.parse(base).siem).toEqual({ exporters: [] });
  });

  it("fills in defaults", () => {
    const result = parse([{ name: "rsyslog", type: "syslog", host: "127.0.0.1" }]);
    expect(result.success).toBe(true);
    expect(result.data!.siem.exporters[0]).toMatchObject({
      protocol: "tcp",
      facility: "local0",
      appName: "portcullis",
      sdId: "portcullis@32473",
      settleMs: 50,
      timeoutMs: 10_000,
      filter: { minSeverity: "info", categories: [], classes: [] },
      queue: { maxBytes: 256 * 1024 * 1024 },
    });
  });

  it.each([
    [
      "a literal Splunk token",
      [{ name: "s", type: "splunk_hec", url: "https://s:8088", token: "abcd-1234" }],
      "token",
    ],
    [
      "a literal webhook secret",
      [{ name: "w", type: "webhook", url: "https://h/x", secret: "hunter2" }],
      "secret",
    ],
    [
      "a literal credential header",
      [{ name: "o", type: "ocsf", url: "https://h/x", headers: { "X-Api-Key": "abc" } }],
      "headers",
    ],
    ["credentials in a URL", [{ name: "o", type: "ocsf", url: "https://user:pw@h/x" }], "url"],
    ["an unknown setting", [{ name: "r", type: "syslog", host: "h", prot: 1 }], "prot"],
    ["an unknown type", [{ name: "r", type: "gelf", host: "h" }], "type"],
    [
      "a duplicate name",
      [
        { name: "r", type: "syslog", host: "h" },
        { name: "r", type: "cef", host: "h" },
      ],
      "used twice",
    ],
    ["a bad SD-ID", [{ name: "r", type: "syslog", host: "h", sdId: "portcullis" }], "sdId"],
    [
      "a TLS key without its certificate",
      [{ name: "r", type: "syslog", host: "h", tls: { key: "k.pem" } }],
      "cert",
    ],
    [
      "an unknown category syntax",
      [{ name: "f", type: "file", path: "x", filter: { categories: ["PII!"] } }],
      "categories",
    ],
  ])("rejects %s", (_, exporters, fragment) => {
    const result = parse(exporters);
    expect(result.success).toBe(false);
    expect(messages(result).join("\n")).toContain(fragment);
  });

  it("accepts secret references and plain non-credential headers", () => {
    const result = parse([
      { name: "s", type: "splunk_hec", url: "https://s:8088", token: "env:HEC_TOKEN" },
      { name: "w", type: "webhook", url: "https://h/x", secret: "file:/run/secrets/hook" },
      {
        name: "o",
        type: "ocsf",
        url: "https://h/x",
        authorization: "env:OCSF_AUTH",
        headers: { "X-Tenant": "blue", "X-Api-Key": "env:KEY" },
      },
    ]);
    expect(messages(result)).toEqual([]);
  });
});
