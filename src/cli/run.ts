import { CommanderError, type Command } from "commander";
import { CliError, EXIT_INTERNAL, EXIT_USAGE } from "./errors.js";

const REPORT_URL = "https://github.com/portcullis-security/portcullis/issues";

/** Parses argv, runs the command, and turns every outcome into a documented exit code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof CliError) {
    process.stderr.write(`portcullis: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `portcullis: internal error — this is a bug, please report it at ${REPORT_URL} with the output below.\n${detail}\n`,
  );
  return EXIT_INTERNAL;
}
