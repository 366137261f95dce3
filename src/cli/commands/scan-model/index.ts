import {
  ModelScanError,
  scanModelPaths,
  verdictRank,
  type FileReport,
  type Verdict,
} from "../../../scan/model/index.js";
import { modelSarif } from "../../../scan/model/sarif.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../errors.js";

export interface ScanModelOptions {
  paths: string[];
  format: "text" | "json" | "sarif";
  /** Fail on suspicious and invalid files too, not only malicious ones. */
  strict?: boolean;
}

const MARK: Record<Verdict, string> = {
  clean: "ok",
  suspicious: "SUSPICIOUS",
  invalid: "INVALID",
  malicious: "MALICIOUS",
};

function text(files: FileReport[]): string {
  const lines: string[] = [];
  for (const f of files) {
    lines.push(`${MARK[f.verdict].padEnd(10)} ${f.path} (${f.format})`);
    for (const x of f.findings) {
      lines.push(
        `           ${x.severity.padEnd(8)} ${x.kind}${x.offset >= 0 ? ` @${x.offset}` : ""}: ${x.detail}`,
      );
    }
  }
  const count = (v: Verdict) => files.filter((f) => f.verdict === v).length;
  lines.push(
    `${files.length} scanned: ${count("malicious")} malicious, ${count("suspicious")} suspicious, ${count("invalid")} invalid, ${count("clean")} clean`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The documented JSON shape and nothing else (docs/scanning.md): scripts compare it exactly, so
 * internal fields such as the recognised format stay in the text and SARIF outputs.
 */
export function jsonReport(files: readonly FileReport[]): { files: JsonFile[] } {
  return {
    files: files.map((f) => ({
      path: f.path,
      verdict: f.verdict,
      findings: f.findings.map(({ kind, severity, offset, detail }) => ({ kind, severity, offset, detail })),
    })),
  };
}

interface JsonFile {
  path: string;
  verdict: Verdict;
  findings: { kind: string; severity: string; offset: number; detail: string }[];
}

/**
 * `portcullis scan model PATH...`: exit 0 when every file is clean, 1 when a file is malicious
 * (or, with --strict, suspicious or invalid), 2 when a path cannot be read.
 */
export async function scanModel(opts: ScanModelOptions): Promise<number> {
  if (opts.paths.length === 0) throw new CliError("give at least one file or folder to scan", EXIT_USAGE);
  let files: FileReport[];
  try {
    files = scanModelPaths(opts.paths).files;
  } catch (e) {
    if (e instanceof ModelScanError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  if (opts.format === "json") process.stdout.write(JSON.stringify(jsonReport(files), null, 2) + "\n");
  else if (opts.format === "sarif") {
    process.stdout.write(
      JSON.stringify(modelSarif(files, process.env.npm_package_version ?? "0.1.0"), null, 2) + "\n",
    );
  } else process.stdout.write(text(files));
  const threshold = verdictRank(opts.strict ? "suspicious" : "malicious");
  return files.some((f) => verdictRank(f.verdict) >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}
