import { request } from "undici";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { drill } from "../../src/cli/commands/drill/index.js";
import { CliError } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";
import { DrillError, runDrill, type DrillReport } from "../../src/drill/index.js";
import { startReceiver, type Receiver } from "../incidents/receiver.js";
import { ADMIN_KEY, startTarget, type DrillTarget } from "./helpers.js";

/** Phases that need no behaviour analytics: the guards and the incident rules answer them alone. */
const GUARD_PHASES = ["injection", "leakage"];

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close();
  vi.unstubAllEnvs();
});
afterAll(() => vi.unstubAllEnvs());

async function target(yaml: string): Promise<DrillTarget> {
  const t = await startTarget(yaml);
  started.push(t);
  return t;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  started.push(r);
  return r;
}

/** A deployment configured as docs/drill.md asks: a SIEM exporter and an incidents webhook. */
const configured = (hook: Receiver) => `siem:
  exporters:
    - { name: soc, type: webhook, url: "${hook.url}/siem", secret: env:DRILL_SIEM_SECRET }
incidents:
  webhooks:
    ops: { url: "${hook.url}/incidents", secret: env:DRILL_HOOK_SECRET }
`;

async function keys(t: DrillTarget): Promise<{ id: string; name: string; status: string }[]> {
  const response = await request(new URL("/admin/v1/keys", t.server.url), {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.body.json()) as { data: { id: string; name: string; status: string }[] }).data;
}

async function incidents(t: DrillTarget): Promise<{ key_id: string; status: string }[]> {
  const response = await request(new URL("/admin/v1/incidents", t.server.url), {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.body.json()) as { data: { key_id: string; status: string }[] }).data;
}

function check(report: DrillReport, id: string) {
  return [...report.phases.flatMap((p) => p.checks), ...report.checks].find((c) => c.id === id);
}

