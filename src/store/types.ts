import type { DecisionAction, SecurityEvent } from "../events/index.js";

export type KeyRole = "admin" | "user" | "auditor";
export type KeyStatus = "active" | "suspended" | "revoked";

/** A stored API key. The secret itself is never stored: only its keyed hash. */
export interface KeyRecord {
  id: string;
  name: string;
  team: string;
  role: KeyRole;
  /** Models this key may call; ["*"] for all. */
  models: string[];
  status: KeyStatus;
  /** HMAC-SHA-256 of the secret under the server secret, hex. */
  hash: string;
  /** First characters of the secret, for people to recognise a key ("pcx_Ab12…"). */
  prefix: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

export type KeyPatch = Partial<Pick<KeyRecord, "name" | "team" | "role" | "models" | "status" | "expiresAt">>;

export interface EventQuery {
  since?: number;
  until?: number;
  keyId?: string;
  team?: string;
  decision?: DecisionAction;
  model?: string;
  activity?: string;
  /** Page size, 1–500. */
  limit: number;
  /** Opaque cursor from the previous page (events are returned newest first). */
  cursor?: string;
}

export interface EventPage {
  events: SecurityEvent[];
  nextCursor: string | null;
}

/** One version of the payload key ring (src/crypto/envelope): a salt and a KEK fingerprint, no secret. */
export interface KekVersionRecord {
  version: number;
  fingerprint: string;
  salt: Buffer;
  createdAt: number;
}

/** A team's payload key for one UTC day, wrapped under a key ring version. */
export interface TeamKeyRecord {
  id: string;
  team: string;
  day: number;
  kekVersion: number;
  wrapped: Buffer;
  createdAt: number;
}

/** An encrypted payload; `wrappedDek` and `ciphertext` are null once it was shredded. */
export interface PayloadRecord {
  id: string;
  team: string;
  teamKeyId: string;
  mode: string;
  createdAt: number;
  wrappedDek: Buffer | null;
  ciphertext: Buffer | null;
  /** SHA-256 of the ciphertext (base64url), as in the payload_ref. */
  digest: string;
  shreddedAt: number | null;
}

/** What to shred: one payload, a team, everything before a time, or a team before a time. */
export interface PayloadShredFilter {
  id?: string;
  team?: string;
  before?: number;
}

export interface PayloadShredResult {
  payloads: number;
  teamKeys: number;
  /** SQLite: the WAL was emptied, so no old page image holds the deleted keys. */
  compacted?: boolean;
}

/**
 * Encrypted payloads and their wrapped keys (docs/encryption.md). Holds no plaintext and no
 * unwrapped key; the gateway writes in batches off the request path.
 */
export interface PayloadStore {
  kekVersions(): Promise<KekVersionRecord[]>;
  /** False when the version exists already (another process rotated at the same moment). */
  addKekVersion(version: KekVersionRecord): Promise<boolean>;
  /** Changes with every rotation and shred, so running gateways reload their keys. */
  payloadKeysVersion(): Promise<number>;
  writePayloads(
    teamKeys: readonly TeamKeyRecord[],
    payloads: readonly Omit<PayloadRecord, "shreddedAt">[],
  ): Promise<void>;
  getPayload(id: string): Promise<PayloadRecord | undefined>;
  getTeamKey(id: string): Promise<TeamKeyRecord | undefined>;
  /** Team keys wrapped under another version than `version`, oldest first. */
  teamKeysNotUnder(version: number, limit: number): Promise<TeamKeyRecord[]>;
  /** Replaces a wrap if the key is still under `fromVersion`; false when it changed meanwhile. */
  rewrapTeamKey(
    id: string,
    fromVersion: number,
    next: Pick<TeamKeyRecord, "kekVersion" | "wrapped">,
  ): Promise<boolean>;
  /** Teams that have payload keys. */
  payloadTeams(): Promise<string[]>;
  shredPayloads(filter: PayloadShredFilter, now?: number): Promise<PayloadShredResult>;
  payloadStats(): Promise<{
    payloads: number;
    shredded: number;
    teamKeys: number;
    teamKeysByVersion: Record<string, number>;
  }>;
}

/**
 * Storage for keys and events. Async so the PostgreSQL store can implement the same contract; the
 * gateway keeps keys in memory and never waits on the store on the request path.
 */
export interface Store {
  readonly kind: string;
  insertKey(record: KeyRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  listKeys(): Promise<KeyRecord[]>;
  updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined>;
  /** Changes whenever another process (the CLI) wrote keys, so caches know to reload. */
  keysVersion(): Promise<number>;
  appendEvents(events: readonly SecurityEvent[]): Promise<void>;
  queryEvents(query: EventQuery): Promise<EventPage>;
  /** Encrypted payloads (docs/encryption.md); absent in stores that do not keep them. */
  readonly payloads?: PayloadStore;
  close(): Promise<void>;
}
