import type { PostureReport } from "./types.js";

const LABEL = { critical: "CRITICAL", high: "HIGH", medium: "MEDIUM", low: "LOW", info: "INFO" } as const;

function where(path: readonly (string | number)[]): string {
  return path.length ? path.map(String).join(".") : "(top level)";
}

/** The report for a terminal: score, then each finding with where and how to fix it. */
export function renderText(report: PostureReport): string {
  const lines: string[] = [];
  const count = report.findings.length;
  lines.push(
    `${report.source}: posture score ${report.score}/100, ${count} finding${count === 1 ? "" : "s"} (${report.rules} rules)`,
  );
  for (const f of report.findings) {
    lines.push("");
    lines.push(`${LABEL[f.severity].padEnd(8)} ${f.rule}  ${f.title}`);
    lines.push(`         at ${where(f.path)}: ${f.message}`);
    lines.push(`         fix: ${f.fix}`);
  }
  if (report.skipped.length) {
    lines.push("");
    lines.push("not checked:");
    for (const s of report.skipped) lines.push(`  - ${s}`);
  }
  return lines.join("\n") + "\n";
}
