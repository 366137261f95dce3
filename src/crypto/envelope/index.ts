import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { context, DecryptError, open, randomKey, seal } from "../aead/index.js";
import { deriveVersionKey, kekFingerprint } from "../kek/index.js";

/**
 * Envelope encryption of payloads (docs/encryption.md). Three levels of keys:
 *
 *   KEK (outside the data directory: env, file or command)
 *    └─ key ring version v: HKDF(KEK, salt_v, v)            — stored: version, salt, KEK fingerprint
 *        └─ team key (one per team per UTC day), random      — stored: wrapped by the version key
 *            └─ data key (DEK), random, one per payload      — stored: wrapped by the team key
 *                └─ the payload, AES-256-GCM                 — stored: ciphertext
 *
 * Deleting a team's keys makes every payload of that team unreadable in one step; deleting a DEK
 * does it for one payload; a day's team key is the unit retention shreds. Every wrap and every
 * ciphertext carries associated data naming the ids it belongs to, so nothing can be moved between
 * records, teams or versions without decryption failing.
 *
 * Nothing here does I/O: the caller loads and stores the rows.
 */

export const DAY_MS = 86_400_000;

/** One version of the key ring; holds no secret. */
export interface KekVersion {
  version: number;
  /** kekFingerprint of the KEK this version was made from. */
  fingerprint: string;
  /** Random HKDF salt of this version. */
  salt: Buffer;
  createdAt: number;
}

/** A team key as stored: wrapped under one ring version. */
export interface WrappedTeamKey {
  id: string;
  team: string;
  /** UTC day number (epoch ms / DAY_MS) this key encrypts the payloads of. */
  day: number;
  kekVersion: number;
  wrapped: Buffer;
  createdAt: number;
}

/** A payload as stored. */
export interface SealedPayload {
  /** The record id (the security event's id), bound into every wrap and the ciphertext. */
  id: string;
  team: string;
  teamKeyId: string;
  /** What was recorded: "full" or "redacted". */
  mode: string;
  createdAt: number;
  /** The DEK wrapped by the team key. */
  wrappedDek: Buffer;
  ciphertext: Buffer;
  /** SHA-256 of the ciphertext, base64url: the digest the payload_ref (and so the audit log) carries. */
  digest: string;
}

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyRingError";
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function ciphertextDigest(ciphertext: Uint8Array): string {
  return createHash("sha256").update(ciphertext).digest("base64url");
}

const teamKeyContext = (row: Pick<WrappedTeamKey, "id" | "team" | "day">, version: number) =>
  context("pcx/team-key/v1", row.id, row.team, row.day, version);
const dekContext = (recordId: string, teamKeyId: string) => context("pcx/dek/v1", recordId, teamKeyId);
const payloadContext = (p: Pick<SealedPayload, "id" | "teamKeyId" | "mode" | "team">) =>
  context("pcx/payload/v1", p.id, p.teamKeyId, p.mode, p.team);

/**
 * The versions of the ring with the wrapping keys this process can derive: a version whose KEK
 * (by fingerprint) is among the KEKs given is unlocked, the others are known but locked.
 */
export class KeyRing {
  private readonly keys = new Map<number, Buffer>();
  readonly versions: readonly KekVersion[];

  constructor(versions: readonly KekVersion[], keks: readonly Uint8Array[]) {
    this.versions = [...versions].sort((a, b) => a.version - b.version);
    const byPrint = new Map(keks.map((k) => [kekFingerprint(k), k]));
    for (const v of this.versions) {
      const kek = byPrint.get(v.fingerprint);
      if (kek) this.keys.set(v.version, deriveVersionKey(kek, v.salt, v.version));
    }
  }

  /** The newest version: what new team keys should be wrapped under. */
  get current(): KekVersion | undefined {
    return this.versions.at(-1);
  }

  /** The newest version this process holds the KEK of (the current one, unless a rotation to a KEK it lacks is under way). */
  get writeVersion(): number | undefined {
    for (let i = this.versions.length - 1; i >= 0; i--)
      if (this.keys.has(this.versions[i]!.version)) return this.versions[i]!.version;
    return undefined;
  }

  canUnlock(version: number): boolean {
    return this.keys.has(version);
  }

  /** Versions whose KEK was not given. */
  locked(): number[] {
    return this.versions.filter((v) => !this.keys.has(v.version)).map((v) => v.version);
  }

  private versionKey(version: number): Buffer {
    const key = this.keys.get(version);
    if (!key)
      throw new KeyRingError(
        this.versions.some((v) => v.version === version)
          ? `key ring version ${version} is locked: its KEK was not supplied`
          : `key ring version ${version} does not exist`,
      );
    return key;
  }

  /** Wraps a team key under `version` (default: the write version). */
  wrapTeamKey(
    fields: { id: string; team: string; day: number; createdAt: number },
    key: Uint8Array,
    version = this.writeVersion,
  ): WrappedTeamKey {
    if (version === undefined)
      throw new KeyRingError("no key ring version is unlocked: no KEK matches the ring");
    if (!ID.test(fields.id)) throw new KeyRingError("a team key id must be 1-64 characters of [A-Za-z0-9_-]");
    const wrapped = seal(this.versionKey(version), key, teamKeyContext(fields, version));
    return { ...fields, kekVersion: version, wrapped };
  }

  unwrapTeamKey(row: WrappedTeamKey): Buffer {
    return open(this.versionKey(row.kekVersion), row.wrapped, teamKeyContext(row, row.kekVersion));
  }

