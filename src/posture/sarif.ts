import { LineCounter, parseDocument, isNode } from "yaml";
import { RULES } from "./rules/index.js";
import type { ConfigPath, PostureReport, PostureRule, Severity } from "./types.js";

/**
 * SARIF 2.1.0 (OASIS, 2020) for code-scanning tools: one run, the rules as the tool's
 * reportingDescriptors, a result per finding located at its line in the configuration file.
 */
const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** §3.27.10: error, warning, note. */
const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub code scanning reads `security-severity` (0–10, CVSS-like bands) to rank alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

export interface SarifOptions {
  /** The configuration file, as it should appear in the SARIF (relative to the repository root). */
  uri?: string;
  /** The file's text, to find each finding's line; without it results carry no region. */
  text?: string;
  toolVersion?: string;
}

/** Line of the deepest part of `path` present in the YAML text (defaults are not in the file). */
export function lineOf(text: string, path: ConfigPath): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      // A scalar's range starts at its value; report the line of that value (or of the block).
      return counter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function descriptor(rule: PostureRule) {
  return {
    id: rule.id,
    // §3.49.7: an identifier a person understands; code-scanning tools show it PascalCased.
    name: rule.id.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.why },
    help: { text: `${rule.fix}\nSee docs/posture.md#${rule.id}.` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[rule.severity],
      severity: rule.severity,
      tags: ["security", "configuration", ...rule.refs],
    },
  };
}

export function toSarif(
  report: PostureReport,
  options: SarifOptions = {},
  rules: readonly PostureRule[] = RULES,
) {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "portcullis audit config",
            informationUri: "https://github.com/portcullis-security/portcullis/blob/main/docs/posture.md",
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules: rules.map(descriptor),
          },
        },
        results: report.findings.map((f) => {
          const line = options.text !== undefined ? lineOf(options.text, f.path) : undefined;
          return {
            ruleId: f.rule,
            ruleIndex: index.get(f.rule),
            level: LEVEL[f.severity],
            message: { text: `${f.message}. Fix: ${f.fix}` },
            locations: [
              {
                ...(options.uri
                  ? {
                      physicalLocation: {
                        artifactLocation: { uri: options.uri },
                        ...(line !== undefined ? { region: { startLine: line } } : {}),
                      },
                    }
                  : {}),
                logicalLocations: [
                  { fullyQualifiedName: f.path.map(String).join(".") || "(top level)", kind: "member" },
                ],
              },
            ],
            partialFingerprints: { "portcullis/v1": `${f.rule}:${f.path.map(String).join(".")}` },
          };
        }),
      },
    ],
  };
}
