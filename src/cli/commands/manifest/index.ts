/**
 * `portcullis manifest keygen|create|verify` (issue 6, "Signed manifests"; docs/scanning.md).
 * Exit codes: 0 verified (or written), 1 the folder or signature does not match, 2 unusable input.
 */
import type { Writable } from "node:stream";
import {
  describeVerifyResult,
  loadSigner,
  loadVerifier,
  ManifestError,
  ManifestKeyError,
  verifyManifestFiles,
  writeKeyPair,
  writeManifest,
} from "../../../scan/manifest/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

type Format = "text" | "json";

interface Common {
  format?: Format;
  stdout?: Writable;
}

export interface ManifestKeygenOptions extends Common {
  /** Writes PREFIX.key and PREFIX.pub (default: portcullis-manifest). */
  out?: string;
}

export interface ManifestCreateOptions extends Common {
  dir: string;
  key: string;
  /** Where the envelope goes (default: ./manifest.json; a file inside DIR is left out of the hashing). */
  out?: string;
  allowSymlinks?: boolean;
}

export interface ManifestVerifyOptions extends Common {
  dir: string;
  manifest: string;
  pubkey: string;
  allowSymlinks?: boolean;
}

function print(opts: Common, text: string): void {
  (opts.stdout ?? process.stdout).write(text.endsWith("\n") ? text : text + "\n");
}

async function guard<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    if (error instanceof ManifestError || error instanceof ManifestKeyError)
      throw new CliError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
      throw new CliError(`${(error as Error).message}`);
    }
    throw error;
  }
}

export async function manifestKeygen(opts: ManifestKeygenOptions): Promise<number> {
  const prefix = opts.out ?? "portcullis-manifest";
  const made = await guard(async () => writeKeyPair(prefix));
  if (opts.format === "json") {
    print(
      opts,
      JSON.stringify({ privateKey: made.privateKeyFile, publicKey: made.publicKeyFile, keyid: made.keyid }),
    );
  } else {
    print(
      opts,
      `private key: ${made.privateKeyFile} (keep it secret)\npublic key:  ${made.publicKeyFile}\nkeyid:       ${made.keyid}`,
    );
  }
  return EXIT_OK;
}

export async function manifestCreate(opts: ManifestCreateOptions): Promise<number> {
  const out = opts.out ?? "manifest.json";
  const result = await guard(async () => {
    const signer = loadSigner(opts.key);
    return writeManifest(opts.dir, out, { signer, allowSymlinks: opts.allowSymlinks ?? false });
  });
  if (opts.format === "json") {
    print(
      opts,
      JSON.stringify({ manifest: out, files: result.files, keyid: result.envelope.signatures[0]?.keyid }),
    );
  } else {
    print(opts, `signed ${result.files} files of ${opts.dir} into ${out}`);
  }
  return EXIT_OK;
}

export async function manifestVerify(opts: ManifestVerifyOptions): Promise<number> {
  const result = await guard(async () => {
    const verifier = loadVerifier(opts.pubkey);
    return verifyManifestFiles(opts.dir, opts.manifest, verifier, {
      allowSymlinks: opts.allowSymlinks ?? false,
    });
  });
  if (opts.format === "json") {
    print(
      opts,
      JSON.stringify({
        ok: result.ok,
        files: result.files,
        signature: result.signatureError ? "invalid" : "valid",
        ...(result.signatureError ? { error: result.signatureError } : {}),
        differences: result.differences,
      }),
    );
  } else if (result.ok) {
    print(opts, `OK: signature valid, ${result.files} files match`);
  } else {
    print(opts, ["FAILED:", ...describeVerifyResult(result).map((l) => `  ${l}`)].join("\n"));
  }
  return result.ok ? EXIT_OK : EXIT_FINDINGS;
}
