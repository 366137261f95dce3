/**
 * Chat templates are Jinja2 programs that some runtimes render without a sandbox
 * (llama-cpp-python CVE-2024-34359): a template that reaches Python internals runs code when the
 * model is loaded or first used. A chat template needs loops, conditions, string operations and
 * the message list; it never needs dunder attributes, the globals of helper objects, imports of
 * other templates or `attr()` lookups by computed names. Those are flagged.
 */
import type { Severity } from "../types.js";

export interface TemplateIssue {
  severity: Severity;
  detail: string;
}

const CODE = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;

const RULES: readonly { re: RegExp; severity: Severity; why: string; onStrings?: boolean }[] = [
  {
    re: /__\w*__|__[a-z]/i,
    severity: "critical",
    why: "reaches Python internals through a dunder attribute",
    onStrings: true,
  },
  {
    re: /\b(cycler|joiner|lipsum|self|config|request|url_for|get_flashed_messages|_module|range)\s*\.\s*[A-Za-z_]/,
    severity: "critical",
    why: "reads attributes of a Jinja helper object (the classic sandbox-escape path to its globals)",
  },
  {
    re: /\.\s*(popen|system|spawn\w*|exec\w*|eval|import_module|load_module|mro|subclasses|f_globals|f_back|gi_frame|tb_frame|func_globals)\b/,
    severity: "critical",
    why: "calls a process, import or introspection method",
  },
  {
    re: /\b(eval|exec|compile|getattr|setattr|__import__|import_module|open)\s*\(/,
    severity: "critical",
    why: "calls a code-execution or file function",
  },
  {
    re: /\|\s*attr\b|\battr\s*\(/,
    severity: "medium",
    why: "uses attr() to look attributes up by computed name",
  },
  { re: /^\s*-?\s*(import|include|extends|from)\b/, severity: "medium", why: "loads another template" },
  {
    re: /\\x5f|\\u005f|\\137|\\U0000005f/i,
    severity: "medium",
    why: "spells an underscore as an escape (obfuscation)",
    onStrings: true,
  },
  {
    re: /\b(os|sys|subprocess|builtins|importlib)\b\s*[.[]/,
    severity: "critical",
    why: "names a Python module",
  },
];

/** Checks one chat template; returns what it found (empty for an ordinary template). */
export function checkChatTemplate(template: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const seen = new Set<string>();
  for (const m of template.matchAll(CODE)) {
    const code = (m[1] ?? m[2] ?? "").replace(/^[-+]/, "").replace(/[-+]$/, "");
    const bare = code.replace(STRING_LITERAL, "''");
    for (const rule of RULES) {
      const hit = rule.re.exec(rule.onStrings ? code : bare);
      if (!hit || seen.has(rule.why)) continue;
      seen.add(rule.why);
      const excerpt = code.trim().slice(0, 80);
      issues.push({ severity: rule.severity, detail: `${rule.why}: {{ ${excerpt} }}` });
    }
  }
  return issues;
}
