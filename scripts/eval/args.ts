/**
 * Options of `npm run eval` (`node dist/scripts/eval/index.js`). A partial run (`--only`,
 * `--limit`) prints its tables but leaves EVAL.md alone unless `--write` is given, so a quick check
 * never overwrites the full report.
 */

export const SECTIONS = [
  "injection",
  "leak",
  "pii",
  "secrets",
  "speed",
  "model",
  "dataset",
  "analytics",
] as const;
export type SectionId = (typeof SECTIONS)[number];

export interface EvalArgs {
  only: SectionId[];
  peers: boolean;
  /** Rows per source (files keep every source); Infinity for all. */
  limit: number;
  json: boolean;
  /** Write EVAL.md: default true for a full run, false for a partial one. */
  write: boolean;
  data?: string;
  help: boolean;
}

export const USAGE = `usage: npm run eval -- [options]
  --only LIST     sections to run, comma-separated: ${SECTIONS.join(",")} (default: all)
  --peers         also measure the peer libraries (default)
  --no-peers      Portcullis only
  --limit N       at most N rows per source, for a quick run
  --json          print the results as JSON instead of markdown
  --data DIR      evaluation data (default: $PORTCULLIS_DATA or ../shared/data)
  --write         write EVAL.md even for a partial run
  --no-write      never write EVAL.md
  -h, --help      this text`;

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseArgs(argv: readonly string[]): EvalArgs {
  const a: EvalArgs = {
    only: [...SECTIONS],
    peers: true,
    limit: Infinity,
    json: false,
    write: true,
    help: false,
  };
  let write: boolean | undefined;
  let partial = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--only": {
        const list = value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        for (const s of list) {
          if (!(SECTIONS as readonly string[]).includes(s)) {
            throw new UsageError(`--only: unknown section "${s}" (known: ${SECTIONS.join(", ")})`);
          }
        }
        if (list.length === 0) throw new UsageError("--only needs at least one section");
        a.only = SECTIONS.filter((s) => list.includes(s));
        partial ||= a.only.length < SECTIONS.length;
        break;
      }
      case "--peers":
        a.peers = true;
        break;
      case "--no-peers":
        a.peers = false;
        partial = true;
        break;
      case "--limit": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError("--limit needs a positive integer");
        a.limit = n;
        partial = true;
        break;
      }
      case "--json":
        a.json = true;
        break;
      case "--data":
        a.data = value();
        break;
      case "--write":
        write = true;
        break;
      case "--no-write":
        write = false;
        break;
      case "-h":
      case "--help":
        a.help = true;
        break;
      default:
        throw new UsageError(`unknown option "${arg}"\n${USAGE}`);
    }
  }
  a.write = write ?? !partial;
  return a;
}
