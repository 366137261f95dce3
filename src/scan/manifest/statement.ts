/**
 * The manifest payload: an in-toto Statement v1
 * (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md) whose subjects are the
 * files of a folder, each `{name, digest: {sha256}}` (a ResourceDescriptor), and whose predicate
 * follows the OpenSSF model-signing layout (https://github.com/sigstore/model-transparency):
 * `serialization` (how the folder was hashed) and `resources` `{name, algorithm, digest}`.
 * Subjects and resources carry the same list; the parser insists they agree.
 */

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** Our predicate type (an OpenSSF model-signing-like per-file manifest). */
export const PREDICATE_TYPE = "https://github.com/portcullis-security/portcullis/manifest/v1";

export const MAX_MANIFEST_FILES = 1_000_000;
const MAX_NAME_LENGTH = 4096;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface FileDigest {
  /** Path relative to the folder, with `/` separators. */
  name: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface ManifestPredicate {
  serialization: {
    method: "files";
    hash_type: "sha256";
    allow_symlinks: boolean;
    ignore_paths: string[];
  };
  resources: Array<{ name: string; algorithm: "sha256"; digest: string }>;
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof PREDICATE_TYPE;
  predicate: ManifestPredicate;
}

export function buildStatement(
  files: readonly FileDigest[],
  options: { allowSymlinks: boolean; ignorePaths: string[] },
): Statement {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    _type: STATEMENT_TYPE,
    subject: sorted.map((f) => ({ name: f.name, digest: { sha256: f.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: "files",
        hash_type: "sha256",
        allow_symlinks: options.allowSymlinks,
        ignore_paths: options.ignorePaths,
      },
      resources: sorted.map((f) => ({ name: f.name, algorithm: "sha256", digest: f.sha256 })),
    },
  };
}

/**
 * A name is a relative POSIX path inside the folder: no empty, `.` or `..` segments, no leading
 * `/`, no backslashes or NUL (a signed manifest must not be able to point outside its folder).
 */
export function validName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  if (name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  return name.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Parses and checks a verified payload. Never throws; returns the file list or why not. */
export function parseStatement(
  payload: Uint8Array,
): { ok: true; files: FileDigest[]; allowSymlinks: boolean } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    return { ok: false, error: "the payload is not JSON" };
  }
  if (!isObject(json)) return { ok: false, error: "the payload is not a JSON object" };
  if (json._type !== STATEMENT_TYPE) return { ok: false, error: `_type is not ${STATEMENT_TYPE}` };
  if (json.predicateType !== PREDICATE_TYPE) {
    return { ok: false, error: `predicateType is not ${PREDICATE_TYPE}` };
  }
  const subject = json.subject;
  if (!Array.isArray(subject)) return { ok: false, error: "subject is not an array" };
  if (subject.length > MAX_MANIFEST_FILES) return { ok: false, error: "too many subjects" };
  const files: FileDigest[] = [];
  const seen = new Set<string>();
  for (const [i, s] of subject.entries()) {
    if (!isObject(s) || typeof s.name !== "string" || !isObject(s.digest)) {
      return { ok: false, error: `subject[${i}] is not {name, digest}` };
    }
    const sha256 = s.digest.sha256;
    if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) {
      return { ok: false, error: `subject[${i}] has no valid sha256 digest` };
    }
    if (!validName(s.name)) return { ok: false, error: `subject[${i}] has an unsafe name` };
    if (seen.has(s.name)) return { ok: false, error: `subject[${i}] repeats ${JSON.stringify(s.name)}` };
    seen.add(s.name);
    files.push({ name: s.name, sha256 });
  }
  const predicate = json.predicate;
  if (!isObject(predicate)) return { ok: false, error: "predicate is not an object" };
  const serialization = predicate.serialization;
  if (!isObject(serialization) || serialization.method !== "files" || serialization.hash_type !== "sha256") {
    return { ok: false, error: "predicate.serialization is not {method: files, hash_type: sha256}" };
  }
  const resources = predicate.resources;
  if (!Array.isArray(resources) || resources.length !== files.length) {
    return { ok: false, error: "predicate.resources does not list the same files as subject" };
  }
  for (const [i, r] of resources.entries()) {
    const f = files[i] as FileDigest;
    if (!isObject(r) || r.name !== f.name || r.algorithm !== "sha256" || r.digest !== f.sha256) {
      return { ok: false, error: `predicate.resources[${i}] disagrees with subject[${i}]` };
    }
  }
  return { ok: true, files, allowSymlinks: serialization.allow_symlinks === true };
}
