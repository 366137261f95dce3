import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI } from "../e2e/helpers/gateway.js";

const run = promisify(execFile);

async function exitCode(args: string[]): Promise<number> {
  try {
    await run(process.execPath, [CLI, ...args]);
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

/** Scripts probe for commands with `--help`: an unknown command must not answer 0. */
describe("the command tree", () => {
  it("answers --help with 0 for real commands and 2 for unknown ones", async () => {
    expect(await exitCode(["--help"])).toBe(0);
    expect(await exitCode(["serve", "--help"])).toBe(0);
    expect(await exitCode(["keys", "create", "--help"])).toBe(0);
    expect(await exitCode(["no-such-command", "--help"])).toBe(2);
    expect(await exitCode(["keys", "no-such-sub", "--help"])).toBe(2);
    expect(await exitCode(["keys", "create"])).toBe(2); // missing --name
  });
});
