import { describe, expect, it } from "vitest";
import { configSchema, type Config } from "../../src/config/index.js";
import { detectorFactories } from "../../src/detect/registry.js";
import { DEFAULT_POLICY } from "../../src/policy/index.js";
import {
  auditPosture,
  CRITICAL_CATEGORIES,
  givenSecret,
  isLoopbackHost,
  measureSecret,
  probeSecrets,
  RULES,
  secretSites,
  type PostureInput,
  type ServerFacts,
} from "../../src/posture/index.js";

/** Per-request caps, set in the baseline so that request-size-unbounded stays quiet. */
const CAPS = { maxPromptTokens: 32_000, maxCompletionTokens: 4096 };

const BASE = {
  providers: { demo: { type: "demo" } },
  models: [{ name: "demo-chat", provider: "demo" }],
  limits: { key: CAPS, team: { tokensPerDay: 1_000_000 } },
  audit: { export: { file: { path: "/mnt/worm/checkpoints.log" } } },
  siem: { exporters: [{ name: "soc", type: "syslog", protocol: "tls", host: "logs.example.com" }] },
  incidents: {
    webhooks: { oncall: { url: "https://oncall.example.com/hooks/portcullis", secret: "env:ONCALL_SECRET" } },
  },
};

function config(overrides: Record<string, unknown> = {}): Config {
  return configSchema.parse({ ...BASE, ...overrides });
}

function input(cfg: Config, extra: Partial<PostureInput> = {}): PostureInput {
  return {
    config: cfg,
    source: "test",
    baseDir: "/etc/portcullis",
    dataDir: "/var/lib/portcullis",
    secrets: [],
    ...extra,
  };
}

function fired(cfg: Config, extra: Partial<PostureInput> = {}): string[] {
  return [...new Set(auditPosture(input(cfg, extra)).findings.map((f) => f.rule))];
}

const server = (facts: Partial<ServerFacts>): ServerFacts => ({
  url: "http://127.0.0.1:8787",
  keys: [],
  ...facts,
});

describe("the baseline used by these tests", () => {
  it("fires nothing", () => {
    expect(fired(config())).toEqual([]);
  });
});

describe("rule metadata", () => {
  it("every rule has a unique kebab-case id, a why, a fix and a reference", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(rule.why.length).toBeGreaterThan(60);
      expect(rule.fix.length).toBeGreaterThan(30);
      expect(rule.refs.length).toBeGreaterThan(0);
    }
  });
});

describe("transport", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["gateway.example.com", false],
  ])("%s is loopback: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it("TLS on a public bind passes; without it, critical", () => {
    const tls = { cert: "/etc/tls/c.pem", key: "/etc/tls/k.pem" };
    expect(fired(config({ server: { host: "0.0.0.0" }, tls, metrics: { requireAuth: true } }))).toEqual([]);
    expect(fired(config({ server: { host: "10.1.2.3" }, metrics: { requireAuth: true } }))).toEqual([
      "tls-off-public-bind",
    ]);
  });

  it("admin-api-cleartext fires when --server was reached over http from another host, not over loopback or https", () => {
    expect(fired(config(), { server: server({ url: "http://gateway.example.com:8787" }) })).toEqual([
      "admin-api-cleartext",
    ]);
    expect(fired(config(), { server: server({ url: "https://gateway.example.com" }) })).toEqual([]);
    expect(fired(config(), { server: server({ url: "http://localhost:8787" }) })).toEqual([]);
  });

  it("metrics-open: configured or observed", () => {
    expect(fired(config(), { server: server({ url: "https://gw.example.com", metricsOpen: true }) })).toEqual(
      ["metrics-open"],
    );
    expect(fired(config(), { server: server({ metricsOpen: true }) })).toEqual([]); // loopback
    expect(
      fired(
        config({ metrics: { enabled: false }, server: { host: "0.0.0.0" }, tls: { cert: "c", key: "k" } }),
      ),
    ).toEqual([]);
  });

  it("cors-permissive: a wildcard or a reflected foreign origin, not an absent header", () => {
    const origin = "https://posture-probe.invalid";
    expect(
      fired(config(), { server: server({ cors: { origin, allowOrigin: origin, allowCredentials: true } }) }),
    ).toEqual(["cors-permissive"]);
    expect(
      fired(config(), { server: server({ cors: { origin, allowOrigin: "https://dash.example.com" } }) }),
    ).toEqual([]);
    expect(fired(config(), { server: server({ cors: { origin } }) })).toEqual([]);
  });

  it("cors-permissive also reads a CORS allow-list in the configuration, should one ever exist", () => {
    const rule = RULES.find((r) => r.id === "cors-permissive")!;
    const cfg = { ...config(), web: { cors: { origins: ["https://a.example", "*"] } } } as unknown as Config;
    expect(rule.check(input(cfg)).map((h) => h.path.join("."))).toEqual(["web.cors.origins.1"]);
  });
});

