import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  auditDbFile,
  buildInclusionProof,
  loadAuditVerifier,
  ProofError,
  verifyAuditLog,
  type ExternalCheckpoints,
  type InclusionProofResult,
  type VerifyReport,
} from "../../../audit/index.js";
import type { NoteVerifier } from "../../../crypto/signing/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../errors.js";

export interface AuditVerifyOptions {
  dataDir: string;
  /** A file of one or more checkpoints kept outside the data directory. */
  checkpoint?: string;
  /** A verifier key (or PEM public key) the auditor trusts, instead of the data directory's. */
  publicKey?: string;
  format: "text" | "json";
}

export interface AuditProofOptions {
  dataDir: string;
  index: string;
  size?: string;
  publicKey?: string;
  format: "text" | "json";
}

function logFile(dataDir: string): string {
  const file = auditDbFile(resolve(dataDir));
  if (!existsSync(file)) throw new CliError(`no audit log in ${resolve(dataDir)} (expected ${file})`);
  return file;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function verifier(dataDir: string, publicKey: string | undefined): NoteVerifier {
  if (publicKey) readText(publicKey, "the public key");
  try {
    return loadAuditVerifier(resolve(dataDir), publicKey);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES")
      throw new CliError(`cannot read the audit public key: ${code} (give one with --public-key FILE)`);
    throw new CliError(`cannot use the audit public key: ${(error as Error).message}`);
  }
}

/** SQLite errors after the file opened mean the database is damaged or not an audit log: a finding. */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") && !code.startsWith("SQLITE_CANTOPEN");
}

function verifyJson(report: VerifyReport) {
  return {
    ok: report.ok,
    origin: report.origin,
    key_id: report.keyId,
    size: report.size,
    root: report.root,
    checkpoints: {
      stored: report.checkpoints.stored,
      verified: report.checkpoints.verified,
      latest_size: report.checkpoints.latestSize,
    },
    external: {
      checked: report.external.checked,
      verified: report.external.verified,
      largest_size: report.external.largestSize,
    },
    uncovered: report.uncovered,
    first_bad_index: report.firstBadIndex,
    problems: report.problems,
    elapsed_ms: report.elapsedMs,
  };
}

function verifyText(report: VerifyReport, checkpointFile: string | undefined): string {
  const lines = [
    `audit log ${report.origin} (key ${report.keyId}): ${report.size} records, root ${report.root}`,
    `checkpoints: ${report.checkpoints.stored} stored, ${report.checkpoints.verified} with a valid signature` +
      (report.checkpoints.latestSize !== null
        ? `, the newest covers ${report.checkpoints.latestSize} records`
        : ""),
  ];
  if (checkpointFile)
    lines.push(
      `external: ${report.external.verified} of ${report.external.checked} checkpoints in ${checkpointFile} verified`,
    );
  if (report.uncovered > 0)
    lines.push(`note: the last ${report.uncovered} records are not covered by a signed checkpoint yet`);
  if (report.ok) {
    lines.push(`OK: intact (${report.elapsedMs} ms)`);
  } else {
    lines.push(
      report.firstBadIndex !== null
        ? `TAMPERED: the first bad record is ${report.firstBadIndex}`
        : "TAMPERED: the checkpoints do not check out",
    );
    for (const problem of report.problems) lines.push(`  - ${problem.reason}`);
  }
  return lines.join("\n");
}

/**
 * `portcullis audit verify`: exit 0 when the log is intact, 1 when it is not (naming the first bad
 * record and what is wrong), 2 when it cannot run (no log, unreadable files).
 */
export async function auditVerify(opts: AuditVerifyOptions): Promise<number> {
  const file = logFile(opts.dataDir);
  const external: ExternalCheckpoints[] = opts.checkpoint
    ? [{ source: opts.checkpoint, content: readText(opts.checkpoint, "the checkpoint file") }]
    : [];
  const key = verifier(opts.dataDir, opts.publicKey);
  let report: VerifyReport;
  try {
    report = verifyAuditLog({ file, verifier: key, external });
  } catch (error) {
    if (!isDamage(error)) throw error;
    const reason = `audit.db cannot be read as an audit log (damaged or replaced): ${(error as Error).message}`;
    if (opts.format === "json")
      process.stdout.write(
        `${JSON.stringify({ ok: false, first_bad_index: null, problems: [{ kind: "log", reason }] })}\n`,
      );
    else process.stdout.write(`TAMPERED: ${reason}\n`);
    return EXIT_FINDINGS;
  }
  process.stdout.write(
    opts.format === "json"
      ? `${JSON.stringify(verifyJson(report))}\n`
      : `${verifyText(report, opts.checkpoint)}\n`,
  );
  return report.ok ? EXIT_OK : EXIT_FINDINGS;
}

function parseCount(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new CliError(`${option} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function proofJson(proof: InclusionProofResult) {
  return {
    origin: proof.origin,
    index: proof.index,
    tree_size: proof.treeSize,
    leaf: proof.leaf,
    leaf_hash: proof.leafHash,
    path: proof.path,
    root: proof.root,
    checkpoint: proof.checkpoint,
    verified: proof.verified,
    ...(proof.problem ? { problem: proof.problem } : {}),
  };
}

function proofText(proof: InclusionProofResult): string {
  const lines = [
    `record ${proof.index} of ${proof.origin}, in the tree of its first ${proof.treeSize} records`,
    `leaf       ${proof.leaf}`,
    `leaf hash  ${proof.leafHash}`,
    ...proof.path.map((h, i) => `${i === 0 ? "path      " : "          "} ${h}`),
    `root       ${proof.root}`,
  ];
  lines.push(
    proof.checkpoint
      ? `checkpoint\n${proof.checkpoint.trimEnd()}`
      : "checkpoint (none signed at this size yet)",
  );
  lines.push(proof.verified ? "verified: yes" : `verified: NO — ${proof.problem}`);
  return lines.join("\n");
}

/** `portcullis audit proof --index N [--size S]`: an inclusion proof a third party can check. */
export async function auditProof(opts: AuditProofOptions): Promise<number> {
  const index = parseCount(opts.index, "--index")!;
  const size = parseCount(opts.size, "--size");
  const file = logFile(opts.dataDir);
  const key = verifier(opts.dataDir, opts.publicKey);
  let proof: InclusionProofResult;
  try {
    proof = buildInclusionProof({ file, verifier: key, index, ...(size !== undefined ? { size } : {}) });
  } catch (error) {
    if (error instanceof ProofError)
      throw new CliError(error.message, error.kind === "damage" ? EXIT_FINDINGS : EXIT_USAGE);
    if (isDamage(error))
      throw new CliError(`audit.db cannot be read: ${(error as Error).message}`, EXIT_FINDINGS);
    throw error;
  }
  process.stdout.write(
    opts.format === "json" ? `${JSON.stringify(proofJson(proof))}\n` : `${proofText(proof)}\n`,
  );
  return proof.verified ? EXIT_OK : EXIT_FINDINGS;
}
