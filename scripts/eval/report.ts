/**
 * The pieces every section of the report is made of: markdown lines, a JSON object for `--json`,
 * and the targets of issue 3 it measured (met, missed, or not measured in this run).
 */
import type { LatencySummary } from "./metrics.js";

export interface Target {
  /** What is measured, e.g. "Secrets recall". */
  name: string;
  /** The goal as the issue states it, e.g. "≥ 0.95". */
  goal: string;
  /** Portcullis' figure as text. */
  measured: string;
  met: boolean | null;
  /** Conditions of the measurement (subset, load). */
  note?: string;
}

/** Per-text latency: file → system → summary. */
export type LatencyTable = Record<string, Record<string, LatencySummary>>;

export interface Section {
  title: string;
  latency?: LatencyTable;
  markdown: string[];
  json: Record<string, unknown>;
  targets: Target[];
}

export const fmt = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : `${(100 * x).toFixed(digits)}%`;

export const ms = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : x < 0.1 ? x.toFixed(4) : x.toFixed(3);

/** A markdown table from a header and rows (cells are escaped for pipes). */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: string,
): string[] {
  const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const sep = align ?? header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${sep} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ];
}

export const verdict = (met: boolean | null): string =>
  met === null ? "not measured" : met ? "**met**" : "**missed**";
