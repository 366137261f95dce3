/**
 * Exit codes every command shares (documented in docs/cli.md):
 * 0 success, 1 the command ran and found a problem (findings, tampering, a failed check),
 * 2 the command could not run (bad arguments, unreadable input, invalid config),
 * 70 an internal error (a bug: please report it).
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** An expected stop: printed as a one-line message, exits with its code, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = "CliError";
  }
}
