import { resolve } from "node:path";
import { loadConfigFile, loadEmbeddedConfig, type LoadedConfig } from "../config/index.js";

/** The configuration to audit: a file, or the embedded default `portcullis serve` runs without one. */
export function loadAuditedConfig(file: string | undefined): LoadedConfig {
  return file ? loadConfigFile(file) : loadEmbeddedConfig();
}

/**
 * The data directory the gateway would use: `--data-dir` wins, else the configuration's dataDir,
 * resolved like `portcullis serve` resolves it (against the working directory).
 */
export function effectiveDataDir(configured: string, override?: string): string {
  return resolve(override ?? configured);
}