describe("guards", () => {
  it("the shipped default policy enforces every critical category (drift check against src/policy)", () => {
    expect(fired(config({ policies: [DEFAULT_POLICY] }))).toEqual([]);
  });

  it("the critical categories name the detectors that produce them", () => {
    for (const { category, detector } of CRITICAL_CATEGORIES) {
      const factory = detectorFactories[detector as keyof typeof detectorFactories];
      expect(factory, detector).toBeDefined();
      expect(factory().categories).toContain(category);
    }
  });

  it("a policy scoped to a team, an alert rule, a monitored rule or a high threshold does not count", () => {
    const rules = DEFAULT_POLICY.rules;
    const weaken = (change: (r: (typeof rules)[number]) => object) =>
      fired(
        config({
          policies: [
            {
              ...DEFAULT_POLICY,
              rules: rules.map((r) => (r.category === "secret" ? { ...r, ...change(r) } : r)),
            },
          ],
        }),
      );
    expect(weaken(() => ({ action: "alert" }))).toEqual(["guards-not-enforcing"]);
    expect(weaken(() => ({ mode: "monitor" }))).toEqual(["guards-not-enforcing"]);
    expect(weaken(() => ({ threshold: 0.97 }))).toEqual(["guards-not-enforcing"]);
    expect(weaken(() => ({ kinds: ["aws_access_key_id"] }))).toEqual(["guards-not-enforcing"]);
    expect(fired(config({ policies: [{ ...DEFAULT_POLICY, match: { teams: ["research"] } }] }))).toEqual([
      "guards-not-enforcing",
    ]);
  });

  it("leaving a critical detector out of guards.detectors is reported", () => {
    const report = auditPosture(input(config({ guards: { detectors: ["pii", "unicode", "injection"] } })));
    expect(report.findings.map((f) => f.message)).toEqual([
      expect.stringContaining("leaves out secrets, leakage, exfiltration"),
    ]);
  });

  it("guards off is only reported once, as critical", () => {
    expect(
      fired(config({ guards: { enabled: false }, policies: [{ ...DEFAULT_POLICY, mode: "monitor" }] })),
    ).toEqual(["guards-off"]);
  });
});

describe("limits", () => {
  it("a team override that nulls every limit is named", () => {
    const report = auditPosture(
      input(
        config({
          limits: { key: CAPS, team: { tokensPerDay: 1000 }, teams: { research: { tokensPerDay: null } } },
        }),
      ),
    );
    expect(report.findings.map((f) => [f.rule, f.path.join(".")])).toEqual([
      ["team-without-limits", "limits.teams.research"],
    ]);
  });

  it("teams seen in the key list are named when team defaults are off", () => {
    const report = auditPosture(
      input(config({ limits: {} }), {
        server: server({
          keys: [
            {
              id: "key_a",
              name: "a",
              team: "support",
              role: "user",
              status: "active",
              expires_at: "2099-01-01T00:00:00Z",
            },
          ],
        }),
      }),
    );
    expect(report.findings.find((f) => f.rule === "team-without-limits")?.message).toContain("support");
  });

  it("a key override that nulls every limit is high", () => {
    const cfg = config({
      limits: {
        key: CAPS,
        team: { tokensPerDay: 1000 },
        keys: { key_bulk: { requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: null } },
      },
    });
    expect(fired(cfg)).toEqual(["key-limits-off"]);
  });

  it("request-size-unbounded: no per-request cap fires (low); either cap alone is enough", () => {
    const uncapped = auditPosture(input(config({ limits: { team: { tokensPerDay: 1000 } } })));
    expect(uncapped.findings.map((f) => [f.rule, f.severity, f.path.join(".")])).toEqual([
      ["request-size-unbounded", "low", "limits.key"],
    ]);
    for (const cap of [{ maxPromptTokens: 8000 }, { maxCompletionTokens: 1024 }]) {
      expect(fired(config({ limits: { key: cap, team: { tokensPerDay: 1000 } } }))).toEqual([]);
    }
  });

  it("request-size-unbounded names a key override that removes both caps, not one that raises them", () => {
    const cfg = config({
      limits: {
        key: CAPS,
        team: { tokensPerDay: 1000 },
        keys: {
          key_rag: { maxPromptTokens: 120_000 },
          key_open: { maxPromptTokens: null, maxCompletionTokens: null },
        },
      },
    });
    const report = auditPosture(input(cfg));
    expect(report.findings.map((f) => [f.rule, f.path.join(".")])).toEqual([
      ["request-size-unbounded", "limits.keys.key_open"],
    ]);
  });
});

