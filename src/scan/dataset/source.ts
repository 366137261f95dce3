/**
 * Reading a dataset row by row, whatever its format: JSONL, JSON arrays (small files), CSV/TSV,
 * Parquet (hyparquet, a pure-JavaScript reader, row groups read in slices), plain text (one row
 * per non-empty line) and folders of documents for RAG (text, Markdown, HTML: one row per file).
 * Rows are numbered from 1 over data rows (the CSV header and blank lines are not rows); a row
 * that cannot be read carries an error instead of a value and still gets its number.
 */
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { CsvParser } from "./csv.js";
import { splitLines } from "./lines.js";

export const INPUT_FORMATS = ["jsonl", "json", "csv", "tsv", "parquet", "text", "folder"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** JSON arrays are parsed whole: only up to this size. */
const MAX_JSON_FILE_BYTES = 256 * 1024 * 1024;
/** A document of a folder larger than this is reported, not read. */
const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;
const MAX_FOLDER_FILES = 1_000_000;
const MAX_FOLDER_DEPTH = 32;
const PARQUET_SLICE_ROWS = 4096;
export const DOCUMENT_EXTENSIONS = [".txt", ".md", ".markdown", ".html", ".htm", ".rst"];

export interface RawRow {
  line: number;
  /** A parsed record (JSON, CSV with a header, Parquet). */
  value?: unknown;
  /** A text row (plain text, documents). */
  text?: string;
  /** A JSONL line left unparsed (`ReadOptions.parse` false): whoever uses the row parses it. */
  json?: string;
  /** The file a folder row came from, relative to the folder. */
  source?: string;
  error?: string;
  /** Input bytes this row accounts for (progress). */
  bytes: number;
}

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

/** Picks the format from the path (a folder, or the extension; otherwise the first bytes). */
export async function detectFormat(path: string): Promise<InputFormat> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new SourceError(`cannot read ${path}`);
  }
  if (info.isDirectory()) return "folder";
  const ext = extname(path).toLowerCase();
  const byExt: Record<string, InputFormat> = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".txt": "text",
    ".md": "text",
  };
  const known = byExt[ext];
  if (known) return known;
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    const start = head.subarray(0, bytesRead);
    if (start.subarray(0, 4).toString("latin1") === "PAR1") return "parquet";
    const first = start
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .trimStart()[0];
    if (first === "{") return "jsonl";
    if (first === "[") return "json";
    return "text";
  } finally {
    await handle.close();
  }
}

export async function totalBytes(path: string, format: InputFormat): Promise<number> {
  if (format !== "folder") return (await stat(path)).size;
  let total = 0;
  for (const file of await listDocuments(path)) total += (await stat(file)).size;
  return total;
}

async function* readJsonl(path: string, parse: boolean): AsyncGenerator<RawRow> {
  let line = 0;
  for await (const item of splitLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    if ("error" in item) {
      yield { line: ++line, error: item.error, bytes: item.bytes };
      continue;
    }
    if (item.text.trim() === "") continue;
    line++;
    if (!parse) {
      yield { line, json: item.text, bytes: item.bytes };
      continue;
    }
    try {
      yield { line, value: JSON.parse(item.text), bytes: item.bytes };
    } catch {
      yield { line, error: "not valid JSON", bytes: item.bytes };
    }
  }
}

async function* readText(path: string): AsyncGenerator<RawRow> {
  let line = 0;
  for await (const item of splitLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    if ("error" in item) yield { line: ++line, error: item.error, bytes: item.bytes };
    else if (item.text.trim() !== "") yield { line: ++line, text: item.text, bytes: item.bytes };
  }
}

async function* readJson(path: string): AsyncGenerator<RawRow> {
  const size = (await stat(path)).size;
  if (size > MAX_JSON_FILE_BYTES) {
    throw new SourceError(`${path}: a JSON file is parsed whole, up to 256 MB; convert it to JSONL`);
  }
  let value: unknown;
  try {
    value = JSON.parse((await readFile(path, "utf8")).replace(/^\uFEFF/, ""));
  } catch {
    throw new SourceError(`${path}: not valid JSON`);
  }
  const rows = Array.isArray(value) ? value : [value];
  const per = rows.length > 0 ? size / rows.length : 0;
  for (let i = 0; i < rows.length; i++) yield { line: i + 1, value: rows[i], bytes: per };
}

