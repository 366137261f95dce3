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
  close(): Promise<void>;
}
