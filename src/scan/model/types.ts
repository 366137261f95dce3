/**
 * Shapes shared by every part of the model-file scanner. The JSON report (`--format json`) is
 * exactly `{ files: FileReport[] }`; see docs/scanning.md.
 */

/** Per file: the worst thing found. `invalid` means the bytes are not a well-formed instance of the format. */
export type Verdict = "clean" | "suspicious" | "malicious" | "invalid";

/**
 * How bad one finding is. `critical` makes a file malicious, `medium` suspicious, `low` is
 * informational (reported, never changes the verdict). Kind `parse-error` / `invalid-*` with
 * severity `medium` makes a file `invalid` when nothing critical was found.
 */
export type Severity = "critical" | "medium" | "low";

export interface Finding {
  /** A stable identifier, e.g. `dangerous-global`, `unknown-global`, `unresolved-global`, `lambda-layer`. */
  kind: string;
  severity: Severity;
  /** Byte offset inside the scanned file or member (the opcode's offset for pickles); -1 when not tied to bytes. */
  offset: number;
  /** What was found and why it matters, e.g. `builtins.eval: code execution (eval/exec/compile)`. */
  detail: string;
}

export interface FileReport {
  /** The file's path; archive members as `archive.zip:member` (nested: `a.zip:b.npz:c.npy`). */
  path: string;
  verdict: Verdict;
  /** The format the scanner recognised (`pickle`, `pytorch-zip`, `npy`, `safetensors`, …). */
  format: string;
  findings: Finding[];
}

/** Bounds that keep a scan of hostile input finite in time and memory. */
export interface ScanLimits {
  /** Archives inside archives (zip in zip, npy in npz, pickle in bytes in pickle). */
  maxDepth: number;
  /** Members read from one archive (central directory and local headers together). */
  maxMembers: number;
  /** Bytes that may be produced by decompression for one top-level file (zip-bomb guard). */
  maxExpandedBytes: number;
  /** Largest single pickle stream read into memory; longer streams are scanned up to here and flagged. */
  maxPickleBytes: number;
  /** Largest JSON header or config document parsed (safetensors header, Keras config, GGUF strings). */
  maxJsonBytes: number;
  /** Files visited when walking a directory. */
  maxFiles: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 6,
  maxMembers: 200_000,
  maxExpandedBytes: 2 * 1024 ** 3,
  maxPickleBytes: 512 * 1024 ** 2,
  maxJsonBytes: 100 * 1024 ** 2,
  maxFiles: 100_000,
};

const ORDER: Record<Verdict, number> = { clean: 0, suspicious: 1, invalid: 2, malicious: 3 };

/** The verdict that findings imply. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  let verdict: Verdict = "clean";
  for (const f of findings) {
    const v: Verdict =
      f.severity === "critical"
        ? "malicious"
        : f.severity === "low"
          ? "clean"
          : f.kind === "parse-error" || f.kind.startsWith("invalid")
            ? "invalid"
            : "suspicious";
    verdict = worse(verdict, v);
  }
  return verdict;
}

export function worse(a: Verdict, b: Verdict): Verdict {
  return ORDER[b] > ORDER[a] ? b : a;
}

export function verdictRank(v: Verdict): number {
  return ORDER[v];
}
