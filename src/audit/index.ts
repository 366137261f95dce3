import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, resolve } from "node:path";
import {
  loadOrCreateSigner,
  loadVerifier,
  signingKeyFiles,
  validateKeyName,
} from "../crypto/signing/index.js";
import { auditDbFile, openReader, readMeta } from "./db.js";
import { createFileExporter } from "./export/file.js";
import { createSyslogExporter } from "./export/syslog.js";
import type { CheckpointExporter } from "./export/types.js";
import { createWebhookExporter } from "./export/webhook.js";
import { AuditLog, AuditLogError, type AuditLogger, type CheckpointCadence } from "./log.js";
import { startAuditThread, workerAvailable, type AuditLogHandle } from "./thread.js";

export { AuditLog, AuditLogError, type AuditLogStats, type AuditLogger } from "./log.js";
export { auditDbFile, AUDIT_DB_FILE } from "./db.js";
export {
  checkpointText,
  openCheckpoint,
  parseCheckpointText,
  parseNote,
  signCheckpoint,
  splitNotes,
  CheckpointError,
  type Checkpoint,
  type SignedCheckpoint,
} from "./checkpoint.js";
export { canonicalJson, decodeLeaf, encodeLeaf, LEAF_VERSION } from "./encoding.js";
export * from "./merkle/index.js";
export { verifyAuditLog, type VerifyProblem, type VerifyReport, type ExternalCheckpoints } from "./verify.js";
export {
  buildConsistencyProof,
  buildInclusionProof,
  ProofError,
  type ConsistencyProofResult,
  type InclusionProofResult,
} from "./proof.js";
export type { CheckpointExporter } from "./export/types.js";
export type { AuditLogHandle } from "./thread.js";
export { createFileExporter, createSyslogExporter, createWebhookExporter };

/** The `audit:` configuration section, as the composition root passes it (see src/config/sections/audit.ts). */
export interface AuditSettings {
  origin?: string | undefined;
  checkpoint: CheckpointCadence;
  export: {
    file?: { path: string; mode: "append" | "latest" } | undefined;
    syslog?: { host: string; port: number; protocol: "udp" | "tcp" } | undefined;
    webhook?: { url: string; hmacSecret?: string | undefined; timeoutMs: number } | undefined;
  };
}

export interface OpenAuditLogOptions {
  dataDir: string;
  settings: AuditSettings;
  logger?: AuditLogger;
  /** Resolves `env:`/`file:` references (the webhook's HMAC secret); throws on a missing secret. */
  resolveSecret?: (ref: string, where: string) => string;
  /** Relative export file paths are taken from here (the configuration file's folder). */
  baseDir?: string;
}

/**
 * The log's origin: the one it was created with, else the configured one, else a new random
 * one. A configured origin that differs from the log's is refused by AuditLog, loudly.
 */
function chooseOrigin(dataDir: string, configured: string | undefined): string {
  const file = auditDbFile(dataDir);
  if (existsSync(file)) {
    const db = openReader(file);
    try {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
      const stored = hasMeta ? readMeta(db, "origin") : undefined;
      if (stored !== undefined && configured !== undefined && stored !== configured)
        throw new AuditLogError(
          `the audit log in ${file} has origin "${stored}", but audit.origin says "${configured}": a log's origin is fixed when it is created (set audit.origin to "${stored}", or use a new data directory)`,
        );
      if (stored !== undefined) return stored;
    } finally {
      db.close();
    }
  }
  if (configured) return configured;
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "") || "localhost";
  const origin = `${host}/portcullis-audit/${randomBytes(4).toString("hex")}`;
  if (validateKeyName(origin)) throw new Error(`cannot derive an origin from the host name ${hostname()}`);
  return origin;
}

/** Builds the audit log of a data directory from its settings: key, database, exporters. */
export function openAuditLog(options: OpenAuditLogOptions): AuditLog {
  const { dataDir, settings } = options;
  const origin = chooseOrigin(dataDir, settings.origin);
  const signer = loadOrCreateSigner(dataDir, origin);
  const exporters: CheckpointExporter[] = [];
  const targets = settings.export;
  if (targets.file) {
    const path = isAbsolute(targets.file.path)
      ? targets.file.path
      : resolve(options.baseDir ?? ".", targets.file.path);
    exporters.push(createFileExporter({ path, mode: targets.file.mode }));
  }
  if (targets.syslog) exporters.push(createSyslogExporter(targets.syslog));
  if (targets.webhook) {
    const { url, hmacSecret, timeoutMs } = targets.webhook;
    const secret = hmacSecret
      ? (options.resolveSecret ?? unresolved)(hmacSecret, "audit.export.webhook.hmacSecret")
      : undefined;
    exporters.push(createWebhookExporter({ url, timeoutMs, ...(secret ? { hmacSecret: secret } : {}) }));
  }
  return new AuditLog({
    file: auditDbFile(dataDir),
    signer,
    cadence: settings.checkpoint,
    exporters,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/**
 * The audit log for the gateway: in its own worker thread, so that encoding, hashing, SQLite
 * writes, fsyncs and signing never take time on the event loop that serves requests. Secrets are
 * resolved here, on the calling thread, so a missing one stops start-up with the usual message.
 * When the compiled worker is not there (running the TypeScript sources), the log runs inline.
 */
export async function startAuditLog(options: OpenAuditLogOptions): Promise<AuditLogHandle> {
  if (!workerAvailable()) {
    const log = openAuditLog(options);
    return {
      origin: log.origin,
      mode: "inline",
      subscriber: log.subscriber,
      stats: async () => log.stats(),
      close: () => log.close(),
    };
  }
  const secrets: Record<string, string> = {};
  const hmac = options.settings.export.webhook?.hmacSecret;
  if (hmac) {
    const where = "audit.export.webhook.hmacSecret";
    secrets[where] = (options.resolveSecret ?? unresolved)(hmac, where);
  }
  return startAuditThread({
    dataDir: options.dataDir,
    settings: options.settings,
    secrets,
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

function unresolved(_ref: string, where: string): string {
  throw new Error(`${where}: no secret resolver given`);
}

/**
 * The verifier for a data directory's log: from `publicKeyFile` when given (a copy the auditor
 * trusts), else the `audit-signing.pub` the gateway wrote. A PEM key takes its name from the log.
 */
export function loadAuditVerifier(dataDir: string, publicKeyFile?: string) {
  const file = publicKeyFile ?? signingKeyFiles(dataDir).publicKey;
  let name: string | undefined;
  const db = auditDbFile(dataDir);
  if (existsSync(db)) {
    const reader = openReader(db);
    try {
      name = readMeta(reader, "origin");
    } catch {
      name = undefined;
    } finally {
      reader.close();
    }
  }
  return loadVerifier(file, name);
}
