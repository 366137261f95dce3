/**
 * `portcullis detect --input FILE.jsonl [--field text] [--detectors LIST] [--context …] [--format jsonl]`
 * (issue 3, scope 7): one JSON object per input line, one result line per input line, in order:
 *
 *   {"flagged": bool, "categories": [...], "scores": {category: number},
 *    "findings": [{"detector", "kind", "severity", "score", "span": [start, end]}]}
 *
 * Spans are UTF-16 offsets into the original field. A line that is not JSON, or whose field is not
 * a string, gets `{"error": "..."}` on its line; nothing stops the run. The input is streamed line
 * by line, so files larger than memory work. Exit code: 0 nothing flagged, 1 at least one line
 * flagged, 2 unusable arguments or unreadable input.
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { createEngine, DetectConfigError, type Engine } from "../../../detect/engine.js";
import type { DetectContext, Finding } from "../../../detect/types.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface DetectOptions {
  /** JSONL file, or "-" for standard input. */
  input: string;
  /** Field holding the text (a top-level key, or a dotted path such as "meta.text"). */
  field?: string;
  /** Comma-separated detector ids; all when absent. */
  detectors?: string;
  context?: DetectContext;
  format?: "jsonl" | "json";
  /** For tests and embedding: where stdin and stdout are. */
  stdin?: Readable;
  stdout?: Writable;
}

export interface DetectLine {
  flagged: boolean;
  categories: string[];
  scores: Record<string, number>;
  findings: Array<{
    detector: string;
    kind: string;
    severity: string;
    score: number;
    span: [number, number];
  }>;
}

const CONTEXTS: readonly DetectContext[] = ["prompt", "document", "output"];

function fieldOf(record: unknown, field: string): unknown {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return undefined;
  const obj = record as Record<string, unknown>;
  if (Object.hasOwn(obj, field)) return obj[field];
  let value: unknown = obj;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The result object of one text (exported for the eval script and tests). */
export function resultOf(text: string, findings: readonly Finding[]): DetectLine {
  const scores: Record<string, number> = {};
  // "info" findings are notes, not detections: they do not flag a line.
  const counted = findings.filter((f) => f.severity !== "info");
  for (const f of counted) scores[f.category] = Math.max(scores[f.category] ?? 0, f.score);
  return {
    flagged: counted.length > 0,
    categories: Object.keys(scores).sort(),
    scores,
    findings: findings.map((f) => ({
      detector: f.detector,
      kind: f.kind,
      severity: f.severity,
      score: f.score,
      // A finding about the whole text (no span) covers the whole text.
      span: f.span ? [f.span[0], f.span[1]] : [0, text.length],
    })),
  };
}

function processLine(
  engine: Engine,
  line: string,
  lineNo: number,
  opts: Required<Pick<DetectOptions, "field">> & { context: DetectContext },
): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: `line ${lineNo}: not valid JSON` });
  }
  const text = fieldOf(record, opts.field);
  if (typeof text !== "string") {
    return JSON.stringify({ error: `line ${lineNo}: field "${opts.field}" is missing or not a string` });
  }
  try {
    return JSON.stringify(resultOf(text, engine.scan(text, { context: opts.context })));
  } catch (error) {
    // A detector bug must not cost the other lines their results.
    const message = error instanceof Error ? error.message : String(error);
    return JSON.stringify({ error: `line ${lineNo}: internal error in detection: ${message}` });
  }
}

export async function detect(opts: DetectOptions): Promise<number> {
  const field = opts.field ?? "text";
  const context = opts.context ?? "prompt";
  if (!CONTEXTS.includes(context)) throw new CliError(`--context must be one of ${CONTEXTS.join(", ")}`);
  if (opts.format && opts.format !== "jsonl" && opts.format !== "json") {
    throw new CliError("--format must be jsonl");
  }
  const detectors = opts.detectors
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let engine: Engine;
  try {
    engine = createEngine(detectors ? { detectors } : {});
  } catch (error) {
    if (error instanceof DetectConfigError) {
      throw new CliError(`${error.message}`);
    }
    throw error;
  }

  let input: Readable;
  if (opts.input === "-") {
    input = opts.stdin ?? process.stdin;
  } else {
    try {
      await access(opts.input);
    } catch {
      throw new CliError(`cannot read --input ${opts.input}`);
    }
    input = createReadStream(opts.input, { encoding: "utf8" });
  }
  const out = opts.stdout ?? process.stdout;
  const write = async (s: string) => {
    if (!out.write(s + "\n")) await once(out, "drain");
  };

  let lineNo = 0;
  let flagged = 0;
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      const result = processLine(engine, line, lineNo, { field, context });
      if (result.startsWith('{"flagged":true')) flagged++;
      await write(result);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`reading --input ${opts.input} failed after line ${lineNo}: ${message}`);
  }
  return flagged > 0 ? EXIT_FINDINGS : EXIT_OK;
}
