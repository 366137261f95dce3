/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format, sarif-v2.1.0-os): one rule per
 * probe, one result per attack that succeeded, located at the probe in its suite file. Tags carry
 * the OWASP LLM and MITRE ATLAS ids; `security-severity` is the property GitHub code scanning
 * reads to rank security results (0.1–10: critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0).
 */
import type { RunReport, Severity } from "../types.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function renderSarif(report: RunReport): string {
  const ruleIndex = new Map(report.probes.map((p, i) => [p.id, i]));
  const rules = report.probes.map((p) => ({
    id: p.id,
    name: p.id
      .replace(/[/-]+(\w)/g, (_, c: string) => c.toUpperCase())
      .replace(/^\w/, (c) => c.toUpperCase()),
    shortDescription: { text: p.title },
    fullDescription: { text: p.goal },
    help: {
      text: `${p.title}. Success means: ${p.goal} OWASP LLM Top 10 2025: ${p.owasp.join(", ")}. MITRE ATLAS: ${p.atlas.join(", ")}.`,
    },
    defaultConfiguration: { level: LEVEL[p.severity] },
    properties: {
      tags: ["security", "llm", ...p.owasp, ...p.atlas],
      "security-severity": SECURITY_SEVERITY[p.severity],
      precision: "high",
    },
  }));
  const probeById = new Map(report.probes.map((p) => [p.id, p]));
  const results = report.results
    .filter((r) => r.verdict === "vulnerable")
    .map((r) => {
      const ruleId = `${r.suite}/${r.probe}`;
      const probe = probeById.get(ruleId);
      return {
        ruleId,
        ...(ruleIndex.has(ruleId) ? { ruleIndex: ruleIndex.get(ruleId) } : {}),
        kind: "fail",
        level: LEVEL[r.severity],
        message: {
          text: `${r.title}${r.transform ? ` (${r.transform})` : ""} succeeded against ${report.target.url}: ${r.reason}`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: probe?.file ?? `suites/${r.suite}.yaml` },
              region: { startLine: probe?.line ?? 1 },
            },
            logicalLocations: [{ name: r.id, kind: "function" }],
          },
        ],
        partialFingerprints: { "portcullisRedteamCase/v1": `${r.id}@${report.target.url}` },
        properties: {
          case: r.id,
          transform: r.transform,
          judge: r.judge,
          owasp: r.owasp,
          atlas: r.atlas,
          severity: r.severity,
        },
      };
    });
  const notifications = report.results
    .filter((r) => r.verdict === "error")
    .map((r) => ({ level: "warning", message: { text: `${r.id}: ${r.reason}` } }));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "portcullis-redteam",
            version: report.tool.version,
            informationUri: "https://github.com/portcullis-security/portcullis/blob/main/docs/redteam.md",
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: {
          target: report.target,
          summary: {
            total: report.summary.total,
            vulnerable: report.summary.vulnerable,
            resisted: report.summary.resisted,
            blocked: report.summary.blocked,
            error: report.summary.error,
            passRate: report.summary.passRate,
          },
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
