import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./portcullis.js";
import { runCommand } from "./process-util.js";

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  nginx: string;
  autocannon: string;
  commit: string;
  /** Uncommitted changes under src/ at the time of the run: the figures may not match the commit. */
  srcChanged: boolean;
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    };
    return json.version;
  } catch {
    return "unknown";
  }
}

/** What the figures were measured on: without this a req/s number means nothing. */
export async function describeMachine(nginx: string): Promise<Machine> {
  const commit = await runCommand("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]);
  const status = await runCommand("git", ["-C", REPO_ROOT, "status", "--porcelain", "--", "src"]);
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    nginx,
    autocannon: packageVersion("autocannon"),
    commit: commit.code === 0 ? commit.output.trim() : "unknown",
    srcChanged: status.code === 0 && status.output.trim() !== "",
  };
}
