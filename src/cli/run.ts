import { CommanderError, type Command } from "commander";
import { CliError, EXIT_INTERNAL, EXIT_USAGE } from "./errors.js";

const REPORT_URL = "https://github.com/portcullis-security/portcullis/issues";

/** Parses argv, runs the command, and turns every outcome into a documented exit code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  const unknown = unknownCommand(program, argv.slice(2));
  if (unknown) {
    process.stderr.write(`portcullis: unknown command "${unknown}" (see portcullis --help)\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

/**
 * Commander answers `portcullis nosuch --help` with the parent's help and exit 0, which would let
 * scripts believe a command exists. Walk the command words first and refuse unknown ones.
 */
function unknownCommand(program: Command, args: string[]): string | undefined {
  let command = program;
  const path: string[] = [];
  for (const word of args) {
    if (word.startsWith("-") || command.commands.length === 0) return undefined;
    const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    path.push(word);
    if (!next) return path.join(" ");
    command = next;
  }
  return undefined;
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
