/**
 * The run state (`redteam-state.jsonl` in the output folder): a header line (what run this is, its
 * canary and planted secret) and one line per finished case, appended as each finishes. `--resume`
 * reads it back and runs only the cases it lacks; a torn last line (the process was killed while
 * writing) is ignored.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CaseResult } from "../types.js";
import { RedteamError } from "../errors.js";

export class StateMismatchError extends RedteamError {}

export interface RunState {
  results: CaseResult[];
  secrets: { canary: string; secret: string };
  startedAt: string;
  append(result: CaseResult): void;
  close(): void;
}

interface Header {
  type: "header";
  version: 1;
  fingerprint: Record<string, unknown>;
  secrets: { canary: string; secret: string };
  startedAt: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

export function openState(
  path: string,
  opts: {
    resume: boolean;
    fingerprint: Record<string, unknown>;
    secrets: { canary: string; secret: string };
  },
): RunState {
  let header: Header | undefined;
  const results: CaseResult[] = [];
  if (opts.resume && existsSync(path)) {
    const lines = readFileSync(path, "utf8").split("\n");
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      let record: { type?: string; version?: number; result?: CaseResult };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        if (i >= lines.length - 2) continue; // a torn last line
        throw new StateMismatchError(`${path}: line ${i + 1} is not JSON; delete the file to start again`);
      }
      if (i === 0) {
        if (record.type !== "header" || record.version !== 1)
          throw new StateMismatchError(`${path} is not a red-team state file`);
        header = record as unknown as Header;
        if (canonical(header.fingerprint) !== canonical(opts.fingerprint))
          throw new StateMismatchError(
            `${path} belongs to a different run (target, suites, transforms or system prompt differ); use another --out folder or run without --resume`,
          );
      } else if (record.type === "result" && record.result) results.push(record.result);
    }
  }
  if (!header) {
    mkdirSync(dirname(path), { recursive: true });
    header = {
      type: "header",
      version: 1,
      fingerprint: opts.fingerprint,
      secrets: opts.secrets,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(path, `${JSON.stringify(header)}\n`, { mode: 0o600 });
  }
  return {
    results,
    secrets: header.secrets,
    startedAt: header.startedAt,
    append(result) {
      appendFileSync(path, `${JSON.stringify({ type: "result", result })}\n`);
    },
    close() {},
  };
}
