/**
 * The detection room's public surface: the engine, redaction, preparation and the core types.
 * Other rooms (policy, gateway, scan, redteam) import from here, not from detector folders.
 */
export {
  createEngine,
  dedupe,
  DetectConfigError,
  getDefaultEngine,
  scanText,
  sortFindings,
} from "./engine.js";
export type { Engine, EngineOptions } from "./engine.js";
export { DETECTOR_IDS, detectorFactories, isDetectorId } from "./registry.js";
export type { DetectorFactory, DetectorId } from "./registry.js";
export { createVault, redact } from "./redact.js";
export type { RedactOptions, RedactStyle, StreamRestorer, Vault, VaultOptions } from "./redact.js";
export { createPreparer, prepare, warmUp } from "./unicode/index.js";
export type { PrepareOptions, PrepareOptionsInput } from "./unicode/index.js";
export { maskEvidence } from "./mask.js";
export { PII_KINDS, PII_SEVERITY, type PiiKind } from "./pii/index.js";
export type {
  Category,
  DetectContext,
  Detector,
  Finding,
  PreparedText,
  ScanOptions,
  Severity,
  TextView,
} from "./types.js";
