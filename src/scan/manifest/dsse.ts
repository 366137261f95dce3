/**
 * DSSE (Dead Simple Signing Envelope, https://github.com/secure-systems-lab/dsse, protocol v1):
 * the signature covers the pre-authentication encoding (PAE) of payload type and payload, never
 * the JSON envelope, so re-serialising the envelope cannot change what was signed.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *
 * where LEN is the byte length as ASCII decimal without leading zeros (DSSE protocol.md).
 *
 * The parser is strict and bounded: it accepts only the envelope's own fields, canonical base64,
 * a bounded number of signatures, and returns an error string instead of throwing on any input.
 */

/** in-toto attestation framework: the payload type of an in-toto Statement in DSSE. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Envelopes larger than this are refused before parsing (a manifest of ~200k files fits). */
export const MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;
const MAX_SIGNATURES = 16;
const MAX_KEYID_LENGTH = 256;

export interface DsseSignature {
  keyid: string;
  /** Base64 (standard alphabet, padded) of the raw signature bytes. */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The DSSE v1 pre-authentication encoding. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const head = Buffer.from(`DSSEv1 ${type.length} `, "ascii");
  const mid = Buffer.from(` ${payload.length} `, "ascii");
  return Buffer.concat([head, type, mid, payload]);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical standard base64 only; DSSE also allows URL-safe base64, which is accepted too. */
export function decodeBase64(text: string): Buffer | undefined {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = std.length % 4 === 0 ? std : std + "=".repeat(4 - (std.length % 4));
  if (padded.length % 4 !== 0 || !BASE64.test(padded)) return undefined;
  const bytes = Buffer.from(padded, "base64");
  // Non-canonical encodings (stray bits in the last character) would give two texts one meaning.
  if (bytes.toString("base64") !== padded) return undefined;
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Parses an envelope from its JSON text. Never throws. */
export function parseEnvelope(text: string): ParseResult<DsseEnvelope> {
  if (typeof text !== "string") return { ok: false, error: "the envelope is not text" };
  if (text.length > MAX_ENVELOPE_BYTES) return { ok: false, error: "the envelope is too large" };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "the envelope is not valid JSON" };
  }
  if (!isPlainObject(json)) return { ok: false, error: "the envelope is not a JSON object" };
  for (const key of Object.keys(json)) {
    if (key !== "payloadType" && key !== "payload" && key !== "signatures") {
      return { ok: false, error: `the envelope has an unknown field "${key.slice(0, 64)}"` };
    }
  }
  const { payloadType, payload, signatures } = json;
  if (typeof payloadType !== "string" || payloadType.length === 0 || payloadType.length > 256) {
    return { ok: false, error: "payloadType must be a non-empty string" };
  }
  if (typeof payload !== "string") return { ok: false, error: "payload must be a base64 string" };
  if (decodeBase64(payload) === undefined) return { ok: false, error: "payload is not valid base64" };
  if (!Array.isArray(signatures) || signatures.length === 0) {
    return { ok: false, error: "signatures must be a non-empty array" };
  }
  if (signatures.length > MAX_SIGNATURES) return { ok: false, error: "too many signatures" };
  const sigs: DsseSignature[] = [];
  for (const [i, s] of signatures.entries()) {
    if (!isPlainObject(s)) return { ok: false, error: `signatures[${i}] is not an object` };
    for (const key of Object.keys(s)) {
      if (key !== "keyid" && key !== "sig") {
        return { ok: false, error: `signatures[${i}] has an unknown field "${key.slice(0, 64)}"` };
      }
    }
    const keyid = s.keyid ?? "";
    if (typeof keyid !== "string" || keyid.length > MAX_KEYID_LENGTH) {
      return { ok: false, error: `signatures[${i}].keyid must be a string` };
    }
    if (typeof s.sig !== "string" || decodeBase64(s.sig) === undefined) {
      return { ok: false, error: `signatures[${i}].sig is not valid base64` };
    }
    sigs.push({ keyid, sig: s.sig });
  }
  return { ok: true, value: { payloadType, payload, signatures: sigs } };
}

export interface EnvelopeSigner {
  keyid: string;
  sign(message: Uint8Array): Uint8Array;
}

export interface EnvelopeVerifier {
  keyid: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export function signEnvelope(payloadType: string, payload: Uint8Array, signer: EnvelopeSigner): DsseEnvelope {
  const sig = Buffer.from(signer.sign(pae(payloadType, payload))).toString("base64");
  return {
    payloadType,
    payload: Buffer.from(payload).toString("base64"),
    signatures: [{ keyid: signer.keyid, sig }],
  };
}

/**
 * Verifies an envelope against one trusted key. A signature counts when its keyid is empty or
 * equals the key's id (keyid is a hint, not trusted: the signature itself decides). Returns the
 * verified payload bytes, or why it failed.
 */
export function verifyEnvelope(envelope: DsseEnvelope, verifier: EnvelopeVerifier): ParseResult<Buffer> {
  const payload = decodeBase64(envelope.payload);
  if (!payload) return { ok: false, error: "payload is not valid base64" };
  const message = pae(envelope.payloadType, payload);
  for (const s of envelope.signatures) {
    if (s.keyid !== "" && s.keyid !== verifier.keyid) continue;
    const sig = decodeBase64(s.sig);
    if (sig && verifier.verify(message, sig)) return { ok: true, value: payload };
  }
  const ids = envelope.signatures.map((s) => s.keyid || "(none)").join(", ");
  return {
    ok: false,
    error: envelope.signatures.some((s) => s.keyid === "" || s.keyid === verifier.keyid)
      ? "the signature does not verify with the given public key (the manifest or its signature was changed)"
      : `no signature by the given public key (keyid ${verifier.keyid}); the manifest is signed by ${ids}`,
  };
}