/** CSV header names, made unique (a repeated name gets _2, _3…). */
function headerNames(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((f) => {
    const name = f.trim();
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

async function* readCsv(path: string, delimiter: string): AsyncGenerator<RawRow> {
  const parser = new CsvParser({ delimiter });
  let header: string[] | undefined;
  let line = 0;
  let pendingBytes = 0;
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  let first = true;
  const convert = function* (records: ReturnType<CsvParser["push"]>): Generator<RawRow> {
    const per = records.length > 0 ? pendingBytes / records.length : 0;
    if (records.length > 0) pendingBytes = 0;
    for (const r of records) {
      if (!header) {
        if ("error" in r) throw new SourceError(`${path}: the CSV header cannot be read: ${r.error}`);
        header = headerNames(r.fields);
        continue;
      }
      line++;
      if ("error" in r) {
        yield { line, error: r.error, bytes: per };
        continue;
      }
      const obj: Record<string, string> = Object.create(null) as Record<string, string>;
      r.fields.forEach((v, i) => {
        obj[header?.[i] ?? `column_${i + 1}`] = v;
      });
      yield { line, value: obj, bytes: per };
    }
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
    pendingBytes += Buffer.byteLength(chunk);
    yield* convert(parser.push(text));
  }
  yield* convert(parser.end());
}

async function* readParquet(path: string, columns: string[] | undefined): AsyncGenerator<RawRow> {
  // Loaded only for Parquet input.
  const hyparquet = await import("hyparquet");
  let file;
  let metadata;
  try {
    file = await hyparquet.asyncBufferFromFile(path);
    metadata = await hyparquet.parquetMetadataAsync(file);
  } catch (error) {
    throw new SourceError(`${path}: not a readable Parquet file: ${(error as Error).message}`);
  }
  const numRows = Number(metadata.num_rows);
  const size = file.byteLength;
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  const wanted = columns?.filter((c) => names.has(c));
  let line = 0;
  for (let start = 0; start < numRows; start += PARQUET_SLICE_ROWS) {
    const end = Math.min(numRows, start + PARQUET_SLICE_ROWS);
    let rows: Record<string, unknown>[];
    try {
      rows = await hyparquet.parquetReadObjects({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        ...(wanted && wanted.length > 0 ? { columns: wanted } : {}),
      });
    } catch (error) {
      throw new SourceError(`${path}: cannot read rows ${start + 1}–${end}: ${(error as Error).message}`);
    }
    for (const value of rows) yield { line: ++line, value, bytes: size / Math.max(1, numRows) };
  }
}

async function listDocuments(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number) => {
    if (depth > MAX_FOLDER_DEPTH) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === ".git" || e.name === "node_modules") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await visit(path, depth + 1);
      else if (e.isFile() && DOCUMENT_EXTENSIONS.includes(extname(e.name).toLowerCase())) {
        if (out.length >= MAX_FOLDER_FILES)
          throw new SourceError(`${root}: more than ${MAX_FOLDER_FILES} documents`);
        out.push(path);
      }
    }
  };
  await visit(root, 0);
  return out;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/**
 * HTML to the text a model would be given. Scripts and styles are dropped; comments, hidden
 * elements and `alt`/`title`/`aria-label` texts are kept, because instructions aimed at a model
 * hide exactly there. Linear-time patterns only.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--([\s\S]*?)-->/g, " $1 ")
    .replace(/<[^>]*?\b(?:alt|title|aria-label)\s*=\s*"([^"]*)"[^>]*>/gi, " $1 ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (m, e: string) => {
      if (e[0] === "#") {
        const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+/g, " ")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}

async function* readFolder(root: string): AsyncGenerator<RawRow> {
  let line = 0;
  for (const path of await listDocuments(root)) {
    const source = relative(root, path).split("\\").join("/");
    const size = (await stat(path)).size;
    line++;
    if (size > MAX_DOCUMENT_BYTES) {
      yield { line, source, error: `larger than ${MAX_DOCUMENT_BYTES} bytes`, bytes: size };
      continue;
    }
    const raw = (await readFile(path, "utf8")).replace(/^\uFEFF/, "");
    const ext = extname(path).toLowerCase();
    yield { line, source, text: ext === ".html" || ext === ".htm" ? htmlToText(raw) : raw, bytes: size };
  }
}

export interface ReadOptions {
  /** Parquet: read only these columns when they exist. */
  columns?: string[];
  /**
   * JSONL: parse each line (default). When false, rows carry the line as `json` and invalid JSON
   * is found by whoever parses it (the scanner's worker threads).
   */
  parse?: boolean;
}

export function readRows(
  path: string,
  format: InputFormat,
  options: ReadOptions = {},
): AsyncGenerator<RawRow> {
  switch (format) {
    case "jsonl":
      return readJsonl(path, options.parse !== false);
    case "json":
      return readJson(path);
    case "csv":
      return readCsv(path, ",");
    case "tsv":
      return readCsv(path, "\t");
    case "parquet":
      return readParquet(path, options.columns);
    case "text":
      return readText(path);
    case "folder":
      return readFolder(path);
  }
}