describe("penalty box", () => {
  it("penalty-box-off fires (low) only when the box is turned off", () => {
    expect(fired(config())).not.toContain("penalty-box-off");
    const off = auditPosture(input(config({ limits: { ...BASE.limits, penaltyBox: { enabled: false } } })));
    expect(off.findings.map((f) => [f.rule, f.severity, f.path.join(".")])).toEqual([
      ["penalty-box-off", "low", "limits.penaltyBox.enabled"],
    ]);
  });
});

describe("secrets", () => {
  it("finds every secret reference with its purpose", () => {
    const cfg = config({
      tls: { cert: "c.pem", key: "k.pem" },
      providers: {
        demo: { type: "demo" },
        openai: {
          type: "openai",
          baseUrl: "https://api.openai.com/v1",
          apiKey: "env:OPENAI_API_KEY",
          headers: { "x-org": "plain", "x-tok": "env:TOK" },
        },
      },
      siem: {
        exporters: [
          { name: "w", type: "webhook", url: "https://h.example/x", secret: "file:/run/secrets/w" },
          { name: "s", type: "splunk_hec", url: "https://splunk.example", token: "env:HEC" },
        ],
      },
      audit: { export: { webhook: { url: "https://a.example", hmacSecret: "env:AUDIT_HMAC" } } },
      payloads: { mode: "redacted", kek: { env: "KEK" }, previousKeks: [{ file: "/run/secrets/old-kek" }] },
      store: { type: "postgres", url: "env:DATABASE_URL" },
      incidents: { webhooks: { chat: { url: "env:SLACK_URL", format: "slack" } } },
      analytics: { state: { type: "redis", url: "file:/run/secrets/redis-url" } },
    });
    expect(secretSites(cfg).map((s) => `${s.purpose} ${s.ref} ${s.path.join(".")}`)).toEqual([
      "credential env:OPENAI_API_KEY providers.openai.apiKey",
      "credential env:TOK providers.openai.headers.x-tok",
      "signing file:/run/secrets/w siem.exporters.0.secret",
      "credential env:HEC siem.exporters.1.token",
      "signing env:AUDIT_HMAC audit.export.webhook.hmacSecret",
      "credential env:SLACK_URL incidents.webhooks.chat.url",
      "credential file:/run/secrets/redis-url analytics.state.url",
      "credential env:DATABASE_URL store.url",
      "kek env:KEK payloads.kek.env",
      "kek file:/run/secrets/old-kek payloads.previousKeks.0.file",
      "private-key file:k.pem tls.key",
    ]);
  });

  it.each([
    ["changeme", true],
    ["CHANGE_ME_PLEASE", true],
    ["your-secret-here", true],
    ["pcx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", true],
    ["s3cr3t", true],
    ["Tq7vZ2mK9pX4rL8sN3wB6yC1dF5gH0jQ2aE7uI9o", false],
  ])("measureSecret(%s).placeholder is %s", (value, placeholder) => {
    expect(measureSecret(value).placeholder).toBe(placeholder);
  });

  it("weak-secret: short signing keys, repetitive admin keys; strong ones pass", () => {
    const site = (purpose: "signing" | "admin-key") => ({ ref: "env:X", path: ["x"], purpose });
    const weak = (purpose: "signing" | "admin-key", value: string) =>
      fired(config(), { secrets: [givenSecret(site(purpose), value)] });
    expect(weak("signing", "short-but-random-9f8e")).toEqual(["weak-secret"]);
    expect(weak("admin-key", `pcx_${"ab".repeat(20)}`)).toEqual(["weak-secret"]);
    expect(weak("admin-key", "pcx_Zq8Lr2Vt6Yw0Np4Ks9Hd3Jf7Gm1Cx5Bb8Ue2Oa")).toEqual([]);
    expect(weak("signing", "Zq8Lr2Vt6Yw0Np4Ks9Hd3Jf7Gm1Cx5Bb8Ue2Oa")).toEqual([]);
  });

  it("the probe never returns a secret's value", () => {
    const value = "Zq8Lr2Vt6Yw0Np4Ks9Hd3Jf7Gm1Cx5Bb8Ue2Oa";
    const facts = probeSecrets([{ ref: "env:PCX_T", path: ["x"], purpose: "signing" }], {
      baseDir: "/",
      env: { PCX_T: value },
    });
    expect(facts[0]!.status).toBe("read");
    expect(JSON.stringify(facts)).not.toContain(value);
    expect(JSON.stringify(auditPosture(input(config(), { secrets: facts })))).not.toContain(value);
  });

  it("unset env secrets are listed as not checked, not as findings", () => {
    const facts = probeSecrets([{ ref: "env:PCX_NOT_SET", path: ["x"], purpose: "signing" }], {
      baseDir: "/",
      env: {},
    });
    const report = auditPosture(input(config(), { secrets: facts }));
    expect(report.findings).toEqual([]);
    expect(report.skipped.join("\n")).toContain("env:PCX_NOT_SET");
  });

  it("keys-without-expiry exempts the gateway's own bootstrap admin key, and needs --server", () => {
    const key = (name: string, role: string, expires_at: string | null, status = "active") => ({
      id: `key_${name}`,
      name,
      team: "t",
      role,
      status,
      expires_at,
    });
    const keys = [
      key("bootstrap-admin", "admin", null),
      key("old", "user", null, "revoked"),
      key("ok", "user", "2099-01-01T00:00:00Z"),
    ];
    expect(fired(config(), { server: server({ keys }) })).toEqual([]);
    expect(fired(config(), { server: server({ keys: [...keys, key("bot", "user", null)] }) })).toEqual([
      "keys-without-expiry",
    ]);
    expect(auditPosture(input(config())).skipped.join("\n")).toContain(
      "keys-without-expiry: key expiry needs --server",
    );
  });
});

