/**
 * Report formats: every one is a pure function of the report object. `writeReports` puts all four
 * files in the output folder (report.html, report.json, junit.xml, report.sarif).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OWASP_LLM_2025, type RunReport } from "../types.js";
import { renderHtml } from "./html.js";
import { renderJunit } from "./junit.js";
import { renderSarif } from "./sarif.js";
import { worst } from "./summary.js";

export { escapeHtml, renderHtml, visible } from "./html.js";
export { renderJunit, transcript, xmlAttr, xmlText } from "./junit.js";
export { renderSarif, SARIF_SCHEMA } from "./sarif.js";
export { buildReport, compareRuns, probeCatalogue, summarise, tally, worst } from "./summary.js";
export type { ReportInput } from "./summary.js";

export const REPORT_FILES = {
  html: "report.html",
  json: "report.json",
  junit: "junit.xml",
  sarif: "report.sarif",
} as const;

export type ReportFormat = "text" | "json" | "junit" | "sarif" | "html";

export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The terminal summary: totals, per OWASP category, and the attacks that got through. */
export function renderText(report: RunReport): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`red team: ${report.target.url}${report.target.model ? ` (${report.target.model})` : ""}`);
  lines.push(
    `${s.total} cases: ${s.vulnerable} succeeded, ${s.blocked} blocked, ${s.resisted} resisted, ${s.error} errors — pass rate ${pct(s.passRate)}`,
  );
  lines.push("");
  for (const [id, t] of Object.entries(s.byOwasp)) {
    const title = OWASP_LLM_2025[id as keyof typeof OWASP_LLM_2025] ?? "";
    lines.push(
      `  ${id.padEnd(6)} ${title.padEnd(34)} ${String(t.vulnerable).padStart(3)} of ${String(t.total).padStart(3)} succeeded  (pass ${pct(t.passRate)})`,
    );
  }
  if (report.comparison) {
    const c = report.comparison;
    lines.push("");
    lines.push(
      `compared with ${c.direct.target.url}: Portcullis stopped ${c.stopped}, ${c.gotThrough} got through, ${c.notExploitable} not exploitable directly${c.regressed ? `, ${c.regressed} worse through Portcullis` : ""}${c.inconclusive ? `, ${c.inconclusive} inconclusive` : ""}`,
    );
    for (const e of c.entries.filter((x) => x.outcome === "got-through"))
      lines.push(`  got through: ${e.id} (${e.severity})`);
  }
  const w = worst(report.results);
  if (w.length) {
    lines.push("");
    lines.push("attacks that succeeded:");
    for (const r of w)
      lines.push(
        `  ${r.severity.toUpperCase().padEnd(8)} ${r.id}  ${r.reason.replace(/\s+/g, " ").slice(0, 160)}`,
      );
  }
  const errors = report.results.filter((r) => r.verdict === "error");
  if (errors.length) {
    lines.push("");
    lines.push("errors:");
    for (const r of errors.slice(0, 10)) lines.push(`  ${r.id}  ${r.reason.slice(0, 160)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function render(report: RunReport, format: ReportFormat): string {
  switch (format) {
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report);
    case "sarif":
      return renderSarif(report);
    case "html":
      return renderHtml(report);
    default:
      return renderText(report);
  }
}

/** Writes the four report files, each atomically (a reader never sees half a report). */
export function writeReports(dir: string, report: RunReport): Record<keyof typeof REPORT_FILES, string> {
  mkdirSync(dir, { recursive: true });
  const out = {} as Record<keyof typeof REPORT_FILES, string>;
  for (const [format, name] of Object.entries(REPORT_FILES) as Array<[keyof typeof REPORT_FILES, string]>) {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, render(report, format));
    renameSync(`${path}.tmp`, path);
    out[format] = path;
  }
  return out;
}
