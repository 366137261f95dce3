import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { siemSectionSchema } from "../../../src/config/sections/siem.js";
import { createSiemSubscribers, type SiemSubscriber } from "../../../src/siem/index.js";

/** Builds subscribers the way the gateway does: YAML-shaped input, validated by the real schema. */
export function buildExporters(
  exporters: unknown[],
  secrets: Record<string, string> = {},
): { subscribers: SiemSubscriber[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "pcx-siem-"));
  const parsed = siemSectionSchema.parse({ exporters });
  const subscribers = createSiemSubscribers(parsed.exporters, {
    dataDir: join(dir, "data"),
    resolveSecret(ref, where) {
      const value = secrets[ref];
      if (value === undefined) throw new Error(`${where}: ${ref} is not set`);
      return value;
    },
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(dir, path)),
    hostname: "gw.test",
    productVersion: "9.9.9",
  });
  return { subscribers, dir };
}
