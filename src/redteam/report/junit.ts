/**
 * JUnit XML, the de-facto format CI systems read (the schema Jenkins and GitLab accept:
 * testsuites > testsuite > testcase with failure/error). One test case per attack case; an attack
 * that succeeded is a failing test, one that could not be judged an error, so CI can gate on it.
 * Model output is attacker-controlled: every text is escaped, and characters XML 1.0 forbids
 * (W3C XML 1.0 §2.2 "Char") are replaced, so a hostile answer cannot break the file.
 */
import type { CaseResult, RunReport } from "../types.js";

/** Characters outside XML 1.0's Char production, and lone surrogates. */
const INVALID_XML =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlText(value: string): string {
  return value
    .replace(INVALID_XML, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

export function xmlAttr(value: string): string {
  return xmlText(value)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

/** A readable transcript of one case, for failure bodies and text output. */
export function transcript(r: CaseResult): string {
  const lines: string[] = [];
  r.turns.forEach((t, i) => {
    const user = t.request.messages.filter((m) => m.role === "user").at(-1);
    if (i === 0 && t.request.document) lines.push(`[document]\n${t.request.document}`);
    lines.push(`[user, turn ${i + 1}]\n${user?.content ?? ""}`);
    const res = t.response;
    if (res.blocked)
      lines.push(
        `[target refused: HTTP ${res.status}${res.blocked.code ? ` ${res.blocked.code}` : ""}] ${res.blocked.message}`,
      );
    else if (res.error) lines.push(`[error] ${res.error}`);
    else {
      lines.push(`[assistant]\n${res.text}`);
      for (const c of res.toolCalls ?? []) lines.push(`[tool call] ${c.name}(${c.arguments})`);
    }
  });
  return lines.join("\n\n");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(report: RunReport): string {
  const bySuite = new Map<string, CaseResult[]>();
  for (const r of report.results) {
    const list = bySuite.get(r.suite);
    if (list) list.push(r);
    else bySuite.set(r.suite, [r]);
  }
  const total = report.summary;
  const totalTime = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="portcullis redteam" tests="${total.total}" failures="${total.vulnerable}" errors="${total.error}" time="${Math.max(0, totalTime).toFixed(3)}">`,
  );
  for (const [suite, results] of bySuite) {
    const failures = results.filter((r) => r.verdict === "vulnerable").length;
    const errors = results.filter((r) => r.verdict === "error").length;
    const time = results.reduce((s, r) => s + r.durationMs, 0);
    out.push(
      `  <testsuite name="${xmlAttr(suite)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(time)}" timestamp="${xmlAttr(report.startedAt.replace(/Z$/, ""))}">`,
    );
    out.push("    <properties>");
    out.push(`      <property name="target" value="${xmlAttr(report.target.url)}"/>`);
    if (report.target.model)
      out.push(`      <property name="model" value="${xmlAttr(report.target.model)}"/>`);
    out.push("    </properties>");
    for (const r of results) {
      const name = `${r.probe}${r.transform ? ` [${r.transform}]` : ""}: ${r.title}`;
      const open = `    <testcase classname="redteam.${xmlAttr(suite)}" name="${xmlAttr(name)}" time="${seconds(r.durationMs)}">`;
      const tags = `OWASP ${r.owasp.join(", ")}; ATLAS ${r.atlas.join(", ")}; severity ${r.severity}`;
      if (r.verdict === "vulnerable") {
        out.push(open);
        out.push(
          `      <failure message="${xmlAttr(`${r.severity}: ${r.reason}`)}" type="vulnerable">${xmlText(`${tags}\njudge: ${r.judge}\n\n${transcript(r)}`)}</failure>`,
        );
        out.push("    </testcase>");
      } else if (r.verdict === "error") {
        out.push(open);
        out.push(
          `      <error message="${xmlAttr(r.reason)}" type="error">${xmlText(transcript(r))}</error>`,
        );
        out.push("    </testcase>");
      } else {
        out.push(open);
        out.push(`      <system-out>${xmlText(`${r.verdict}: ${r.reason}\n${tags}`)}</system-out>`);
        out.push("    </testcase>");
      }
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
