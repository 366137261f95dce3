import { randomBytes } from "node:crypto";
import type { KeyRecord, KeyRole, KeyStatus, Store } from "../../store/index.js";
import { displayPrefix, generateKey, hashKey } from "./key-format.js";

export interface CreateKeyInput {
  name: string;
  team: string;
  role: KeyRole;
  models: string[];
  expiresAt: number | null;
  /** Use this secret instead of a random one (the bootstrap admin key from the environment). */
  secret?: string;
}

/** A key as shown to people and scripts: everything but the hash. */
export type KeyView = Omit<KeyRecord, "hash">;

export function toView(record: KeyRecord): KeyView {
  const { hash: _hash, ...view } = record;
  return view;
}

export type StatusAction = "suspend" | "resume" | "revoke";

const TRANSITIONS: Record<StatusAction, { from: KeyStatus[]; to: KeyStatus }> = {
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended"], to: "active" },
  // Revocation is final: a revoked key can never be resumed.
  revoke: { from: ["active", "suspended"], to: "revoked" },
};

export class KeyTransitionError extends Error {}

/** Creating and changing keys: shared by the admin API and the CLI's data-dir mode. */
export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly serverSecret: Buffer,
  ) {}

  async create(input: CreateKeyInput): Promise<{ key: string; record: KeyRecord }> {
    const key = input.secret ?? generateKey();
    const now = Date.now();
    const record: KeyRecord = {
      id: `key_${randomBytes(9).toString("base64url")}`,
      name: input.name,
      team: input.team,
      role: input.role,
      models: input.models,
      status: "active",
      hash: hashKey(this.serverSecret, key),
      prefix: displayPrefix(key),
      createdAt: now,
      updatedAt: now,
      expiresAt: input.expiresAt,
    };
    await this.store.insertKey(record);
    return { key, record };
  }

  list(): Promise<KeyRecord[]> {
    return this.store.listKeys();
  }

  async findBySecret(secret: string): Promise<KeyRecord | undefined> {
    const hash = hashKey(this.serverSecret, secret);
    return (await this.store.listKeys()).find((k) => k.hash === hash);
  }

  async setStatus(id: string, action: StatusAction): Promise<KeyRecord | undefined> {
    const current = await this.store.getKey(id);
    if (!current) return undefined;
    const transition = TRANSITIONS[action];
    if (current.status === transition.to) return current;
    if (!transition.from.includes(current.status)) {
      throw new KeyTransitionError(`cannot ${action} a key that is ${current.status}`);
    }
    return this.store.updateKey(id, { status: transition.to });
  }
}