describe("outbound and data", () => {
  it("plain http to a remote provider is high; to loopback it is fine", () => {
    const provider = (baseUrl: string) => ({
      demo: { type: "demo" },
      local: { type: "openai", baseUrl, auth: "none" },
    });
    expect(fired(config({ providers: provider("http://10.0.0.7:8000/v1") }))).toEqual(["upstream-tls-off"]);
    expect(fired(config({ providers: provider("http://127.0.0.1:11434/v1") }))).toEqual([]);
  });

  it("an audit export file inside the data directory does not count as exported", () => {
    const cfg = config({ audit: { export: { file: { path: "/var/lib/portcullis/checkpoints.log" } } } });
    expect(fired(cfg)).toEqual(["audit-not-exported"]);
  });

  it("only file exporters, or exporters that filter detections out, are not a SIEM", () => {
    expect(
      fired(config({ siem: { exporters: [{ name: "f", type: "file", path: "/var/log/p.jsonl" }] } })),
    ).toEqual(["siem-not-configured"]);
    expect(
      fired(
        config({
          siem: {
            exporters: [
              {
                name: "s",
                type: "syslog",
                protocol: "tls",
                host: "l.example",
                filter: { classes: ["admin_activity"] },
              },
            ],
          },
        }),
      ),
    ).toEqual(["siem-not-configured"]);
  });
});

describe("incident response", () => {
  it("off, or on without a webhook, is reported; a slack webhook by reference counts", () => {
    expect(fired(config({ incidents: { enabled: false } }))).toEqual(["incidents-not-notified"]);
    expect(fired(config({ incidents: { webhooks: {} } }))).toEqual(["incidents-not-notified"]);
    expect(
      fired(config({ incidents: { webhooks: { chat: { url: "env:SLACK_WEBHOOK_URL", format: "slack" } } } })),
    ).toEqual([]);
    const [finding] = auditPosture(input(config({ incidents: { webhooks: {} } }))).findings;
    expect(finding).toMatchObject({ severity: "medium", path: ["incidents", "webhooks"] });
  });
});
