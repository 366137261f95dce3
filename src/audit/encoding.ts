import type { SecurityEvent } from "../events/index.js";

/**
 * The leaf encoding: canonical JSON in the sense of RFC 8785 (JSON Canonicalization Scheme), as
 * UTF-8 bytes. Object keys are sorted by UTF-16 code units, there is no whitespace, numbers use
 * the ECMAScript shortest round-trip form and strings the ECMAScript escaping — both exactly what
 * RFC 8785 prescribes — so the same record always gives the same bytes, in any JSON-capable
 * language, and a leaf can be read by a person.
 *
 * Where RFC 8785 would refuse a value, this encoder is total instead, because an audit record must
 * never be lost to an encoding error: non-finite numbers become null (as JSON.stringify does),
 * `undefined` members are left out, `toJSON` is honoured, bigints become decimal strings.
 *
 * A leaf is `{"event":<SecurityEvent>,"index":<position in the log>,"v":1}`. The index inside the
 * leaf pins each record to its position, so a row moved, dropped or inserted in the database is
 * named by its index by `audit verify` even when the attacker re-hashed the rows. The event holds
 * only a reference to an encrypted payload (`payload_ref`), never a prompt or an answer, so the
 * log verifies without any decryption key and survives crypto-shredding.
 */
export const LEAF_VERSION = 1;

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncodingError";
  }
}

function encode(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new EncodingError(`nested deeper than ${MAX_DEPTH} levels`);
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  )
    value = (value as { toJSON(): unknown }).toJSON();
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return JSON.stringify(value.toString());
    case "object":
      break;
    default:
      // undefined, functions and symbols: null inside arrays, left out of objects (see below).
      return "null";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + encode(value[i], depth + 1);
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const member = record[key];
    const type = typeof member;
    if (type === "undefined" || type === "function" || type === "symbol") continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + encode(member, depth + 1);
    first = false;
  }
  return out + "}";
}

/** Thrown by `sorted` when a key would not keep its place in JSON.stringify (see below). */
const INTEGER_KEY = Symbol("integer key");
const INTEGER = /^(?:0|[1-9][0-9]*)$/;

/**
 * A copy of `value` whose objects have their keys inserted in sorted order, with the values
 * canonical JSON cannot hold replaced as `encode` replaces them, so that the native
 * JSON.stringify writes the canonical text — about a third faster than building it by hand.
 * JSON.stringify keeps insertion order except for integer-like keys ("2" before "10", both before
 * "a"), so an object with one of those falls back to `encode`.
 */
function sorted(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new EncodingError(`nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function")
    return sorted((value as { toJSON(): unknown }).toJSON(), depth);
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = sorted(value[i], depth + 1);
    return copy;
  }
  const record = value as Record<string, unknown>;
  // No prototype, so that a "__proto__" key (JSON.parse makes it an own property) stays a member
  // instead of replacing the copy's prototype and vanishing from the output.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57 && INTEGER.test(key)) throw INTEGER_KEY;
    copy[key] = sorted(record[key], depth + 1);
  }
  return copy;
}

/** Canonical JSON text of a value (see above). */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sorted(value, 0)) ?? "null";
  } catch (error) {
    if (error !== INTEGER_KEY) throw error;
    return encode(value, 0);
  }
}

export interface LeafRecord {
  event: SecurityEvent | { id?: string; encoding_error: string };
  index: number;
  v: number;
}

/** The leaf bytes for the event at `index`. Never throws: an unencodable event leaves a marker. */
export function encodeLeaf(event: SecurityEvent, index: number): Buffer {
  let text: string;
  try {
    text = canonicalJson({ event, index, v: LEAF_VERSION });
  } catch (error) {
    const marker = {
      id: typeof event?.id === "string" ? event.id : undefined,
      encoding_error: String(error),
    };
    text = canonicalJson({ event: marker, index, v: LEAF_VERSION });
  }
  return Buffer.from(text, "utf8");
}

export type LeafCheck = { ok: true; record: LeafRecord } | { ok: false; reason: string };

/**
 * Reads leaf bytes back and checks they are what `encodeLeaf` writes for `index`: valid UTF-8
 * JSON, in canonical form, version 1, carrying that index.
 */
export function decodeLeaf(bytes: Uint8Array, index: number): LeafCheck {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: "leaf is not valid UTF-8" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "leaf is not JSON" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { ok: false, reason: "leaf is not a JSON object" };
  const record = parsed as Partial<LeafRecord>;
  if (record.v !== LEAF_VERSION) return { ok: false, reason: `leaf version is ${String(record.v)}, want 1` };
  if (record.index !== index)
    return { ok: false, reason: `leaf says it is record ${String(record.index)} but is stored at ${index}` };
  if (typeof record.event !== "object" || record.event === null)
    return { ok: false, reason: "leaf has no event" };
  if (canonicalJson(parsed) !== text) return { ok: false, reason: "leaf is not in canonical form" };
  return { ok: true, record: record as LeafRecord };
}
