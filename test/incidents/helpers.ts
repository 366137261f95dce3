import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uuidv7, type SecurityEvent } from "../../src/events/index.js";
import {
  createIncidents,
  type IncidentRule,
  type Incidents,
  type IncidentsOptions,
  type Playbook,
  type WebhookTarget,
} from "../../src/incidents/index.js";
import type { EventSketch } from "../../src/incidents/rules/defaults.js";
import { openSqliteStore, type KeyRecord, type Store } from "../../src/store/index.js";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../src/siem/index.js";

export const T0 = 1_750_000_000_000;
const MINUTE = 60_000;

/** A full event from a sketch: the key, team and time filled in. */
export function eventFrom(sketch: EventSketch, keyId = "key_alice", t0 = T0): SecurityEvent {
  const time = t0 + sketch.at * 1000;
  const cls = sketch.class ?? "api_activity";
  return {
    id: uuidv7(time),
    time,
    class: cls,
    activity: sketch.activity ?? (cls === "api_activity" ? "chat.completions" : "analytics.unknown"),
    severity: "medium",
    request_id: uuidv7(time),
    actor: { key_id: keyId, key_name: `${keyId}-name`, team: "red" },
    decision: { action: sketch.decision ?? "allow", monitor_only: false, reasons: [] },
    findings: (sketch.findings ?? []).map((f) => ({
      detector: f.category === "jailbreak" ? "injection" : f.category,
      kind: f.category,
      category: f.category,
      severity: "high",
      score: f.score,
      ...(f.action ? { action: f.action, policy: "portcullis-default" } : {}),
    })),
    ...(sketch.details ? { details: sketch.details } : {}),
  };
}

export const blockedInjection = (at: number, keyId = "key_alice") =>
  eventFrom(
    { at, decision: "block", findings: [{ category: "prompt_injection", score: 0.98, action: "block" }] },
    keyId,
  );

export const extraction = (score: number, at = 0, keyId = "key_alice") =>
  eventFrom(
    {
      at,
      class: "detection_finding",
      activity: "analytics.model_extraction",
      details: {
        category: "model_extraction",
        score,
        reasons: ["412 distinct templated prompts in 2 h"],
        window: "2h",
        atlas: ["AML.T0024.002"],
        owasp: ["LLM10"],
      },
    },
    keyId,
  );

export const injectionRule: IncidentRule = {
  id: "three-injections",
  description: "Three blocked injections",
  type: "prompt_injection",
  severity: "high",
  match: { class: "api_activity", decision: "block", categories: ["prompt_injection"] },
  threshold: { count: 3, window: 10 * MINUTE },
  dedupWindow: 60 * MINUTE,
  owasp: ["LLM01"],
  atlas: ["AML.T0051"],
};

export const extractionRules: IncidentRule[] = [
  {
    id: "extraction-suspected",
    description: "Suspected model extraction",
    type: "model_extraction",
    severity: "high",
    match: { class: "detection_finding", activity: "analytics.model_extraction", minScore: 0.7 },
    dedupWindow: 60 * MINUTE,
    owasp: ["LLM10"],
    atlas: [],
  },
  {
    id: "extraction",
    description: "Model extraction",
    type: "model_extraction",
    severity: "critical",
    match: { class: "detection_finding", activity: "analytics.model_extraction", minScore: 0.9 },
    dedupWindow: 60 * MINUTE,
    owasp: ["LLM10"],
    atlas: [],
  },
];

export interface Harness {
  store: Store;
  incidents: Incidents;
  events: SecurityEvent[];
  sent: { names: readonly string[] | undefined; kind: string; actions: string[] }[];
  tightened: Map<string, Record<string, number | null | undefined> | undefined>;
  policies: Map<string, readonly string[] | undefined>;
  clock: { now: number };
  key(id: string, over?: Partial<KeyRecord>): Promise<KeyRecord>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  rules: IncidentRule[];
  playbooks: Playbook[];
  webhooks?: WebhookTarget[];
  /** Share a store with another harness (two replicas). */
  store?: Store;
  notifier?: "record" | "real";
  maxTracked?: number;
}

const dirs: string[] = [];

export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pcx-incidents-"));
  dirs.push(dir);
  return dir;
}

export function cleanupTmp(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A responder on a real SQLite store, with recorded levers and a clock the test moves. */
export function harness(options: HarnessOptions): Harness {
  const store = options.store ?? openSqliteStore(join(tmp(), "p.db"));
  const events: SecurityEvent[] = [];
  const tightened = new Map<string, Record<string, number | null | undefined> | undefined>();
  const policies = new Map<string, readonly string[] | undefined>();
  const clock = { now: T0 };
  const sent: Harness["sent"] = [];
  const opts: IncidentsOptions = {
    rules: options.rules,
    playbooks: options.playbooks,
    webhooks: options.webhooks ?? [],
    store: store.incidents!,
    publish: (event) => events.push(event),
    effects: {
      keys: {
        async setStatus(id, action) {
          const key = await store.getKey(id);
          if (!key) return undefined;
          return store.updateKey(id, { status: action === "suspend" ? "suspended" : "active" });
        },
        getKey: (id) => store.getKey(id),
        version: () => store.keysVersion(),
      },
      limits: { tighten: (keyId, limits) => tightened.set(keyId, limits) },
      policies: {
        set: (keyId, names) => policies.set(keyId, names),
        known: ["strict", "portcullis-default"],
      },
    },
    signer: { signatureHeader: SIGNATURE_HEADER, timestampHeader: TIMESTAMP_HEADER, sign: signWebhook },
    logger: { info() {}, warn() {}, error() {} },
    clock: () => clock.now,
    retryDelayMs: 10,
    ...(options.maxTracked ? { maxTracked: options.maxTracked } : {}),
    // Recorded instead of sent unless asked: the notifier has its own tests.
    ...(options.notifier === "real"
      ? {}
      : {
          notifier: {
            webhooks: [],
            async send(names, n) {
              sent.push({ names, kind: n.kind, actions: n.actions.map((a) => a.type) });
              return [];
            },
          },
        }),
  };
  const incidents = createIncidents(opts);
  return {
    store,
    incidents,
    events,
    sent,
    tightened,
    policies,
    clock,
    async key(id, over = {}) {
      const record: KeyRecord = {
        id,
        name: `${id}-name`,
        team: "red",
        role: "user",
        models: ["*"],
        status: "active",
        hash: `${id}-hash`,
        prefix: "pcx_x…",
        createdAt: T0,
        updatedAt: T0,
        expiresAt: null,
        ...over,
      };
      await store.insertKey(record);
      return record;
    },
    async close() {
      await incidents.close();
      if (!options.store) await store.close();
    },
  };
}
