import sjson from "secure-json-parse";
import { GatewayError } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Deepest nesting of arrays and objects, found by one pass over the bytes before any parsing, so
 * a body of 100,000 brackets is refused without building it. Brackets inside strings don't count.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > limit) return true;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return false;
}

/**
 * Parses a JSON request body: valid UTF-8 (RFC 8259 §8.1), bounded depth, and no `__proto__` /
 * `constructor.prototype` keys (prototype-pollution payloads are refused, not silently dropped).
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number): unknown {
  // An empty body (DELETE or POST …/suspend from clients that always send the header) is no body.
  if (bytes.length === 0) return undefined;
  if (jsonDepthExceeds(bytes, maxDepth))
    throw new GatewayError("PCX_JSON_TOO_DEEP", `The request body is nested deeper than ${maxDepth} levels.`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new GatewayError("PCX_INVALID_UTF8");
  }
  try {
    return sjson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch (error) {
    // secure-json-parse reports forbidden keys as a SyntaxError too; tell the caller which it was.
    if (error instanceof SyntaxError && /forbidden/.test(error.message)) {
      throw new GatewayError(
        "PCX_INVALID_JSON",
        "The request body contains forbidden keys (__proto__ or constructor.prototype).",
      );
    }
    throw new GatewayError("PCX_INVALID_JSON");
  }
}
