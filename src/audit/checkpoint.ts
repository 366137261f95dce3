import type { NoteSigner, NoteVerifier } from "../crypto/signing/index.js";
import { HASH_BYTES } from "./merkle/index.js";

/**
 * Checkpoints (signed tree heads) in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint),
 * a C2SP signed note (https://c2sp.org/signed-note):
 *
 *   <origin>\n
 *   <tree size, decimal, no leading zeros>\n
 *   <base64 root hash>\n
 *   \n
 *   — <key name> <base64(4-byte key id || Ed25519 signature of the three lines above)>\n
 *
 * The log signs with a key named after its origin, so one line of text is all an auditor needs
 * to keep: any RFC 6962 + signed-note verifier (e.g. Go's golang.org/x/mod/sumdb/note) reads it.
 */

/** U+2014 EM DASH and a space start every signature line (signed-note). */
const SIGNATURE_PREFIX = "\u2014 ";
/** A note larger than this is refused before parsing (the spec asks verifiers for a limit). */
const MAX_NOTE_BYTES = 64 * 1024;
/** The spec requires accepting at least 16 signatures. */
const MAX_SIGNATURES = 100;

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole signed note, as stored and exported. */
  note: string;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** The note text: origin, size and root, each followed by a newline. */
export function checkpointText({ origin, size, root }: Checkpoint): string {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new CheckpointError("tree size must be a non-negative integer");
  if (root.length !== HASH_BYTES) throw new CheckpointError("root must be a 32-byte hash");
  return `${origin}\n${size}\n${root.toString("base64")}\n`;
}

export function signCheckpoint(signer: NoteSigner, size: number, root: Buffer): SignedCheckpoint {
  const checkpoint = { origin: signer.name, size, root: Buffer.from(root) };
  const text = checkpointText(checkpoint);
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId);
  const signature = Buffer.concat([id, signer.sign(Buffer.from(text, "utf8"))]).toString("base64");
  return { ...checkpoint, note: `${text}\n${SIGNATURE_PREFIX}${signer.name} ${signature}\n` };
}

export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Buffer;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return true;
  }
  return false;
}

/** Splits a signed note into its text and signature lines, checking the format (not the signatures). */
export function parseNote(note: string): ParsedNote {
  if (Buffer.byteLength(note, "utf8") > MAX_NOTE_BYTES) throw new CheckpointError("note is too large");
  if (note.includes("\uFFFD")) throw new CheckpointError("note is not valid UTF-8");
  if (hasControlCharacter(note))
    throw new CheckpointError("note contains control characters other than newline");
  if (!note.endsWith("\n")) throw new CheckpointError("note does not end with a newline");
  // The text is separated from the signatures by the last blank line.
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new CheckpointError("note has no signature block");
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new CheckpointError("note has too many signatures");
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX))
      throw new CheckpointError(`malformed signature line: ${JSON.stringify(line)}`);
    const parts = line.slice(SIGNATURE_PREFIX.length).split(" ");
    if (parts.length !== 2 || !parts[0]) throw new CheckpointError("malformed signature line");
    const [name, b64] = parts as [string, string];
    const bytes = Buffer.from(b64, "base64");
    if (bytes.toString("base64") !== b64 || bytes.length < 5)
      throw new CheckpointError("signature is not base64 of a key id and a signature");
    return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/** Reads the checkpoint body of a note text (tlog-checkpoint "Note text"), strictly. */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split("\n");
  // text ends with "\n", so the last element is empty.
  lines.pop();
  if (lines.length < 3) throw new CheckpointError("a checkpoint has at least three lines");
  if (lines.some((line) => line.length === 0)) throw new CheckpointError("a checkpoint has no empty lines");
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new CheckpointError("tree size is not a decimal number");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointError("tree size is too large");
  const root = Buffer.from(rootText, "base64");
  if (root.toString("base64") !== rootText || root.length !== HASH_BYTES)
    throw new CheckpointError("root hash is not base64 of 32 bytes");
  return { origin, size, root };
}

/**
 * Verifies a checkpoint note against the log's key and returns it (C2SP signed-note rules):
 * signatures by other keys are ignored; every signature by this key (same name and id) must
 * verify; at least one must exist. The origin must be the key's name, so a checkpoint of another
 * log signed by the same key is not taken for this log's.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier): SignedCheckpoint {
  const parsed = parseNote(note);
  const mine = parsed.signatures.filter((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  if (mine.length === 0) {
    const others = parsed.signatures.map(
      (s) => `${s.name} (key id ${s.keyId.toString(16).padStart(8, "0")})`,
    );
    throw new CheckpointError(
      `not signed by the log's key ${verifier.name} (key id ${verifier.keyId.toString(16).padStart(8, "0")}); signed by ${others.join(", ")}`,
    );
  }
  const message = Buffer.from(parsed.text, "utf8");
  for (const s of mine) {
    if (!verifier.verify(message, s.signature)) throw new CheckpointError("signature does not verify");
  }
  const checkpoint = parseCheckpointText(parsed.text);
  if (checkpoint.origin !== verifier.name)
    throw new CheckpointError(
      `origin ${JSON.stringify(checkpoint.origin)} is not the key's name ${verifier.name}`,
    );
  return { ...checkpoint, note };
}

/**
 * Splits a file holding one or more notes one after the other (the `append` export target) into
 * notes. Checkpoint texts have no empty lines, so each blank line ends a text; the signature lines
 * after it end where the next text begins.
 */
export function splitNotes(content: string): string[] {
  const notes: string[] = [];
  let current: string[] = [];
  let inSignatures = false;
  const lines = content.replace(/\r\n/g, "\n").split("\n");
  for (const line of lines) {
    if (inSignatures) {
      if (line.startsWith(SIGNATURE_PREFIX)) {
        current.push(line);
        continue;
      }
      notes.push(`${current.join("\n")}\n`);
      current = [];
      inSignatures = false;
    }
    if (line === "") {
      if (current.length > 0) {
        current.push("");
        inSignatures = true;
      }
      continue;
    }
    current.push(line);
  }
  if (current.length > 0) notes.push(`${current.join("\n")}\n`);
  return notes;
}
