/**
 * Dataset-scanner results as SARIF 2.1.0 (through the shared writer in src/scan/report/). One
 * result per flagged check of a row; the row number goes into the message and the property bag
 * (a data row is not always a physical line: CSV quotes span lines, blank lines are skipped).
 * Results are collected while the scan streams, up to a cap, so memory stays bounded.
 */
import { join } from "node:path";
import { sarifLog, type SarifResult, type SarifRule } from "../report/sarif.js";
import { FLAG_SCORE, type CheckId, type DatasetSummary, type RowResult } from "./index.js";

const RULES: Record<CheckId, string> = {
  backdoor_trigger:
    "A token or phrase strongly tied to one label or kind of answer (possible backdoor trigger)",
  near_duplicate_flood: "One of many near-duplicate rows that over-weight one behaviour",
  length_outlier: "Text or answer length far from the rest of its label",
  language_outlier: "Written in another script or language than the rest",
  answer_pattern_outlier: "A refusal or affirmation where the rest of the answers do otherwise",
  pii: "Personal data in a row",
  secret: "A credential or secret in a row",
  prompt_injection: "Instructions aimed at a model, hidden in a document (indirect prompt injection)",
  hidden_text: "Invisible, tag or look-alike characters",
};

const ERROR_CHECKS: ReadonlySet<CheckId> = new Set(["backdoor_trigger", "secret", "prompt_injection"]);

export const MAX_SARIF_RESULTS = 10_000;

export class DatasetSarif {
  private readonly results: SarifResult[] = [];
  dropped = 0;

  constructor(private readonly path: string) {}

  add(row: RowResult): void {
    for (const c of row.checks) {
      if (c.score < FLAG_SCORE) continue;
      if (this.results.length >= MAX_SARIF_RESULTS) {
        this.dropped++;
        continue;
      }
      this.results.push({
        ruleId: c.check,
        level: ERROR_CHECKS.has(c.check) ? "error" : "warning",
        message: `row ${row.line}${row.source ? ` (${row.source})` : ""}: ${c.reason}`,
        uri: row.source ? join(this.path, row.source) : this.path,
        properties: { row: row.line, score: c.score },
      });
    }
  }

  log(summary: DatasetSummary, version: string): object {
    const log = sarifLog(
      {
        name: "portcullis scan dataset",
        version,
        rules: (Object.keys(RULES) as CheckId[]).map((id): SarifRule => ({
          id,
          short: RULES[id],
          level: ERROR_CHECKS.has(id) ? "error" : "warning",
        })),
      },
      this.results,
    ) as { runs: Array<Record<string, unknown>> };
    const run = log.runs[0];
    if (run) {
      run.properties = {
        rows: summary.rows,
        flagged: summary.flagged,
        checks: summary.checks,
        triggers: summary.triggers,
        ...(this.dropped > 0 ? { resultsLeftOut: this.dropped } : {}),
      };
    }
    return log;
  }
}
