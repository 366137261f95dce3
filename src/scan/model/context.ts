import type { Source } from "./source.js";
import type { FileReport, Finding, ScanLimits } from "./types.js";

/** One thing to scan: a file on disk, an archive member, a decompressed stream. */
export interface ScanNode {
  /** Reported path (`a.zip:archive/data.pkl`). */
  path: string;
  /** The last path component, for extension hints (`data.pkl`). */
  name: string;
  source: Source;
  /** Archive nesting depth (0 for a file given on the command line or found in a directory). */
  depth: number;
  /**
   * True for files the user named or that a directory walk picked by extension: an unrecognised
   * format is then reported as `invalid`. Archive members that are plain data are skipped silently.
   */
  explicit: boolean;
  /** Folder on disk holding the top-level file (ONNX external data is resolved against it). */
  dir?: string;
}

export interface ScanContext {
  limits: ScanLimits;
  /** Bytes produced by decompression so far for the current top-level file. */
  expanded: number;
  reports: FileReport[];
  /** Scans a child (archive member, decompressed stream); returns its report if it was recognised. */
  scanChild(node: ScanNode): FileReport | undefined;
}

export function finding(
  kind: string,
  severity: Finding["severity"],
  offset: number,
  detail: string,
): Finding {
  return { kind, severity, offset, detail };
}
