/**
 * `--fail-on` thresholds for CI: a comma-separated list of `CHECK`, `CHECK=N` or `CHECK=P%`
 * (CHECK is a check id, `flagged` for any check, or `unreadable` for rows that could not be read). A rule is exceeded when more than N rows (or more
 * than P % of the rows) were flagged by that check; `CHECK` alone means `CHECK=0`. `none` never
 * fails. The scan fails (exit 1) when any rule is exceeded.
 */
import { z } from "zod";
import { CHECK_IDS, type CheckId, type DatasetSummary } from "./index.js";

export const FAIL_ON_KEYS = [...CHECK_IDS, "flagged", "unreadable"] as const;
export type FailOnKey = (typeof FAIL_ON_KEYS)[number];

export interface FailRule {
  key: FailOnKey;
  /** Rows allowed (count), or percent of the rows allowed when `percent`. */
  max: number;
  percent: boolean;
}

export const DEFAULT_FAIL_ON = "flagged";

const MAX_SPEC_CHARS = 2000;

const ruleSchema = z.object({
  key: z.enum(FAIL_ON_KEYS),
  max: z.number().finite().nonnegative(),
  percent: z.boolean(),
});

export class FailOnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FailOnError";
  }
}

export function parseFailOn(spec: string): FailRule[] {
  const text = spec.trim();
  if (text.length > MAX_SPEC_CHARS) throw new FailOnError("--fail-on is too long");
  if (text === "none") return [];
  const rules: FailRule[] = [];
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const m = /^([a-z_]+)(?:\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(%)?)?$/.exec(item);
    if (!m) throw new FailOnError(`--fail-on: cannot read "${item}" (CHECK, CHECK=N or CHECK=P%)`);
    const parsed = ruleSchema.safeParse({
      key: m[1],
      max: m[2] === undefined ? 0 : Number(m[2]),
      percent: m[3] === "%",
    });
    if (!parsed.success) {
      throw new FailOnError(
        `--fail-on: unknown check "${m[1]}" (known: ${FAIL_ON_KEYS.join(", ")}, or none)`,
      );
    }
    if (parsed.data.percent && parsed.data.max > 100) throw new FailOnError(`--fail-on: ${item}: over 100 %`);
    rules.push(parsed.data);
  }
  if (rules.length === 0) throw new FailOnError("--fail-on needs at least one rule, or none");
  return rules;
}

export interface Exceeded {
  rule: string;
  rows: number;
}

/** The rules the scan exceeded (empty: passed). */
export function exceededRules(
  rules: readonly FailRule[],
  summary: Pick<DatasetSummary, "rows" | "flagged" | "checks"> & { unreadable?: number },
): Exceeded[] {
  const out: Exceeded[] = [];
  for (const r of rules) {
    const rows =
      r.key === "flagged"
        ? summary.flagged
        : r.key === "unreadable"
          ? (summary.unreadable ?? 0)
          : summary.checks[r.key as CheckId];
    const over = r.percent ? rows * 100 > r.max * Math.max(1, summary.rows) : rows > r.max;
    if (over) out.push({ rule: `${r.key}=${r.max}${r.percent ? "%" : ""}`, rows });
  }
  return out;
}
