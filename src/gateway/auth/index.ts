import type { IncomingHttpHeaders } from "node:http";
import type { KeyRole } from "../../store/index.js";
import { GatewayError } from "../errors.js";
import type { KeyCache } from "./key-cache.js";
import { hashKey, hashesEqual, isWellFormedKey } from "./key-format.js";

export { KeyCache } from "./key-cache.js";
export * from "./key-format.js";
export * from "./key-service.js";

/** Who called: resolved once per request by the auth stage. */
export interface Identity {
  keyId: string;
  keyName: string;
  team: string;
  role: KeyRole;
  models: readonly string[];
}

/** The key from `Authorization: Bearer …` (OpenAI clients) or `x-api-key` (Anthropic clients). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? "";
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" ? apiKey.trim() : undefined;
}

export function authenticate(
  headers: IncomingHttpHeaders,
  keys: KeyCache,
  serverSecret: Buffer,
  now = Date.now(),
): Identity {
  const key = presentedKey(headers);
  if (key === undefined) throw new GatewayError("PCX_AUTH_MISSING_KEY");
  // A malformed key is rejected before hashing, with the same answer as an unknown one.
  if (!isWellFormedKey(key)) throw new GatewayError("PCX_AUTH_INVALID_KEY");
  const hash = hashKey(serverSecret, key);
  const record = keys.lookup(hash);
  // The lookup is by keyed hash, so its timing reveals nothing usable; the final comparison is
  // constant-time all the same, as the house rule asks for every secret comparison.
  if (!record || !hashesEqual(record.hash, hash)) throw new GatewayError("PCX_AUTH_INVALID_KEY");
  if (record.status === "revoked") throw new GatewayError("PCX_AUTH_KEY_REVOKED");
  if (record.status === "suspended") throw new GatewayError("PCX_AUTH_KEY_SUSPENDED");
  if (record.expiresAt !== null && record.expiresAt <= now) throw new GatewayError("PCX_AUTH_KEY_EXPIRED");
  return {
    keyId: record.id,
    keyName: record.name,
    team: record.team,
    role: record.role,
    models: record.models,
  };
}
export { parseExpiry } from "./expiry.js";
