/**
 * `portcullis scan dataset FILE` (issue 6, "Dataset scanner"; docs/scanning-datasets.md).
 * Streams the rows' results as they are found (JSON rows are written one by one, so a large
 * dataset never sits in memory), then the summary. Exit codes: 0 passed, 1 a `--fail-on` rule was
 * exceeded or the manifest did not verify (nothing is scanned then), 2 the scan could not run.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { z } from "zod";
import {
  CHECKS,
  INPUT_FORMATS,
  scanDataset,
  ScanWorkerError,
  SourceError,
  type DatasetSummary,
  type RowResult,
} from "../../../scan/dataset/index.js";
import {
  DEFAULT_FAIL_ON,
  exceededRules,
  FailOnError,
  parseFailOn,
  type Exceeded,
} from "../../../scan/dataset/fail-on.js";
import { verifyDatasetManifest } from "../../../scan/dataset/manifest.js";
import { DatasetSarif } from "../../../scan/dataset/sarif.js";
import { ManifestError, ManifestKeyError } from "../../../scan/manifest/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../errors.js";
import { ProgressBar, type ProgressStream } from "./progress.js";

export interface ScanDatasetOptions {
  file: string;
  format?: string;
  field?: string;
  labelField?: string;
  inputFormat?: string;
  checks?: string;
  failOn?: string;
  manifest?: string;
  pubkey?: string;
  manifestRoot?: string;
  top?: string;
  minSupport?: string;
  maxFeatures?: string;
  workers?: string;
  /** For tests: the worker module the scan starts (a failing one, to check the exit code). */
  workerUrl?: URL;
  /** Commander's --no-progress sets false; the bar shows only when standard error is a terminal. */
  progress?: boolean;
  stdout?: Writable;
  stderr?: ProgressStream;
}

const FIELD = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, "a field name has no spaces");
const intOption = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, "a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const optionsSchema = z.object({
  file: z.string().min(1).max(4096),
  format: z.enum(["text", "json", "sarif"]).default("text"),
  field: FIELD.optional(),
  labelField: FIELD.optional(),
  inputFormat: z.enum(INPUT_FORMATS).optional(),
  checks: z
    .string()
    .max(500)
    .transform((s) =>
      s
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(CHECKS)).min(1))
    .optional(),
  failOn: z.string().max(2000).default(DEFAULT_FAIL_ON),
  manifest: z.string().min(1).max(4096).optional(),
  pubkey: z.string().min(1).max(4096).optional(),
  manifestRoot: z.string().min(1).max(4096).optional(),
  top: intOption(0, 10_000).default(20),
  minSupport: intOption(2, 1_000_000_000).optional(),
  maxFeatures: intOption(1000, 50_000_000).optional(),
  workers: intOption(0, 256).optional(),
  progress: z.boolean().optional(),
});