describe("portcullis drill against a real gateway", () => {
  it("passes on a correctly configured gateway, with timings, and removes its keys", async () => {
    const hook = await receiver();
    const t = await target(configured(hook));
    const lines: string[] = [];
    const report = await runDrill({
      server: t.server.url,
      adminKey: ADMIN_KEY,
      phases: GUARD_PHASES,
      waitMs: 20_000,
      pollMs: 200,
      progress: (line) => lines.push(line),
    });
    expect(report.failed, JSON.stringify(report, null, 2)).toEqual([]);
    expect(report.passed).toBe(true);
    const injection = report.phases.find((p) => p.id === "injection")!;
    // Every injection was refused: blocked by the guard, then refused outright once the key was suspended.
    expect(injection.requests.sent).toBe(12);
    expect(injection.requests.statuses["200"]).toBeUndefined();
    for (const ms of [
      injection.time_to_detect_ms,
      injection.time_to_respond_ms,
      injection.time_to_notify_ms,
    ]) {
      expect(ms).not.toBeNull();
      expect(ms!).toBeGreaterThanOrEqual(0);
      expect(ms!).toBeLessThan(20_000);
    }
    expect(check(report, "injection.responded")!.detail).toMatch(/suspend_key/);
    expect(check(report, "siem.delivered")!.detail).toMatch(/soc: \d+ events delivered/);
    // The notification really arrived, signed, at the incidents webhook; events at the SIEM one.
    const notices = hook.received.filter((r) => r.path.endsWith("/incidents"));
    expect(notices.length).toBeGreaterThan(0);
    expect(notices[0]!.headers["x-portcullis-signature"]).toBeDefined();
    const keyId = injection.key_id;
    expect(notices.some((n) => n.body.toString().includes(keyId))).toBe(true);
    expect(hook.received.some((r) => r.path.endsWith("/siem"))).toBe(true);
    // Clean-up: every drill key is revoked (suspended ones included), its incidents resolved.
    const drillKeys = (await keys(t)).filter((k) => k.name.startsWith(report.run_id));
    expect(drillKeys.map((k) => k.status)).toEqual(["revoked", "revoked"]);
    expect(report.cleanup.keys.every((k) => k.status === "revoked")).toBe(true);
    expect(report.cleanup.incidents_resolved).toBeGreaterThan(0);
    const left = (await incidents(t)).filter((i) => drillKeys.some((k) => k.id === i.key_id));
    expect(left.every((i) => i.status === "resolved")).toBe(true);
    expect(lines.some((l) => l.startsWith("cleanup:"))).toBe(true);
  }, 120_000);

  it("fails, naming the missing alert, when the incidents webhook is not configured", async () => {
    const hook = await receiver();
    const t = await target(`siem:
  exporters:
    - { name: soc, type: webhook, url: "${hook.url}/siem", secret: env:DRILL_SIEM_SECRET }
`);
    let out = "";
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    let progress = "";
    let code: number;
    try {
      code = await drill({
        server: t.server.url,
        adminKey: ADMIN_KEY,
        phases: "injection",
        wait: 4,
        format: "json",
        env: {},
        stderr: {
          write: (chunk: string) => {
            progress += chunk;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
      });
    } finally {
      stdout.mockRestore();
    }
    expect(code).toBe(1);
    const report = JSON.parse(out) as DrillReport;
    expect(report.failed).toEqual(["injection.notified"]);
    expect(check(report, "injection.notified")!.detail).toMatch(/incidents\.webhooks is not configured/);
    // What did happen is still reported as such.
    expect(check(report, "injection.incident")!.status).toBe("pass");
    expect(check(report, "injection.responded")!.status).toBe("pass");
    expect(progress).toMatch(/^drill: injection:/m);
    // The key is gone even though the drill failed.
    expect((await keys(t)).filter((k) => k.name.startsWith(report.run_id)).map((k) => k.status)).toEqual([
      "revoked",
    ]);
  }, 120_000);

  it("fails when no SIEM exporter is configured, and when guards are off", async () => {
    const hook = await receiver();
    const t = await target(`guards: { enabled: false }
incidents:
  webhooks:
    ops: { url: "${hook.url}/incidents", secret: env:DRILL_HOOK_SECRET }
`);
    const report = await runDrill({
      server: t.server.url,
      adminKey: ADMIN_KEY,
      phases: ["leakage"],
      waitMs: 3000,
      pollMs: 200,
    });
    expect(report.passed).toBe(false);
    expect(report.failed).toEqual(["leakage.detected", "leakage.contained", "siem.delivered"]);
    expect(check(report, "siem.delivered")!.detail).toMatch(/no SIEM exporter is configured/);
    expect(check(report, "leakage.contained")!.detail).toMatch(
      /4 of 4 requests carrying a credential were allowed/,
    );
    expect(report.cleanup.keys.map((k) => k.status)).toEqual(["revoked"]);
  }, 60_000);

  it("stops with exit 2 on a refused admin key, an unknown phase or a server that is not there", async () => {
    const hook = await receiver();
    const t = await target(configured(hook));
    for (const opts of [
      { server: t.server.url, adminKey: "pcx_wrong" },
      { server: t.server.url, adminKey: ADMIN_KEY, phases: "injection,teleport" },
      { server: "http://127.0.0.1:9", adminKey: ADMIN_KEY },
    ]) {
      const error = await drill({ ...opts, format: "json", env: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
    }
    // Nothing was created by the refused runs.
    expect((await keys(t)).filter((k) => k.name.startsWith("drill-"))).toEqual([]);
  }, 60_000);

  it("is wired as `portcullis drill` with its options", async () => {
    const hook = await receiver();
    const t = await target(configured(hook));
    let out = "";
    let err = "";
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      err += chunk.toString();
      return true;
    });
    const before = process.exitCode;
    try {
      await buildProgram()
        .exitOverride()
        .parseAsync([
          "node",
          "portcullis",
          "drill",
          "--server",
          t.server.url,
          "--admin-key",
          ADMIN_KEY,
          "--phases",
          "leakage",
          "--wait",
          "10",
          "--keep-incidents",
          "--format",
          "json",
        ]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const code = process.exitCode;
    process.exitCode = before;
    const report = JSON.parse(out) as DrillReport;
    expect(report.phases.map((p) => p.id)).toEqual(["leakage"]);
    expect(report.passed).toBe(true);
    expect(code).toBe(0);
    // Progress on stderr, the report alone on stdout.
    expect(err).toMatch(/^drill: leakage: Secret leakage, 4 requests/m);
    expect(out.trim().split("\n")).toHaveLength(1);
  }, 60_000);

  it("interrupted mid-attack, still revokes its key before stopping", async () => {
    const hook = await receiver();
    const t = await target(configured(hook));
    const controller = new AbortController();
    const lines: string[] = [];
    const error = await runDrill({
      server: t.server.url,
      adminKey: ADMIN_KEY,
      phases: ["flood"],
      sizes: { flood: 100_000 },
      signal: controller.signal,
      progress: (line) => {
        lines.push(line);
        // Abort once the flood is under way.
        if (line.startsWith("flood:")) setTimeout(() => controller.abort(), 300);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrillError);
    expect((error as Error).message).toMatch(/interrupted during flood/);
    const drillKeys = (await keys(t)).filter((k) => k.name.startsWith("drill-"));
    expect(drillKeys.map((k) => k.status)).toEqual(["revoked"]);
    expect(lines.some((l) => /^cleanup: 1 of 1 drill keys revoked/.test(l))).toBe(true);
  }, 60_000);
});
