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

export type IncidentStatus = "open" | "acknowledged" | "resolved";
export type IncidentSeverity = "low" | "medium" | "high" | "critical";

/** What an incident keeps as evidence: bounded lists, never payloads. */
export interface IncidentEvidence {
  /** Rules that fired into the incident. */
  rules: string[];
  /** Why, in words a person can read (newest last, bounded). */
  reasons: string[];
  /** A sample of the events behind it (newest last, bounded). */
  eventIds: string[];
  requestIds: string[];
  /** Playbooks already run for it, so a later trigger runs only the ones it adds (escalation). */
  playbooks: string[];
}

/** An incident (docs/incidents.md): triggers of one type for one key, with a lifecycle. */
export interface IncidentRecord {
  id: string;
  type: string;
  /** The rule that opened it. */
  ruleId: string;
  title: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  keyId: string;
  team: string | null;
  /** OWASP Top 10 for LLM Applications 2025 ids (LLM01…) and MITRE ATLAS technique ids. */
  owasp: string[];
  atlas: string[];
  firstSeen: number;
  lastSeen: number;
  /** Events counted into it. */
  eventCount: number;
  evidence: IncidentEvidence;
  createdAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
}

export type IncidentPatch = Partial<
  Pick<
    IncidentRecord,
    | "severity"
    | "status"
    | "title"
    | "owasp"
    | "atlas"
    | "lastSeen"
    | "eventCount"
    | "evidence"
    | "acknowledgedAt"
    | "acknowledgedBy"
    | "resolvedAt"
    | "resolvedBy"
  >
>;

export interface IncidentQuery {
  status?: IncidentStatus;
  keyId?: string;
  type?: string;
  severity?: IncidentSeverity;
  /** Page size, 1–500; newest first. */
  limit: number;
  cursor?: string;
}

/** One line of an incident's history: a note, or a lifecycle step with who did it. */
export interface IncidentNoteRecord {
  id: string;
  incidentId: string;
  time: number;
  /** "responder", or the admin key that did it ("name (key_…)"). */
  author: string;
  kind: "opened" | "note" | "acknowledged" | "resolved" | "action";
  text: string;
}

export type ResponseActionType = "open_incident" | "suspend_key" | "throttle" | "require_policy" | "notify";
/**
 * `active`: in force (suspension, throttle, policy); `done`: a one-off that happened (notify,
 * open_incident, or a suspension that found the key already suspended); `expired`: ended by its
 * own duration; `reverted`: ended by a person; `superseded`: someone changed the key meanwhile, so
 * the end left it alone; `failed`: it could not be carried out.
 */
export type ResponseActionState = "active" | "done" | "expired" | "reverted" | "superseded" | "failed";

/** An automated response action: audited when made and when ended, revertible while active. */
export interface ResponseActionRecord {
  id: string;
  incidentId: string | null;
  type: ResponseActionType;
  /** The key acted on. */
  keyId: string;
  playbook: string;
  ruleId: string;
  /** The action's settings (duration, limits, policy, webhooks) and what it needs to undo itself. */
  params: Record<string, unknown>;
  state: ResponseActionState;
  createdAt: number;
  expiresAt: number | null;
  endedAt: number | null;
  endedBy: string | null;
  /** Why it failed or was superseded; a note from whoever reverted it. */
  detail: string | null;
}

export type ResponseActionPatch = Partial<
  Pick<ResponseActionRecord, "state" | "endedAt" | "endedBy" | "detail" | "params">
>;

export interface ResponseActionQuery {
  incidentId?: string;
  keyId?: string;
  states?: readonly ResponseActionState[];
  /** Newest first, at most this many (1–1000). */
  limit: number;
}

export type FeedbackVerdict = "false_positive" | "missed_attack";

/** A report from an application team about one of its requests (POST /v1/feedback). */
export interface FeedbackRecord {
  id: string;
  requestId: string;
  keyId: string;
  team: string;
  verdict: FeedbackVerdict;
  comment: string;
  /** What the request's verdict came from: "detector:…", "policy:…", "rule:…" (counted in the summary). */
  subjects: string[];
  createdAt: number;
}

export interface FeedbackQuery {
  verdict?: FeedbackVerdict;
  keyId?: string;
  /** Page size, 1–500; newest first. */
  limit: number;
  cursor?: string;
}

export interface FeedbackSummaryRow {
  subject: string;
  falsePositive: number;
  missedAttack: number;
}

/**
 * Incidents, their history, response actions and feedback (docs/incidents.md). Written off the
 * request path by the incident responder and the admin API.
 */
export interface IncidentStore {
  insertIncident(record: IncidentRecord): Promise<void>;
  getIncident(id: string): Promise<IncidentRecord | undefined>;
  listIncidents(query: IncidentQuery): Promise<{ incidents: IncidentRecord[]; nextCursor: string | null }>;
  /** The newest unresolved incident of this key and type last seen at or after `since`. */
  findOpenIncident(keyId: string, type: string, since: number): Promise<IncidentRecord | undefined>;
  /**
   * Writes the given fields (and `updatedAt`). With `fromStatus`, only when the incident is in one
   * of those states: undefined when it is not (or does not exist), so two admins cannot both win.
   */
  updateIncident(
    id: string,
    patch: IncidentPatch,
    fromStatus?: readonly IncidentStatus[],
  ): Promise<IncidentRecord | undefined>;
  addIncidentNote(note: IncidentNoteRecord): Promise<void>;
  /** Oldest first. */
  incidentNotes(incidentId: string): Promise<IncidentNoteRecord[]>;
  insertAction(action: ResponseActionRecord): Promise<void>;
  getAction(id: string): Promise<ResponseActionRecord | undefined>;
  listActions(query: ResponseActionQuery): Promise<ResponseActionRecord[]>;
  /** Like updateIncident: with `fromState`, only while the action is in one of those states. */
  updateAction(
    id: string,
    patch: ResponseActionPatch,
    fromState?: readonly ResponseActionState[],
  ): Promise<ResponseActionRecord | undefined>;
  /** Changes with every action written, so other replicas reload the throttles and policies in force. */
  actionsVersion(): Promise<number>;
  /** False when this key already sent this verdict for this request (counted once). */
  insertFeedback(record: FeedbackRecord): Promise<boolean>;
  listFeedback(query: FeedbackQuery): Promise<{ feedback: FeedbackRecord[]; nextCursor: string | null }>;
  /** Reports per subject, most reported first. */
  feedbackSummary(): Promise<FeedbackSummaryRow[]>;
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
  /** Incidents, response actions and feedback (docs/incidents.md); absent in stores that do not keep them. */
  readonly incidents?: IncidentStore;
  close(): Promise<void>;
}