function usage(error: z.ZodError): CliError {
  const issue = error.issues[0];
  const where = issue?.path.length
    ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: `
    : "";
  return new CliError(`${where}${issue?.message ?? "invalid options"}`, EXIT_USAGE);
}

/** Writes with back-pressure: a slow reader of standard output slows the scan, not memory. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/** Bytes of row output gathered before one write (one system call per row cost a tenth of the scan). */
const OUTPUT_CHUNK = 64 * 1024;

/**
 * JSON row output gathered into chunks, written with back-pressure; `flush` before anything else.
 * (Text output is written at once: flagged rows are few, and they must not trail the progress bar.)
 */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly out: Writable) {}

  async add(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= OUTPUT_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    await write(this.out, text);
  }
}

function rowText(row: RowResult): string {
  const where = `row ${row.line}${row.source ? ` (${row.source})` : ""}`;
  return row.checks
    .filter((c) => c.score >= 0.5)
    .map((c) => `${where}: ${c.check} ${c.score.toFixed(2)} — ${c.reason}\n`)
    .join("");
}

function summaryText(s: DatasetSummary, exceeded: Exceeded[], failOn: string): string {
  const lines: string[] = [];
  lines.push(
    `${s.file} (${s.format}): ${s.rows} rows, ${s.flagged} flagged, ${s.unreadable} unreadable, ` +
      `${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(1)} s`,
  );
  const labels = Object.entries(s.labels);
  if (labels.length > 0) lines.push(`labels: ${labels.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  lines.push("rows flagged per check:");
  for (const [check, n] of Object.entries(s.checks)) lines.push(`  ${check.padEnd(24)} ${n}`);
  if (s.triggers.length > 0) {
    lines.push(`backdoor triggers (${s.associationTests} association tests):`);
    for (const t of s.triggers) {
      lines.push(
        `  "${t.trigger}" (${t.kind}) → label "${t.label}": ${t.rowsWithLabel}/${t.rows} rows, p = ${t.p.toExponential(1)}, ` +
          `${Math.round(t.readsAsOtherLabel * 100)}% of them read as another label without it`,
      );
    }
  }
  if (s.top.length > 0) {
    lines.push("most suspicious rows:");
    for (const t of s.top) {
      lines.push(
        `  row ${t.line}${t.source ? ` (${t.source})` : ""}: ${t.score.toFixed(2)} ${t.checks.join(", ")}`,
      );
    }
  }
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(
    exceeded.length > 0
      ? `FAILED (--fail-on ${failOn}): ${exceeded.map((e) => `${e.rule} (${e.rows} rows)`).join("; ")}`
      : `passed (--fail-on ${failOn})`,
  );
  return lines.join("\n") + "\n";
}

export async function scanDatasetCommand(raw: ScanDatasetOptions): Promise<number> {
  const parsed = optionsSchema.safeParse({
    ...raw,
    stdout: undefined,
    stderr: undefined,
    workerUrl: undefined,
  });
  if (!parsed.success) throw usage(parsed.error);
  const opts = parsed.data;
  const out = raw.stdout ?? process.stdout;
  const err = raw.stderr ?? process.stderr;
  let rules;
  try {
    rules = parseFailOn(opts.failOn);
  } catch (error) {
    if (error instanceof FailOnError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
  if ((opts.manifest === undefined) !== (opts.pubkey === undefined)) {
    throw new CliError("--manifest and --pubkey go together", EXIT_USAGE);
  }
  if (opts.manifestRoot !== undefined && opts.manifest === undefined) {
    throw new CliError("--manifest-root needs --manifest and --pubkey", EXIT_USAGE);
  }

  if (opts.manifest !== undefined && opts.pubkey !== undefined) {
    let verified;
    try {
      verified = await verifyDatasetManifest({
        path: opts.file,
        manifest: opts.manifest,
        pubkey: opts.pubkey,
        ...(opts.manifestRoot ? { root: opts.manifestRoot } : {}),
      });
    } catch (error) {
      if (error instanceof ManifestError || error instanceof ManifestKeyError) {
        throw new CliError(error.message, EXIT_USAGE);
      }
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new CliError(`cannot read ${opts.file}`, EXIT_USAGE);
      }
      throw error;
    }
    if (!verified.ok) {
      const lines = verified.problems.map((p) => `  ${p}`);
      err.write(
        `portcullis: the manifest does not verify for ${verified.root}; not scanning:\n${lines.join("\n")}\n`,
      );
      if (opts.format === "json") {
        await write(
          out,
          JSON.stringify({ manifest: { ok: false, root: verified.root, problems: verified.problems } }) +
            "\n",
        );
      }
      return EXIT_FINDINGS;
    }
    err.write(`manifest verified: ${verified.result.files} files of ${verified.root} match\n`);
  }

  // Only on a terminal: --no-progress turns it off there too; a pipe or CI log never gets it.
  const bar = new ProgressBar(err, opts.progress !== false && err.isTTY === true);
  const sarif = opts.format === "sarif" ? new DatasetSarif(opts.file) : undefined;
  const unreadable: Array<{ line: number; error: string }> = [];
  let first = true;
  const rows = new ChunkedWriter(out);
  if (opts.format === "json") await write(out, '{"rows":[');
  let summary: DatasetSummary;
  try {
    summary = await scanDataset(
      {
        path: opts.file,
        ...(opts.inputFormat ? { format: opts.inputFormat } : {}),
        ...(opts.field ? { field: opts.field } : {}),
        ...(opts.labelField ? { labelField: opts.labelField } : {}),
        ...(opts.checks ? { checks: opts.checks } : {}),
        ...(opts.minSupport !== undefined ? { minSupport: opts.minSupport } : {}),
        ...(opts.maxFeatures !== undefined ? { maxFeatures: opts.maxFeatures } : {}),
        ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
        ...(raw.workerUrl ? { workerUrl: raw.workerUrl } : {}),
        top: opts.top,
        onProgress: (pass, passes, bytes, total) => bar.update(pass, passes, bytes, total),
      },
      async (row) => {
        if (row.error !== undefined && unreadable.length < 100)
          unreadable.push({ line: row.line, error: row.error });
        if (opts.format === "json") {
          const text = JSON.stringify({ line: row.line, flagged: row.flagged, checks: row.checks });
          await rows.add(first ? text : `,${text}`);
          first = false;
        } else if (sarif) sarif.add(row);
        else if (row.flagged) {
          bar.done();
          await write(out, rowText(row));
        }
      },
    );
  } catch (error) {
    bar.done();
    await rows.flush();
    if (error instanceof SourceError) throw new CliError(error.message, EXIT_USAGE);
    // A worker thread that failed: the scan could not run (nothing it found is reported).
    if (error instanceof ScanWorkerError) throw new CliError(error.message, EXIT_USAGE);
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code))
      throw new CliError((error as Error).message, EXIT_USAGE);
    throw error;
  }
  await rows.flush();
  bar.done();
  const exceeded = exceededRules(rules, summary);
  // Every row unreadable is a wrong --field or --label-field far more often than a broken file;
  // passing CI on a scan that read nothing would be worse than stopping.
  const nothingRead = summary.rows > 0 && summary.unreadable === summary.rows;
  const version = process.env.npm_package_version ?? "0.1.0";
  if (opts.format === "json") {
    const failOn = { rules: opts.failOn, exceeded };
    await write(out, `],"summary":${JSON.stringify({ ...summary, unreadableRows: unreadable, failOn })}}\n`);
  } else if (sarif) {
    await write(out, JSON.stringify(sarif.log(summary, version), null, 2) + "\n");
  } else {
    await write(out, summaryText(summary, exceeded, opts.failOn));
  }
  if (nothingRead) {
    throw new CliError(
      `no row of ${opts.file} could be read (row 1: ${unreadable[0]?.error ?? "unreadable"}); check --field and --label-field`,
      EXIT_USAGE,
    );
  }
  return exceeded.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
