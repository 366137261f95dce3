import { DrillError, PHASE_IDS, renderDrillText, runDrill } from "../../../drill/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface DrillCommandOptions {
  server: string;
  adminKey?: string;
  model?: string;
  phases?: string;
  /** Seconds to wait for detections, responses and notifications after the attack. */
  wait?: string | number;
  extractionRequests?: string | number;
  floodRequests?: string | number;
  keepIncidents?: boolean;
  format: "text" | "json";
  env?: NodeJS.ProcessEnv;
  /** Where progress goes (stderr). */
  stderr?: NodeJS.WritableStream;
}

function count(
  value: string | number | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

/**
 * `portcullis drill --server URL --admin-key K` (docs/drill.md): exit 0 when every expected
 * detection, response and notification happened, 1 when one did not, 2 when the drill could not run.
 */
export async function drill(opts: DrillCommandOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const adminKey = opts.adminKey ?? env.PORTCULLIS_ADMIN_KEY;
  if (!adminKey) throw new CliError("the drill needs an admin key: --admin-key KEY or PORTCULLIS_ADMIN_KEY");
  const phases = opts.phases
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = (phases ?? []).filter((p) => !PHASE_IDS.includes(p));
  if (unknown.length)
    throw new CliError(`unknown phase ${unknown.join(", ")} (phases: ${PHASE_IDS.join(", ")})`);
  const wait = count(opts.wait, "wait", 1, 3600) ?? 60;
  const extraction = count(opts.extractionRequests, "extraction-requests", 1, 100_000);
  const flood = count(opts.floodRequests, "flood-requests", 1, 1_000_000);
  const stderr = opts.stderr ?? process.stderr;
  // Ctrl-C stops the attack but not the clean-up: the keys are revoked first. A second one exits.
  const controller = new AbortController();
  const interrupt = () => {
    stderr.write("drill: interrupted; revoking the drill keys (Ctrl-C again to exit at once)\n");
    controller.abort();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let report;
  try {
    report = await runDrill({
      server: opts.server,
      adminKey,
      ...(opts.model ? { model: opts.model } : {}),
      ...(phases ? { phases } : {}),
      sizes: {
        ...(extraction !== undefined ? { extraction } : {}),
        ...(flood !== undefined ? { flood } : {}),
      },
      waitMs: wait * 1000,
      keepIncidents: opts.keepIncidents ?? false,
      progress: (line) => stderr.write(`drill: ${line}\n`),
      signal: controller.signal,
    });
  } catch (error) {
    if (error instanceof DrillError) throw new CliError(error.message);
    throw error;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
  process.stdout.write(opts.format === "json" ? `${JSON.stringify(report)}\n` : renderDrillText(report));
  return report.passed ? EXIT_OK : EXIT_FINDINGS;
}
