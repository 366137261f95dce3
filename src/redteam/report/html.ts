/**
 * The HTML report: one self-contained file (no scripts, no external fonts, styles or images) that a
 * person can open from a CI artifact. Every model answer and probe text is attacker-controlled, so
 * all of it is escaped, and a Content-Security-Policy forbids scripts, images and every fetch even
 * if something slipped through (W3C CSP Level 3, `default-src 'none'`). Invisible characters (zero
 * width, Unicode tags) are shown, not hidden: a reader should see what the model was really sent.
 */
import {
  OWASP_LLM_2025,
  SEVERITIES,
  type CaseResult,
  type RunReport,
  type Tally,
  type Verdict,
} from "../types.js";
import { worst } from "./summary.js";

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Escaped text with invisible characters made visible. */
export function visible(value: string): string {
  return escapeHtml(value)
    .replace(/[\u{e0000}-\u{e007f}]+/gu, (run) => {
      const decoded = [...run]
        .map((c) => (c.codePointAt(0) as number) - 0xe0000)
        .filter((cp) => cp >= 0x20 && cp <= 0x7e)
        .map((cp) => String.fromCodePoint(cp))
        .join("");
      return `<span class="hidden" title="invisible Unicode tag characters, decoded">⟦tags: ${escapeHtml(decoded)}⟧</span>`;
    })
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, '<span class="zw" title="zero-width character">·</span>');
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

const COMPARISON_ORDER: Partial<Record<string, number>> = { "got-through": 0, regressed: 1, stopped: 2 };

const VERDICT_LABEL: Record<Verdict, string> = {
  vulnerable: "attack succeeded",
  resisted: "resisted",
  blocked: "blocked",
  error: "error",
};

function badge(v: Verdict): string {
  return `<span class="badge v-${v}">${VERDICT_LABEL[v]}</span>`;
}

function bar(t: Tally): string {
  const decided = t.total - t.error || 1;
  const parts: Array<[string, number]> = [
    ["vulnerable", t.vulnerable / decided],
    ["blocked", t.blocked / decided],
    ["resisted", t.resisted / decided],
  ];
  return `<div class="bar" role="img" aria-label="${t.vulnerable} succeeded, ${t.blocked} blocked, ${t.resisted} resisted">${parts
    .filter(([, w]) => w > 0)
    .map(([k, w]) => `<span class="b-${k}" style="width:${(w * 100).toFixed(1)}%"></span>`)
    .join("")}</div>`;
}

function tallyRow(label: string, t: Tally): string {
  return `<tr><th scope="row">${label}</th><td>${t.total}</td><td class="n-vulnerable">${t.vulnerable}</td><td>${t.blocked}</td><td>${t.resisted}</td><td>${t.error}</td><td class="rate">${pct(t.passRate)}</td><td class="barcell">${bar(t)}</td></tr>`;
}

const TALLY_HEAD =
  "<thead><tr><th></th><th>cases</th><th>succeeded</th><th>blocked</th><th>resisted</th><th>errors</th><th>pass rate</th><th></th></tr></thead>";

function turnHtml(r: CaseResult): string {
  return r.turns
    .map((t, i) => {
      const user = t.request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
      const doc =
        i === 0 && t.request.document
          ? `<div class="msg doc"><div class="who">retrieved document</div><pre>${visible(t.request.document)}</pre></div>`
          : "";
      const res = t.response;
      let answer: string;
      if (res.blocked)
        answer = `<div class="msg refused"><div class="who">target refused · HTTP ${res.status}${res.blocked.code ? ` · ${escapeHtml(res.blocked.code)}` : ""}</div><pre>${visible(res.blocked.message)}</pre></div>`;
      else if (res.error)
        answer = `<div class="msg refused"><div class="who">error</div><pre>${visible(res.error)}</pre></div>`;
      else
        answer = `<div class="msg assistant"><div class="who">assistant${res.finishReason ? ` · ${escapeHtml(res.finishReason)}` : ""}${res.usage?.completionTokens ? ` · ${res.usage.completionTokens} tokens` : ""}</div><pre>${visible(res.text || "(empty)")}</pre>${(res.toolCalls ?? []).map((c) => `<pre class="tool">tool call: ${visible(`${c.name}(${c.arguments})`)}</pre>`).join("")}</div>`;
      return `${doc}<div class="msg user"><div class="who">attacker · turn ${i + 1}</div><pre>${visible(user)}</pre></div>${answer}`;
    })
    .join("");
}

