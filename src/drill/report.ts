import type { CheckResult, DrillReport } from "./types.js";

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

function line(check: CheckResult): string {
  const mark = check.status === "pass" ? "PASS" : check.status === "fail" ? "FAIL" : "SKIP";
  const when = check.after_ms !== undefined ? ` (+${seconds(check.after_ms)})` : "";
  return `  ${mark}  ${check.id.padEnd(22)} ${check.title}${when}\n        ${check.detail}`;
}

/** The report for a terminal: per phase its checks and timings, then the verdict. */
export function renderDrillText(report: DrillReport): string {
  const out: string[] = [`portcullis drill ${report.run_id} against ${report.server}`];
  for (const phase of report.phases) {
    const statuses = Object.entries(phase.requests.statuses)
      .map(([s, n]) => `${n}× ${s}`)
      .join(", ");
    out.push("");
    out.push(
      `${phase.title} [${phase.id}] — key ${phase.key_id}, ${phase.requests.sent} requests (${statuses})`,
    );
    out.push(
      `  time to detect ${seconds(phase.time_to_detect_ms)}, to respond ${seconds(phase.time_to_respond_ms)}, to notify ${seconds(phase.time_to_notify_ms)}`,
    );
    for (const check of phase.checks) out.push(line(check));
  }
  if (report.checks.length) {
    out.push("");
    out.push("Deployment");
    for (const check of report.checks) out.push(line(check));
  }
  out.push("");
  const keys = report.cleanup.keys;
  out.push(
    `Clean-up: ${keys.filter((k) => k.status === "revoked").length} of ${keys.length} drill keys revoked, ${report.cleanup.incidents_resolved} incidents resolved`,
  );
  for (const error of report.cleanup.errors) out.push(`  ERROR ${error}`);
  out.push("");
  out.push(
    report.passed
      ? `PASSED in ${seconds(report.duration_ms)}: every expected detection, response and alert happened.`
      : `FAILED in ${seconds(report.duration_ms)}: ${report.failed.join(", ")}${report.cleanup.errors.length ? " (and clean-up errors)" : ""}`,
  );
  return out.join("\n") + "\n";
}
