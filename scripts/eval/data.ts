/**
 * Where the evaluation data and the model card are, how rows are read, and what the shipped
 * injection model saw in training (read from `models/README.md`, the record `npm run train`
 * writes, so that this report never keeps a second list that could drift from it).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ATTACK_TEXT_ONLY, CALIBRATION_ONLY } from "../train/data.js";

export interface Row {
  id: string;
  text: string;
  label: string;
  source: string;
  meta: Record<string, unknown>;
}

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** `$PORTCULLIS_DATA`, else `shared/data` beside the repository (../shared/data). */
export function defaultDataDir(root = repoRoot()): string {
  const env = process.env.PORTCULLIS_DATA;
  if (env) return resolve(env);
  for (const candidate of [join(root, "..", "shared", "data"), join(root, "shared", "data")]) {
    if (existsSync(candidate)) return candidate;
  }
  return join(root, "..", "shared", "data");
}

/** JSON Lines; blank lines skipped; a bad line is an error naming the file and line. */
export function readJsonl<T = Row>(path: string, limit = Infinity): T[] {
  const out: T[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${path}:${i + 1}: not valid JSON`);
    }
  }
  return out;
}

/**
 * A deterministic subset of at most `limit` rows per source (for `--limit`): keeps every source
 * represented, so a quick run still shows each line of the table.
 */
export function limitPerSource<T extends { source: string }>(rows: readonly T[], limit: number): T[] {
  if (!Number.isFinite(limit)) return [...rows];
  const seen = new Map<string, number>();
  const out: T[] = [];
  for (const r of rows) {
    const n = seen.get(r.source) ?? 0;
    if (n >= limit) continue;
    seen.set(r.source, n + 1);
    out.push(r);
  }
  return out;
}

/** How the shipped model relates to a source. */
export type Exposure =
  | "trained"
  | "calibration only"
  | "attack strings trained, contexts not"
  | "attack strings and some email contexts trained"
  | "held out by licence"
  | "not used";

export interface TrainingRecord {
  /** Source id → rows the shipped model was trained on. */
  sources: Map<string, number>;
  /** Whether models/README.md was found and had a training table. */
  found: boolean;
}

/**
 * The training table of models/README.md: rows of the form "| `source` | n |" under
 * "### Training data", up to the next heading or prose that starts another table.
 */
export function parseTrainingTable(markdown: string): TrainingRecord {
  const sources = new Map<string, number>();
  const start = markdown.indexOf("### Training data");
  if (start < 0) return { sources, found: false };
  const rest = markdown.slice(start + 1);
  const nextHeading = rest.search(/\n#{1,3} /);
  const section = nextHeading < 0 ? rest : rest.slice(0, nextHeading);
  let inTable = false;
  for (const line of section.split("\n")) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*$/.exec(line.trim());
    if (m) {
      sources.set(m[1] as string, Number(m[2]));
      inTable = true;
    } else if (inTable && !line.trim().startsWith("|")) {
      break;
    }
  }
  return { sources, found: sources.size > 0 };
}

export function readTrainingRecord(root = repoRoot()): TrainingRecord {
  const path = join(root, "models", "README.md");
  if (!existsSync(path)) return { sources: new Map(), found: false };
  return parseTrainingTable(readFileSync(path, "utf8"));
}

/** Licence-held-out sources (shared/data/README.md): evaluation only, never training. */
export function heldOutByLicence(source: string): boolean {
  return source === "alpaca/alpaca_5000" || source.startsWith("tensortrust/");
}

export function exposureOf(source: string, record: TrainingRecord): Exposure {
  if (heldOutByLicence(source)) return "held out by licence";
  if (record.sources.has(source)) return "trained";
  if (CALIBRATION_ONLY.has(source)) return "calibration only";
  // models/README.md: BIPIA attack strings and the MIT email contexts trained the document head;
  // the CC BY-SA table and code contexts never did.
  if (ATTACK_TEXT_ONLY.has(source)) return "attack strings trained, contexts not";
  if (source.startsWith("bipia/")) return "attack strings and some email contexts trained";
  return "not used";
}
