import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/index.js";
import { probeSecrets, secretSites, type PostureInput, type ServerFacts } from "../../src/posture/index.js";

export const FIXTURES = new URL("../fixtures/posture/", import.meta.url).pathname;

function chmodTree(dir: string, mode: number): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chmodTree(path, mode);
    else chmodSync(path, mode);
  }
}

/**
 * A fixture folder as the audit sees it: `portcullis.yaml`, and optionally `env.json` (the
 * environment secrets are looked up in), `server.json` (what --server would have found) and
 * `modes.json` (file modes; every other file is 0600, whatever git checked out).
 */
export function fixtureInput(name: string): PostureInput {
  const dir = mkdtempSync(join(tmpdir(), `pcx-posture-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  chmodTree(dir, 0o600);
  const json = (file: string) =>
    existsSync(join(dir, file)) ? (JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown) : undefined;
  const modes = (json("modes.json") ?? {}) as Record<string, string>;
  for (const [file, mode] of Object.entries(modes)) chmodSync(join(dir, file), parseInt(mode, 8));
  const env = (json("env.json") ?? {}) as Record<string, string>;
  const server = json("server.json") as ServerFacts | undefined;
  const loaded = loadConfigFile(join(dir, "portcullis.yaml"));
  return {
    config: loaded.config,
    source: `fixtures/posture/${name}`,
    baseDir: loaded.baseDir,
    dataDir: loaded.config.dataDir,
    secrets: probeSecrets(secretSites(loaded.config), { baseDir: loaded.baseDir, env }),
    ...(server ? { server } : {}),
  };
}
