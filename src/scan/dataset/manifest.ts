/**
 * Verifying a signed manifest (src/scan/manifest) before a dataset is scanned. The manifest
 * covers a folder: the dataset folder itself, or the folder holding the dataset file (unless
 * another root is given). The folder must verify as `portcullis manifest verify` would (signature,
 * every file matching, none missing, none extra), and the dataset must be one of the signed files.
 */
import { stat } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import {
  describeVerifyResult,
  loadVerifier,
  parseStatement,
  readEnvelopeFile,
  verifyEnvelope,
  verifyManifest,
  type VerifyResult,
} from "../manifest/index.js";

export interface DatasetManifestOptions {
  /** The dataset (file or folder) about to be scanned. */
  path: string;
  manifest: string;
  pubkey: string;
  /** The folder the manifest covers (default: the dataset folder, or the file's folder). */
  root?: string;
}

export interface DatasetManifestResult {
  ok: boolean;
  root: string;
  /** One line per problem, for people. */
  problems: string[];
  result: VerifyResult;
}

export async function verifyDatasetManifest(options: DatasetManifestOptions): Promise<DatasetManifestResult> {
  const target = resolve(options.path);
  const isFolder = (await stat(target)).isDirectory();
  const root = resolve(options.root ?? (isFolder ? target : dirname(target)));
  const verifier = loadVerifier(options.pubkey);
  const envelope = await readEnvelopeFile(options.manifest);
  const result = await verifyManifest(root, envelope, verifier, { exclude: [resolve(options.manifest)] });
  const problems = describeVerifyResult(result);
  if (result.ok && !isFolder) {
    // The folder verified; the dataset file must also be one of the files signed.
    const name = relative(root, target).split(sep).join("/");
    const verified = verifyEnvelope(envelope, verifier);
    const statement = verified.ok ? parseStatement(verified.value) : undefined;
    const listed = statement?.ok === true && statement.files.some((f) => f.name === name);
    if (name.startsWith("..") || !listed) {
      problems.push(`not signed: ${name} is not among the files of the manifest of ${root}`);
    }
  }
  return { ok: problems.length === 0, root, problems, result };
}