  /** The same team key wrapped under the write version; undefined when it already is. */
  rewrap(row: WrappedTeamKey): WrappedTeamKey | undefined {
    const target = this.writeVersion;
    if (target === undefined || row.kekVersion === target) return undefined;
    const key = this.unwrapTeamKey(row);
    try {
      return this.wrapTeamKey(row, key, target);
    } finally {
      key.fill(0);
    }
  }

  /**
   * The next version for `kek` (the same KEK as before, or a new one): a new random salt, so its
   * wrapping key is new even for the same KEK.
   */
  static nextVersion(versions: readonly KekVersion[], kek: Uint8Array, now = Date.now()): KekVersion {
    const last = versions.reduce((max, v) => Math.max(max, v.version), 0);
    return { version: last + 1, fingerprint: kekFingerprint(kek), salt: randomBytes(32), createdAt: now };
  }
}

/** `pl1.<record id>.<SHA-256 of the ciphertext, base64url>`: what the security event (and so the audit log) carries. */
export function formatPayloadRef(id: string, digest: string): string {
  return `pl1.${id}.${digest}`;
}

export function parsePayloadRef(ref: string): { id: string; digest: string } | undefined {
  const match = /^pl1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(ref.trim());
  return match ? { id: match[1]!, digest: match[2]! } : undefined;
}

export interface SealInput {
  /** The record id: the security event's id. */
  id: string;
  team: string;
  mode: string;
  plaintext: Uint8Array;
}

export interface SealResult {
  payload: SealedPayload;
  /** A team key made for this payload: store it before (or with) the payload. */
  newTeamKey?: WrappedTeamKey;
  ref: string;
}

/**
 * Seals payloads on the request path: synchronous, no I/O. Keeps today's team key of each team in
 * memory (made on first use, wrapped at once, handed back to be stored), so a payload costs one
 * DEK, two AES-GCM operations and a SHA-256.
 */
export class PayloadSealer {
  private readonly teams = new Map<string, { row: WrappedTeamKey; key: Buffer }>();

  constructor(
    private ring: KeyRing,
    private readonly clock: () => number = Date.now,
  ) {
    if (ring.writeVersion === undefined)
      throw new KeyRingError("no key ring version matches the KEK supplied");
  }

  get keyRing(): KeyRing {
    return this.ring;
  }

  /** A new ring (after a rotation): team keys made under the old write version are not reused. */
  useRing(ring: KeyRing): void {
    if (ring.writeVersion === undefined)
      throw new KeyRingError("no key ring version matches the KEK supplied");
    if (ring.writeVersion !== this.ring.writeVersion) this.forget();
    this.ring = ring;
  }

  /** Drops cached team keys (all, or one team's) — after shredding, so no new payload uses a deleted key. */
  forget(team?: string): void {
    for (const [name, entry] of this.teams) {
      if (team !== undefined && name !== team) continue;
      entry.key.fill(0);
      this.teams.delete(name);
    }
  }

  seal(input: SealInput): SealResult {
    if (!ID.test(input.id)) throw new KeyRingError("a record id must be 1-64 characters of [A-Za-z0-9_-]");
    const now = this.clock();
    const day = Math.floor(now / DAY_MS);
    let entry = this.teams.get(input.team);
    let newTeamKey: WrappedTeamKey | undefined;
    if (!entry || entry.row.day !== day) {
      if (entry) entry.key.fill(0);
      const key = randomKey();
      const row = this.ring.wrapTeamKey({ id: randomUUID(), team: input.team, day, createdAt: now }, key);
      entry = { row, key };
      this.teams.set(input.team, entry);
      newTeamKey = row;
    }
    const dek = randomKey();
    try {
      const fields = { id: input.id, team: input.team, teamKeyId: entry.row.id, mode: input.mode };
      const ciphertext = seal(dek, input.plaintext, payloadContext(fields));
      const wrappedDek = seal(entry.key, dek, dekContext(input.id, entry.row.id));
      const digest = ciphertextDigest(ciphertext);
      const payload: SealedPayload = { ...fields, createdAt: now, wrappedDek, ciphertext, digest };
      return {
        payload,
        ...(newTeamKey ? { newTeamKey } : {}),
        ref: formatPayloadRef(input.id, digest),
      };
    } finally {
      dek.fill(0);
    }
  }
}

/** Why a payload cannot be read, in words an investigator can act on. */
export class PayloadUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadUnreadableError";
  }
}

/**
 * Decrypts a stored payload. With `expectedDigest` (from the payload_ref in the audit log), the
 * ciphertext must be the one the log recorded. Throws PayloadUnreadableError or DecryptError.
 */
export function openPayload(
  ring: KeyRing,
  payload: Pick<SealedPayload, "id" | "team" | "teamKeyId" | "mode" | "wrappedDek" | "ciphertext">,
  teamKey: WrappedTeamKey | undefined,
  expectedDigest?: string,
): Buffer {
  if (expectedDigest !== undefined) {
    const actual = Buffer.from(ciphertextDigest(payload.ciphertext));
    const expected = Buffer.from(expectedDigest);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
      throw new PayloadUnreadableError(
        "the stored ciphertext is not the one the payload_ref names (changed or swapped)",
      );
  }
  if (!teamKey || teamKey.id !== payload.teamKeyId)
    throw new PayloadUnreadableError("its team key is gone (crypto-shredded)");
  const key = ring.unwrapTeamKey(teamKey);
  try {
    const dek = open(key, payload.wrappedDek, dekContext(payload.id, teamKey.id));
    try {
      return open(dek, payload.ciphertext, payloadContext(payload));
    } finally {
      dek.fill(0);
    }
  } finally {
    key.fill(0);
  }
}

export { DecryptError };
