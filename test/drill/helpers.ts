import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { vi } from "vitest";
import { startServer, type RunningServer } from "../../src/app/index.js";

export const ADMIN_KEY = `pcx_${randomBytes(24).toString("hex")}`;

export interface DrillTarget {
  server: RunningServer;
  logs: string[];
  close(): Promise<void>;
}

/**
 * A real gateway in front of the demo provider, with the given extra YAML. Signing secrets of
 * webhooks resolve from the process environment (set here with vi.stubEnv).
 */
export async function startTarget(extraYaml: string): Promise<DrillTarget> {
  vi.stubEnv("DRILL_SIEM_SECRET", randomBytes(32).toString("base64"));
  vi.stubEnv("DRILL_HOOK_SECRET", randomBytes(32).toString("base64"));
  const dir = mkdtempSync(join(tmpdir(), "pcx-drill-"));
  const file = join(dir, "portcullis.yaml");
  writeFileSync(
    file,
    `server: { host: 127.0.0.1, port: 0, shutdownGraceMs: 2000 }
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
${extraYaml}`,
  );
  const logs: string[] = [];
  const server = await startServer({
    configFile: file,
    dataDir: join(dir, "data"),
    port: 0,
    env: { PORTCULLIS_ADMIN_KEY: ADMIN_KEY },
    logDestination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  return { server, logs, close: () => server.close() };
}
