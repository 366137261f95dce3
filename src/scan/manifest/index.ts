/**
 * Signed folder manifests (issue 6, "Signed manifests"): every file of a folder hashed with
 * SHA-256 (streamed, several files at once), listed in an in-toto Statement v1, signed with
 * Ed25519 in a DSSE envelope. `verifyManifest` succeeds only when the signature is valid and the
 * folder holds exactly the listed files with the listed digests; otherwise it names each
 * difference (changed, missing, extra, renamed, symlink, not a regular file).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import {
  IN_TOTO_PAYLOAD_TYPE,
  MAX_ENVELOPE_BYTES,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
  type DsseEnvelope,
  type EnvelopeSigner,
  type EnvelopeVerifier,
} from "./dsse.js";
import { buildStatement, MAX_MANIFEST_FILES, parseStatement, type FileDigest } from "./statement.js";

export * from "./dsse.js";
export * from "./keys.js";
export * from "./statement.js";

/** Folders never hashed: version-control metadata changes without the content changing. */
export const IGNORED_DIRS: readonly string[] = [".git"];
const MAX_DEPTH = 64;

/** Something that stops a manifest from being made or read at all (exit code 2 in the CLI). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

export type DifferenceKind = "changed" | "missing" | "extra" | "renamed" | "symlink" | "not_a_file";

export interface Difference {
  kind: DifferenceKind;
  /** Path relative to the folder (for `renamed`: the name in the manifest). */
  path: string;
  /** For `renamed`: the name the file has now. */
  to?: string;
  detail: string;
}

export interface WalkOptions {
  allowSymlinks?: boolean;
  /** Absolute paths to leave out (the manifest itself, when it is written into the folder). */
  exclude?: readonly string[];
  /** Files hashed at once (default: twice the CPU count, at most 16). */
  concurrency?: number;
}

interface Entry {
  name: string;
  path: string;
}

interface Walked {
  files: Entry[];
  /** Entries that cannot be part of a manifest (symlinks when not allowed, sockets, devices…). */
  refused: Difference[];
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

async function walk(root: string, options: WalkOptions): Promise<Walked> {
  const exclude = new Set((options.exclude ?? []).map((p) => resolve(p)));
  const files: Entry[] = [];
  const refused: Difference[] = [];
  const realRoot = await realpath(root);
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new ManifestError(`${dir}: folders nested deeper than ${MAX_DEPTH} levels`);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const name = toPosix(relative(root, path));
      if (exclude.has(resolve(path))) continue;
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.includes(entry.name)) await visit(path, depth + 1);
        continue;
      }
      if (entry.isSymbolicLink()) {
        if (!options.allowSymlinks) {
          refused.push({ kind: "symlink", path: name, detail: "is a symbolic link (refused by default)" });
          continue;
        }
        // Followed only to a regular file inside the folder: a link must not import outside content.
        let target: string;
        try {
          target = await realpath(path);
        } catch {
          refused.push({ kind: "symlink", path: name, detail: "is a dangling symbolic link" });
          continue;
        }
        const inside = target === realRoot || target.startsWith(realRoot + sep);
        if (!inside || !(await stat(target)).isFile()) {
          refused.push({
            kind: "symlink",
            path: name,
            detail: "is a symbolic link to something other than a file inside the folder",
          });
          continue;
        }
      } else if (!entry.isFile()) {
        refused.push({ kind: "not_a_file", path: name, detail: "is not a regular file" });
        continue;
      }
      if (files.length >= MAX_MANIFEST_FILES) {
        throw new ManifestError(`${root}: more than ${MAX_MANIFEST_FILES} files`);
      }
      files.push({ name, path });
    }
  };
  await visit(root, 0);
  return { files, refused };
}

export function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream.on("data", (chunk) => hash.update(chunk));
    stream.on("error", reject);
    stream.on("end", () => resolvePromise(hash.digest("hex")));
  });
}

async function hashAll(entries: readonly Entry[], concurrency: number): Promise<FileDigest[]> {
  const out: FileDigest[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      const e = entries[i] as Entry;
      out[i] = { name: e.name, sha256: await hashFile(e.path) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

function defaultConcurrency(options: WalkOptions): number {
  return options.concurrency ?? Math.min(16, availableParallelism() * 2);
}

async function assertFolder(dir: string): Promise<string> {
  const root = resolve(dir);
  let info;
  try {
    info = await lstat(root);
  } catch {
    throw new ManifestError(`cannot read the folder ${dir}`);
  }
  if (!info.isDirectory()) throw new ManifestError(`${dir} is not a folder`);
  return root;
}

/** Hashes every file of `dir` (see WalkOptions). Refused entries are an error here. */
export async function digestFolder(dir: string, options: WalkOptions = {}): Promise<FileDigest[]> {
  const root = await assertFolder(dir);
  const { files, refused } = await walk(root, options);
  if (refused.length > 0) {
    const list = refused.map((r) => `${r.path} ${r.detail}`).join("; ");
    throw new ManifestError(
      `cannot sign ${dir}: ${list}${refused.some((r) => r.kind === "symlink") ? " (--allow-symlinks follows links to files inside the folder)" : ""}`,
    );
  }
  return hashAll(files, defaultConcurrency(options));
}

export interface CreateOptions extends WalkOptions {
  signer: EnvelopeSigner;
}

export async function createManifest(dir: string, options: CreateOptions): Promise<DsseEnvelope> {
  const files = await digestFolder(dir, options);
  const statement = buildStatement(files, {
    allowSymlinks: options.allowSymlinks ?? false,
    ignorePaths: [...IGNORED_DIRS],
  });
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), "utf8"), options.signer);
}

