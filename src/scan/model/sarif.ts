/** Maps model-scanner reports to SARIF 2.1.0 through the shared writer in src/scan/report/. */
import { sarifLog, type SarifLevel, type SarifResult, type SarifRule } from "../report/sarif.js";
import type { FileReport, Severity } from "./types.js";

const LEVEL: Record<Severity, SarifLevel> = { critical: "error", medium: "warning", low: "note" };

/** Rule ids are the finding kinds; the common ones are described, others get a generic line. */
const RULES: Readonly<Record<string, string>> = {
  "dangerous-global":
    "Pickle imports a known-dangerous callable (code, process, file, network, import, gadget)",
  "unknown-global": "Pickle imports a global that is not on the allow-list of safe constructors",
  "unresolved-global": "Pickle computes the imported global at load time",
  "indirect-call": "Pickle calls a value that is not a statically known global",
  "global-mutation": "Pickle BUILD overwrites attributes of a module or class",
  "overridden-global": "Pickle imports an attribute that an earlier BUILD overwrote",
  "dunder-state": "Pickle BUILD state sets a dunder attribute",
  "setstate-hijack": "Pickle BUILD calls a planted __setstate__",
  "method-call-gadget": "Pickle container opcode calls a method of a module or class",
  "stack-global-type-confusion": "STACK_GLOBAL operands are not strings",
  "extension-code": "Pickle uses the copyreg extension registry",
  "parse-error": "The bytes stop being a valid pickle",
  "lambda-layer": "Keras Lambda layer (Python code in the model config)",
  "keras-custom-object": "Keras config imports code from outside Keras",
  "keras-dangerous-object": "Keras config names a dangerous callable",
  "chat-template-code": "GGUF chat template reaches beyond a chat template's needs",
  "onnx-external-path": "ONNX external data path escapes the model folder",
  "invalid-safetensors": "safetensors header is invalid",
  "invalid-gguf": "GGUF header or metadata is invalid",
  "zip-name-mismatch": "ZIP central directory and local header disagree",
  "zip-hidden-entry": "ZIP local entry missing from the central directory",
  "expansion-limit": "Decompression exceeds the size budget (bomb?)",
  "unsupported-container": "Archive or compression not unpacked by the scanner",
  polyglot: "File is readable as two formats",
};

export function modelSarif(files: readonly FileReport[], version: string): object {
  const kinds = new Set<string>();
  const results: SarifResult[] = [];
  const paths = files.map((f) => f.path);
  const roots = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}:`)));
  for (const file of files) {
    const root = roots.find((r) => file.path === r || file.path.startsWith(`${r}:`)) ?? file.path;
    const outer = root;
    const member = file.path === root ? [] : [file.path.slice(root.length + 1)];
    for (const f of file.findings) {
      kinds.add(f.kind);
      results.push({
        ruleId: f.kind,
        level: LEVEL[f.severity],
        message: `${member.length ? `${member.join(":")}: ` : ""}${f.detail}${f.offset >= 0 ? ` (offset ${f.offset})` : ""}`,
        uri: outer,
        ...(member.length === 0 && f.offset >= 0 ? { byteOffset: f.offset } : {}),
        properties: { verdict: file.verdict, format: file.format, member: member.join(":") || undefined },
      });
    }
  }
  const rules: SarifRule[] = [...kinds]
    .sort()
    .map((id) => ({ id, short: RULES[id] ?? id.replace(/-/g, " ") }));
  return sarifLog(
    {
      name: "portcullis scan model",
      version,
      informationUri: "https://github.com/portcullis-security/portcullis/blob/main/docs/scanning.md",
      rules,
    },
    results,
  );
}
