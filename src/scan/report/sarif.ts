/**
 * A small SARIF 2.1.0 writer (OASIS "Static Analysis Results Interchange Format" 2.1.0) shared by
 * the offline scanners, so CI systems (GitHub code scanning, GitLab, Azure DevOps) can show
 * findings. Each scanner maps its own results onto `SarifResult`; this module only shapes them.
 */

export type SarifLevel = "error" | "warning" | "note" | "none";

export interface SarifRule {
  id: string;
  /** One line shown in lists. */
  short: string;
  /** Longer help text. */
  help?: string;
  /** Default level when a result does not set one. */
  level?: SarifLevel;
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: string;
  /** File path as given on the command line (made relative, URI-encoded here). */
  uri: string;
  /** Byte offset inside that file, when the finding points at bytes of the file itself. */
  byteOffset?: number;
  /** Line number (1-based), for text formats. */
  line?: number;
  /** Extra machine-readable properties (SARIF property bag). */
  properties?: Record<string, unknown>;
}

export interface SarifTool {
  name: string;
  version: string;
  informationUri?: string;
  rules: readonly SarifRule[];
}

/** SARIF wants URIs; relative file paths are encoded segment by segment. */
export function toUri(path: string): string {
  const unified = path.replace(/\\/g, "/");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(unified)) return unified;
  const encoded = unified
    .split("/")
    .map((seg) => encodeURIComponent(seg))
    .join("/");
  return unified.startsWith("/") ? `file://${encoded}` : encoded;
}

/** Builds one SARIF log with a single run. */
export function sarifLog(tool: SarifTool, results: readonly SarifResult[]): object {
  const ruleIndex = new Map(tool.rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            ...(tool.informationUri ? { informationUri: tool.informationUri } : {}),
            rules: tool.rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.short },
              ...(r.help ? { help: { text: r.help } } : {}),
              ...(r.level ? { defaultConfiguration: { level: r.level } } : {}),
            })),
          },
        },
        results: results.map((r) => {
          const region =
            r.byteOffset !== undefined && r.byteOffset >= 0
              ? { region: { byteOffset: r.byteOffset } }
              : r.line !== undefined
                ? { region: { startLine: r.line } }
                : {};
          return {
            ruleId: r.ruleId,
            ...(ruleIndex.has(r.ruleId) ? { ruleIndex: ruleIndex.get(r.ruleId) } : {}),
            level: r.level,
            message: { text: r.message },
            locations: [{ physicalLocation: { artifactLocation: { uri: toUri(r.uri) }, ...region } }],
            ...(r.properties ? { properties: r.properties } : {}),
          };
        }),
      },
    ],
  };
}