/** Creates and writes the manifest (pretty JSON); the output file is left out of the hashing. */
export async function writeManifest(
  dir: string,
  out: string,
  options: CreateOptions,
): Promise<{ envelope: DsseEnvelope; files: number }> {
  const envelope = await createManifest(dir, { ...options, exclude: [...(options.exclude ?? []), out] });
  await writeFile(out, JSON.stringify(envelope, null, 2) + "\n");
  const payload = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as {
    subject: unknown[];
  };
  return { envelope, files: payload.subject.length };
}

export interface VerifyResult {
  ok: boolean;
  /** Why the envelope or its signature was not accepted (then no file was checked). */
  signatureError?: string;
  differences: Difference[];
  /** Files the manifest lists. */
  files: number;
}

export async function readEnvelopeFile(file: string): Promise<DsseEnvelope> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_ENVELOPE_BYTES) throw new ManifestError(`${file} is larger than a manifest can be`);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(`cannot read the manifest ${file}`);
  }
  const parsed = parseEnvelope(text);
  if (!parsed.ok) throw new ManifestError(`${file}: not a DSSE envelope: ${parsed.error}`);
  return parsed.value;
}

/**
 * Checks `dir` against a manifest. The signature is checked first; a folder is compared only
 * against a statement whose signature verified.
 */
export async function verifyManifest(
  dir: string,
  envelope: DsseEnvelope,
  verifier: EnvelopeVerifier,
  options: WalkOptions = {},
): Promise<VerifyResult> {
  const root = await assertFolder(dir);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      ok: false,
      signatureError: `payloadType is ${JSON.stringify(envelope.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      differences: [],
      files: 0,
    };
  }
  const verified = verifyEnvelope(envelope, verifier);
  if (!verified.ok) return { ok: false, signatureError: verified.error, differences: [], files: 0 };
  const statement = parseStatement(verified.value);
  if (!statement.ok) return { ok: false, signatureError: statement.error, differences: [], files: 0 };

  const { files, refused } = await walk(root, options);
  const actual = await hashAll(files, defaultConcurrency(options));
  const expected = new Map(statement.files.map((f) => [f.name, f.sha256]));
  const present = new Map(actual.map((f) => [f.name, f.sha256]));
  const differences: Difference[] = [...refused];
  const missing: FileDigest[] = [];
  const extra: FileDigest[] = [];
  for (const f of statement.files) {
    const got = present.get(f.name);
    if (got === undefined) {
      if (!refused.some((r) => r.path === f.name)) missing.push(f);
    } else if (got !== f.sha256) {
      differences.push({
        kind: "changed",
        path: f.name,
        detail: `content changed (sha256 ${got.slice(0, 12)}…, manifest ${f.sha256.slice(0, 12)}…)`,
      });
    }
  }
  for (const f of actual) if (!expected.has(f.name)) extra.push(f);
  // A missing file whose exact bytes reappear under a new name was renamed (or moved).
  const extraByDigest = new Map<string, FileDigest[]>();
  for (const f of extra) {
    const list = extraByDigest.get(f.sha256);
    if (list) list.push(f);
    else extraByDigest.set(f.sha256, [f]);
  }
  const renamedTo = new Set<string>();
  for (const f of missing) {
    const candidate = extraByDigest.get(f.sha256)?.find((e) => !renamedTo.has(e.name));
    if (candidate) {
      renamedTo.add(candidate.name);
      differences.push({
        kind: "renamed",
        path: f.name,
        to: candidate.name,
        detail: `renamed to ${candidate.name}`,
      });
    } else {
      differences.push({ kind: "missing", path: f.name, detail: "is in the manifest but not in the folder" });
    }
  }
  for (const f of extra) {
    if (!renamedTo.has(f.name)) {
      differences.push({ kind: "extra", path: f.name, detail: "is in the folder but not in the manifest" });
    }
  }
  differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: differences.length === 0, differences, files: statement.files.length };
}

/** Reads manifest and public key files, then verifies (the form the CLI and the gateway use). */
export async function verifyManifestFiles(
  dir: string,
  manifestFile: string,
  verifier: EnvelopeVerifier,
  options: WalkOptions = {},
): Promise<VerifyResult> {
  const envelope = await readEnvelopeFile(manifestFile);
  return verifyManifest(dir, envelope, verifier, {
    ...options,
    exclude: [...(options.exclude ?? []), manifestFile],
  });
}

/** One line per problem, for people. */
export function describeVerifyResult(result: VerifyResult): string[] {
  if (result.signatureError) return [`signature: ${result.signatureError}`];
  return result.differences.map((d) => `${d.kind}: ${d.path} ${d.detail}`);
}
