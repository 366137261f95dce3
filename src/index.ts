/**
 * The library API (`import { scanText } from "portcullis"`): detection for now; other rooms add
 * their exports here, one line each.
 */
export {
  createEngine,
  createVault,
  DetectConfigError,
  prepare,
  redact,
  scanText,
  type Category,
  type DetectContext,
  type Detector,
  type Engine,
  type EngineOptions,
  type Finding,
  type PreparedText,
  type RedactOptions,
  type RedactStyle,
  type ScanOptions,
  type Severity,
  type StreamRestorer,
  type TextView,
  type Vault,
} from "./detect/index.js";
