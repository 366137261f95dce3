/**
 * Expected stops of a red-team run (a bad suite, template or option, an unreachable target, a
 * state file of another run): the CLI prints the message and exits 2. Anything else is a bug.
 */
export class RedteamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