function findingHtml(r: CaseResult, open: boolean): string {
  const system = r.turns[0]?.request.system;
  return `<details class="finding sev-${r.severity}"${open ? " open" : ""}>
<summary><span class="sev">${r.severity}</span> <strong>${escapeHtml(r.title)}</strong>${r.transform ? ` <span class="tf">${escapeHtml(r.transform)}</span>` : ""} <code>${escapeHtml(r.id)}</code></summary>
<p class="reason"><b>Why:</b> ${visible(r.reason)}</p>
<p class="tags">${r.owasp.map((o) => `<span class="tag">${escapeHtml(o)} ${escapeHtml(OWASP_LLM_2025[o as keyof typeof OWASP_LLM_2025] ?? "")}</span>`).join("")}${r.atlas.map((a) => `<span class="tag atlas">${escapeHtml(a)}</span>`).join("")}<span class="tag">judge: ${escapeHtml(r.judge ?? "none")}</span></p>
${system ? `<details class="sys"><summary>system prompt sent</summary><pre>${visible(system)}</pre></details>` : ""}
<div class="transcript">${turnHtml(r)}</div>
</details>`;
}

const STYLE = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--bad:#c62828;--warn:#b26a00;--ok:#2e7d32;--block:#1565c0}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#17202e;color:#fff;padding:24px 32px}header h1{margin:0 0 4px;font-size:24px}header .meta{margin:0;color:#b8c2d3;font-size:13px}
main{max-width:1180px;margin:0 auto;padding:24px 32px}section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin-bottom:24px}
h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:20px 0 8px;color:var(--muted)}
.headline{font-size:20px;font-weight:600;padding:12px 16px;border-radius:8px;margin-bottom:16px}.headline.bad{background:#fdecea;color:var(--bad)}.headline.good{background:#e8f5e9;color:var(--ok)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin-bottom:8px}.tile{border:1px solid var(--line);border-radius:8px;padding:10px 14px}.tile .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}.tile .v{font-size:26px;font-weight:700}
.tile.vulnerable .v{color:var(--bad)}.tile.blocked .v{color:var(--block)}.tile.resisted .v{color:var(--ok)}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}thead th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
td.n-vulnerable{color:var(--bad);font-weight:600}td.rate{font-variant-numeric:tabular-nums}.barcell{width:28%}
.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;background:#eef0f4;min-width:120px}.bar span{display:block;height:100%}.b-vulnerable{background:var(--bad)}.b-blocked{background:var(--block)}.b-resisted{background:var(--ok)}
.legend span{display:inline-block;margin-right:14px;font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;font-weight:600;white-space:nowrap}.v-vulnerable{background:#fdecea;color:var(--bad)}.v-blocked{background:#e3f2fd;color:var(--block)}.v-resisted{background:#e8f5e9;color:var(--ok)}.v-error{background:#fff3e0;color:var(--warn)}
details.finding{border:1px solid var(--line);border-left:5px solid var(--warn);border-radius:8px;padding:10px 14px;margin:10px 0}details.finding.sev-critical,details.finding.sev-high{border-left-color:var(--bad)}details.finding.sev-low{border-left-color:#9aa3b2}
details.finding>summary{cursor:pointer}.sev{text-transform:uppercase;font-size:11px;font-weight:700;letter-spacing:.05em;color:var(--bad)}.tf{font-size:12px;background:#ede7f6;color:#4527a0;padding:1px 6px;border-radius:4px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted)}.reason{margin:8px 0}.tags{margin:6px 0}.tag{display:inline-block;font-size:12px;background:#eef0f4;border-radius:4px;padding:1px 6px;margin:0 6px 4px 0}.tag.atlas{background:#fff8e1}
.transcript{margin-top:8px}.msg{border-radius:8px;padding:8px 12px;margin:8px 0}.msg .who{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin-bottom:4px}
.msg.user{background:#fff4f4;border:1px solid #f3d0d0}.msg.assistant{background:#f4f8ff;border:1px solid #d3e0f5}.msg.doc{background:#fffbea;border:1px solid #efe2a8}.msg.refused{background:#eef6ff;border:1px dashed #90b4e0}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:420px;overflow:auto}pre.tool{margin-top:6px;color:var(--bad)}
.hidden{background:#ffe0b2;color:#6d4c00;border-radius:3px;padding:0 3px}.zw{color:#e65100;font-weight:700}
details.sys{margin:6px 0;font-size:13px}details.sys pre{background:#f6f7f9;padding:8px;border-radius:6px}
.muted{color:var(--muted)}footer{text-align:center;color:var(--muted);font-size:12px;padding:0 0 32px}
`;

export function renderHtml(report: RunReport): string {
  const s = report.summary;
  const t = report.target;
  const findings = worst(report.results);
  const shown = findings.slice(0, 25);
  const minutes = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const headline =
    s.vulnerable > 0
      ? `<div class="headline bad">${s.vulnerable} of ${s.total} attacks succeeded</div>`
      : `<div class="headline good">No attack succeeded (${s.total} cases)</div>`;
  const owaspRows = Object.entries(s.byOwasp)
    .map(([id, tally]) =>
      tallyRow(
        `${escapeHtml(id)} <span class="muted">${escapeHtml(OWASP_LLM_2025[id as keyof typeof OWASP_LLM_2025] ?? "")}</span>`,
        tally,
      ),
    )
    .join("");
  const sevRows = [...SEVERITIES]
    .reverse()
    .filter((sev) => s.bySeverity[sev])
    .map((sev) => tallyRow(sev, s.bySeverity[sev] as Tally))
    .join("");
  const suiteRows = Object.entries(s.bySuite)
    .map(([name, tally]) => tallyRow(escapeHtml(name), tally))
    .join("");
  const comparison = report.comparison
    ? `<section id="comparison"><h2>What Portcullis stopped</h2>
<p>The same ${report.comparison.entries.length} cases, sent to the model directly (<code>${escapeHtml(report.comparison.direct.target.url)}</code>) and through Portcullis (<code>${escapeHtml(t.url)}</code>).</p>
<div class="tiles"><div class="tile blocked"><div class="k">stopped by Portcullis</div><div class="v">${report.comparison.stopped}</div></div><div class="tile vulnerable"><div class="k">got through</div><div class="v">${report.comparison.gotThrough}</div></div><div class="tile"><div class="k">not exploitable directly</div><div class="v">${report.comparison.notExploitable}</div></div><div class="tile"><div class="k">worse through Portcullis</div><div class="v">${report.comparison.regressed}</div></div></div>
<table><thead><tr><th>case</th><th>OWASP</th><th>severity</th><th>direct</th><th>through Portcullis</th></tr></thead><tbody>
${report.comparison.entries
  .filter((e) => e.outcome in COMPARISON_ORDER)
  // What got through first: that is what a reader has to act on.
  .sort((a, b) => (COMPARISON_ORDER[a.outcome] ?? 9) - (COMPARISON_ORDER[b.outcome] ?? 9))
  .map(
    (e) =>
      `<tr><td>${escapeHtml(e.title)}<br><code>${escapeHtml(e.id)}</code></td><td>${escapeHtml(e.owasp.join(", "))}</td><td>${e.severity}</td><td>${badge(e.direct)}</td><td>${badge(e.through)}</td></tr>`,
  )
  .join("\n")}
</tbody></table></section>`
    : "";
  const rows = report.results
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.title)}${r.transform ? ` <span class="tf">${escapeHtml(r.transform)}</span>` : ""}<br><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.owasp.join(", "))}</td><td>${r.severity}</td><td>${badge(r.verdict)}</td><td>${escapeHtml(r.judge ?? "")}</td><td>${visible(r.reason)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Red-team report · ${escapeHtml(t.model ?? t.url)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Portcullis red-team report</h1>
<p class="meta">target <b>${escapeHtml(t.url)}</b> (${t.type}${t.model ? `, model ${escapeHtml(t.model)}` : ""}) · ${escapeHtml(report.startedAt)} · ${minutes.toFixed(1)} s · suites ${escapeHtml(report.suites.map((x) => x.name).join(", "))} · transforms ${escapeHtml(report.transforms.join(", ") || "none")} · judges ${escapeHtml(report.judges.deterministic.join(", "))}${report.judges.llm ? ` + LLM ${escapeHtml(report.judges.llm.model)}` : ""}</p>
</header>
<main>
<section id="summary" aria-label="Summary">
<h2>Summary</h2>
${headline}
<div class="tiles">
<div class="tile"><div class="k">cases</div><div class="v">${s.total}</div></div>
<div class="tile vulnerable"><div class="k">succeeded</div><div class="v">${s.vulnerable}</div></div>
<div class="tile blocked"><div class="k">blocked</div><div class="v">${s.blocked}</div></div>
<div class="tile resisted"><div class="k">resisted</div><div class="v">${s.resisted}</div></div>
<div class="tile"><div class="k">errors</div><div class="v">${s.error}</div></div>
<div class="tile"><div class="k">pass rate</div><div class="v">${pct(s.passRate)}</div></div>
</div>
<p class="legend"><span><i class="b-vulnerable"></i>attack succeeded</span><span><i class="b-blocked"></i>blocked by the target (HTTP 4xx)</span><span><i class="b-resisted"></i>answered without complying</span></p>
<h3>By OWASP Top 10 for LLM Applications 2025</h3>
<table>${TALLY_HEAD}<tbody>${owaspRows}</tbody></table>
<h3>By severity</h3>
<table>${TALLY_HEAD}<tbody>${sevRows}</tbody></table>
<h3>By suite</h3>
<table>${TALLY_HEAD}<tbody>${suiteRows}</tbody></table>
</section>
${comparison}
<section id="findings"><h2>Worst findings</h2>
${shown.length ? shown.map((r, i) => findingHtml(r, i < 3)).join("\n") : '<p class="muted">No attack succeeded.</p>'}
${findings.length > shown.length ? `<p class="muted">${findings.length - shown.length} more in the table below and in report.json.</p>` : ""}
</section>
<section id="results"><h2>All results</h2>
<table><thead><tr><th>case</th><th>OWASP</th><th>severity</th><th>verdict</th><th>judge</th><th>reason</th></tr></thead><tbody>
${rows}
</tbody></table>
</section>
</main>
<footer>portcullis ${escapeHtml(report.tool.version)} · responses are redacted (PII and secrets masked) · model output is shown as text and never rendered</footer>
</body>
</html>
`;
}
