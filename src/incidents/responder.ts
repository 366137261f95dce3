import { uuidv7, type SecurityEvent } from "../events/index.js";
import type {
  IncidentQuery,
  IncidentRecord,
  IncidentSeverity,
  IncidentStore,
  ResponseActionQuery,
  ResponseActionRecord,
  ResponseActionState,
} from "../store/index.js";
import type { Notification, Notifier } from "./notify/index.js";
import { RecentMap } from "./recent.js";
import type { RuleEngine } from "./rules/index.js";
import {
  SEVERITY_RANK,
  type IncidentLogger,
  type Playbook,
  type PlaybookAction,
  type ResponseEffects,
  type Trigger,
} from "./types.js";

/**
 * The responder: a bus subscriber, off the request path. Rules turn events into triggers; a trigger
 * for a key and type seen within the rule's dedup window joins that incident instead of opening a
 * new one; the playbooks that match run their actions. Every action is recorded in the store and
 * published as an `admin_activity` event (actor "responder"), so the audit log has it, and every
 * lasting action can be reverted — by a person through the admin API, or by its own duration.
 *
 * The store is the truth about actions in force: every replica reloads them when the store's
 * action version moves and applies the throttles and policies locally, so an action taken or
 * reverted on one replica holds on all of them.
 */

/** Who did something through the admin API. */
export interface Actor {
  keyId: string;
  keyName: string;
  team: string;
  role: string;
  ip?: string;
}

export type Outcome<T> =
  { ok: true; value: T } | { ok: false; reason: "not_found" | "conflict" | "unavailable"; message: string };

export interface IncidentDetail {
  incident: IncidentRecord;
  notes: Awaited<ReturnType<IncidentStore["incidentNotes"]>>;
  actions: ResponseActionRecord[];
}

export interface ResponderOptions {
  rules: RuleEngine;
  playbooks: readonly Playbook[];
  store: IncidentStore;
  publish(event: SecurityEvent): void;
  effects: ResponseEffects;
  notifier: Notifier;
  logger: IncidentLogger;
  /** Dedup entries kept in memory (the store is asked when one is missing). */
  maxTracked?: number;
  clock?: () => number;
}

interface DedupState {
  incidentId: string | undefined;
  lastSeen: number;
  severity: IncidentSeverity;
  playbooks: Set<string>;
}

const LIST_MAX = { reasons: 20, eventIds: 50, requestIds: 50, rules: 20 } as const;
/**
 * Event ids remembered to skip a redelivery: the bus's durable queue can hand over a batch again
 * after a crash or a retry (src/events/bus.ts), and a rule must not count the same event twice.
 */
const SEEN_MAX = 10_000;
const LASTING = new Set(["suspend_key", "throttle", "require_policy"]);

function appendBounded(list: readonly string[], more: readonly string[], max: number): string[] {
  const out = [...list];
  for (const item of more) if (!out.includes(item)) out.push(item);
  return out.length > max ? out.slice(out.length - max) : out;
}

const maxSeverity = (a: IncidentSeverity, b: IncidentSeverity) =>
  SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;

const describeActor = (actor: Actor) => `${actor.keyName} (${actor.keyId})`;

export class Responder {
  private readonly recent: RecentMap<DedupState>;
  private readonly seen = new RecentMap<true>(SEEN_MAX);
  /** Lasting actions in force, from the store (id → action). */
  private active = new Map<string, ResponseActionRecord>();
  private version = -1;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly clock: () => number;
  private readonly maxTracked: number;
  private lastIdTime = 0;
  /** Serialises what changes the actions in force (sync, a new throttle or policy, a revert). */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ResponderOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxTracked = options.maxTracked ?? 100_000;
    this.recent = new RecentMap(this.maxTracked);
  }

  /**
   * A UUIDv7 later than every one this responder made before: notes and actions are listed in id
   * order, and several are written within one millisecond (an incident opened, then its actions).
   */
  private nextId(): string {
    this.lastIdTime = Math.max(this.clock(), this.lastIdTime + 1);
    return uuidv7(this.lastIdTime);
  }

  /**
   * Runs `work` after every earlier exclusive job: a sync that reloaded the actions in force before
   * a revert was stored must not re-apply them after the revert lifted them.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private get store(): IncidentStore {
    return this.options.store;
  }

  // ── events in ────────────────────────────────────────────────────────────────────────────

  /** Dedup entries and rule windows held in memory (bounded by maxTracked each). */
  get tracked(): number {
    return Math.max(this.recent.size, this.options.rules.tracked);
  }

  /** Bus pre-filter: cheap, on the publisher's path. */
  relevant(event: SecurityEvent): boolean {
    return event.actor.role !== "responder" && this.options.rules.relevant(event);
  }

  /** One bus batch. A failure on one trigger is logged and the rest go on. */
  async handle(batch: readonly SecurityEvent[]): Promise<void> {
    for (const event of batch) {
      if (!this.relevant(event) || this.seen.get(event.id)) continue;
      this.seen.set(event.id, true);
      for (const trigger of this.options.rules.observe(event)) {
        try {
          await this.respond(trigger);
        } catch (error) {
          this.options.logger.error(
            { err: error, rule: trigger.rule.id, key: trigger.keyId },
            "incident response failed for a trigger",
          );
        }
      }
    }
  }

  private remember(name: string, state: DedupState): void {
    this.recent.set(name, state);
  }

  /** Dedup, incident bookkeeping, playbooks. */
  async respond(trigger: Trigger): Promise<void> {
    const { rule } = trigger;
    const name = `${trigger.keyId}\u0000${rule.type}`;
    let state = this.recent.get(name);
    let incident: IncidentRecord | undefined;
    if (state && trigger.time - state.lastSeen > rule.dedupWindow) state = undefined;
    if (state?.incidentId) {
      incident = await this.store.getIncident(state.incidentId);
      // A person resolved it: what comes now is a new incident.
      if (!incident || incident.status === "resolved") {
        state = undefined;
        incident = undefined;
      }
    }
    if (!state) {
      // Another replica, or this process before a restart, may have opened it.
      incident = await this.store.findOpenIncident(trigger.keyId, rule.type, trigger.time - rule.dedupWindow);
      if (incident) {
        state = {
          incidentId: incident.id,
          lastSeen: incident.lastSeen,
          severity: incident.severity,
          playbooks: new Set(incident.evidence.playbooks),
        };
      }
    }

    const joined = state !== undefined;
    const previous = state?.severity;
    const severity = previous ? maxSeverity(previous, rule.severity) : rule.severity;
    const escalated = previous !== undefined && SEVERITY_RANK[severity] > SEVERITY_RANK[previous];
    state ??= { incidentId: undefined, lastSeen: trigger.time, severity, playbooks: new Set() };
    state.lastSeen = Math.max(state.lastSeen, trigger.time);
    state.severity = severity;
    this.remember(name, state);

    if (incident) incident = await this.joinIncident(incident, trigger, severity);

    const matching = this.options.playbooks.filter((p) => this.selects(p, trigger, severity));
    const fresh = matching.filter((p) => !state.playbooks.has(p.name));
    // On escalation, the notify actions of playbooks that already ran speak again.
    const renotify = escalated ? matching.filter((p) => state.playbooks.has(p.name)) : [];
    if (!joined || fresh.length > 0 || renotify.length > 0) {
      this.options.publish(
        this.event(joined ? "response.escalated" : "response.triggered", severity, {
          rule_id: rule.id,
          type: rule.type,
          target_key_id: trigger.keyId,
          incident_id: incident?.id ?? null,
          playbooks: fresh.map((p) => p.name),
          reasons: trigger.reasons,
          owasp: trigger.owasp,
          atlas: trigger.atlas,
        }),
      );
    }
    if (fresh.length === 0 && renotify.length === 0) return;
    await this.runPlaybooks(trigger, severity, state, incident, fresh, renotify, escalated);
  }

  private selects(playbook: Playbook, trigger: Trigger, severity: IncidentSeverity): boolean {
    const on = playbook.on;
    return (
      (!on.rules || on.rules.includes(trigger.rule.id)) &&
      (!on.types || on.types.includes(trigger.rule.type)) &&
      (!on.minSeverity || SEVERITY_RANK[severity] >= SEVERITY_RANK[on.minSeverity])
    );
  }

  private async joinIncident(
    incident: IncidentRecord,
    trigger: Trigger,
    severity: IncidentSeverity,
  ): Promise<IncidentRecord> {
    const evidence = incident.evidence;
    const updated = await this.store.updateIncident(incident.id, {
      severity,
      lastSeen: Math.max(incident.lastSeen, trigger.time),
      eventCount: incident.eventCount + trigger.count,
      owasp: appendBounded(incident.owasp, trigger.owasp, 20),
      atlas: appendBounded(incident.atlas, trigger.atlas, 20),
      evidence: {
        ...evidence,
        rules: appendBounded(evidence.rules, [trigger.rule.id], LIST_MAX.rules),
        reasons: appendBounded(evidence.reasons, trigger.reasons, LIST_MAX.reasons),
        eventIds: appendBounded(evidence.eventIds, trigger.eventIds, LIST_MAX.eventIds),
        requestIds: appendBounded(evidence.requestIds, trigger.requestIds, LIST_MAX.requestIds),
      },
    });
    return updated ?? incident;
  }

  private async openIncident(trigger: Trigger, severity: IncidentSeverity): Promise<IncidentRecord> {
    const now = this.clock();
    const incident: IncidentRecord = {
      id: this.nextId(),
      type: trigger.rule.type,
      ruleId: trigger.rule.id,
      title: `${trigger.rule.description} — key ${trigger.keyName ?? trigger.keyId}`.slice(0, 300),
      severity,
      status: "open",
      keyId: trigger.keyId,
      team: trigger.team,
      owasp: trigger.owasp,
      atlas: trigger.atlas,
      firstSeen: trigger.time,
      lastSeen: trigger.time,
      eventCount: trigger.count,
      evidence: {
        rules: [trigger.rule.id],
        reasons: trigger.reasons.slice(0, LIST_MAX.reasons),
        eventIds: trigger.eventIds.slice(-LIST_MAX.eventIds),
        requestIds: trigger.requestIds.slice(-LIST_MAX.requestIds),
        playbooks: [],
      },
      createdAt: now,
      updatedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
    };
    await this.store.insertIncident(incident);
    await this.note(incident.id, "responder", "opened", trigger.reasons.join("; ").slice(0, 2000));
    this.options.publish(
      this.event("incident.opened", severity, {
        incident_id: incident.id,
        rule_id: trigger.rule.id,
        type: incident.type,
        target_key_id: trigger.keyId,
        owasp: incident.owasp,
        atlas: incident.atlas,
      }),
    );
    return incident;
  }

  private async runPlaybooks(
    trigger: Trigger,
    severity: IncidentSeverity,
    state: DedupState,
    incident: IncidentRecord | undefined,
    fresh: readonly Playbook[],
    renotify: readonly Playbook[],
    escalated: boolean,
  ): Promise<void> {
    const done: ResponseActionRecord[] = [];
    const opens = fresh.find((p) => p.actions.some((a) => a.type === "open_incident"));
    if (opens && !incident) {
      incident = await this.openIncident(trigger, severity);
      state.incidentId = incident.id;
      done.push(await this.record(trigger, incident, opens.name, { type: "open_incident" }, "done"));
    }
    for (const playbook of fresh) {
      for (const action of playbook.actions) {
        if (action.type === "notify" || action.type === "open_incident") continue;
        done.push(await this.execute(trigger, incident, playbook.name, action));
      }
      state.playbooks.add(playbook.name);
    }
    if (incident) {
      const evidence = { ...incident.evidence, playbooks: [...state.playbooks] };
      incident = (await this.store.updateIncident(incident.id, { evidence })) ?? incident;
    }
    // Notifications last, so they say what was done; each webhook once per trigger.
    const notifies: { playbook: string; webhooks: string[] | undefined }[] = [];
    for (const playbook of [...fresh, ...renotify]) {
      for (const action of playbook.actions) {
        if (action.type === "notify") notifies.push({ playbook: playbook.name, webhooks: action.webhooks });
      }
    }
    if (notifies.length === 0) return;
    const all = notifies.some((n) => n.webhooks === undefined);
    const names = all ? undefined : [...new Set(notifies.flatMap((n) => n.webhooks ?? []))];
    const notification: Notification = {
      kind: escalated ? "incident.escalated" : incident ? "incident.opened" : "response.triggered",
      incident,
      trigger,
      actions: done,
      severity,
    };
    this.track(this.notify(trigger, incident, notifies[0]!.playbook, names, notification));
  }

  /** Keeps a background job for close() to wait on. */
  private track(job: Promise<unknown>): void {
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  private async notify(
    trigger: Trigger,
    incident: IncidentRecord | undefined,
    playbook: string,
    names: string[] | undefined,
    notification: Notification,
  ): Promise<void> {
    try {
      const results = await this.options.notifier.send(names, notification);
      if (results.length === 0) return;
      const failed = results.filter((r) => !r.ok);
      const detail = results
        .map((r) => `${r.webhook}: ${r.detail} after ${r.attempts} attempt(s)`)
        .join("; ");
      await this.record(
        trigger,
        incident,
        playbook,
        { type: "notify", webhooks: results.map((r) => r.webhook) },
        failed.length === results.length ? "failed" : "done",
        { detail },
      );
      if (failed.length > 0) {
        this.options.logger.warn({ rule: trigger.rule.id, failed: detail }, "incident notification failed");
      }
    } catch (error) {
      this.options.logger.error({ err: error, rule: trigger.rule.id }, "incident notification failed");
    }
  }

  /** Records an action (and publishes its audit event). */
  private async record(
    trigger: Trigger,
    incident: IncidentRecord | undefined,
    playbook: string,
    action: PlaybookAction,
    state: ResponseActionState,
    extra: {
      /** How long an active action lasts, counted from its creation time. */
      duration?: number;
      detail?: string | null;
      params?: Record<string, unknown>;
      /** Runs before the record is stored, undone if storing fails. */
      enforce?: { apply(record: ResponseActionRecord): void; undo(record: ResponseActionRecord): void };
    } = {},
  ): Promise<ResponseActionRecord> {
    const now = this.clock();
    const { type, ...settings } = action;
    const record: ResponseActionRecord = {
      id: this.nextId(),
      incidentId: incident?.id ?? null,
      type,
      keyId: trigger.keyId,
      playbook,
      ruleId: trigger.rule.id,
      params: { ...settings, ...extra.params },
      state,
      createdAt: now,
      expiresAt: extra.duration !== undefined ? now + extra.duration : null,
      endedAt: state === "active" ? null : now,
      endedBy: null,
      detail: extra.detail ?? null,
    };
    extra.enforce?.apply(record);
    try {
      await this.store.insertAction(record);
    } catch (error) {
      extra.enforce?.undo(record);
      throw error;
    }
    this.options.publish(
      this.event(`response.${type}`, state === "failed" ? "high" : "medium", {
        action_id: record.id,
        incident_id: record.incidentId,
        rule_id: record.ruleId,
        playbook,
        target_key_id: record.keyId,
        state,
        expires_at: record.expiresAt,
        params: record.params,
        ...(record.detail ? { detail: record.detail } : {}),
      }),
    );
    if (incident && type !== "open_incident") {
      await this.note(
        incident.id,
        "responder",
        "action",
        `${type}: ${state}${record.detail ? ` (${record.detail})` : ""}`,
      );
    }
    return record;
  }

  private async execute(
    trigger: Trigger,
    incident: IncidentRecord | undefined,
    playbook: string,
    action: Exclude<PlaybookAction, { type: "notify" | "open_incident" }>,
  ): Promise<ResponseActionRecord> {
    const { effects } = this.options;
    // The expiry is counted from the record's own creation time, not from here: looking the key
    // up takes a moment, and a one-hour suspension should read as exactly one hour.
    const duration = action.duration;
    if (action.type === "suspend_key") {
      const key = await effects.keys.getKey(trigger.keyId);
      if (!key) return this.record(trigger, incident, playbook, action, "failed", { detail: "no such key" });
      // Never lock the administrators out of the admin API that would undo it.
      if (key.role === "admin") {
        return this.record(trigger, incident, playbook, action, "failed", {
          detail: "admin keys are not suspended automatically; suspend it by hand if needed",
        });
      }
      if (key.status !== "active") {
        return this.record(trigger, incident, playbook, action, "done", {
          detail: `key already ${key.status}`,
        });
      }
      const record = await this.record(trigger, incident, playbook, action, "active", { duration });
      try {
        const after = await effects.keys.setStatus(trigger.keyId, "suspend");
        // Remembered so that the expiry can tell whether someone changed the key since.
        const params = { ...record.params, key_updated_at: after?.updatedAt ?? null };
        return (await this.store.updateAction(record.id, { params })) ?? record;
      } catch (error) {
        return this.fail(record, error);
      }
    }
    const lever = action.type === "throttle" ? effects.limits : effects.policies;
    if (!lever) {
      return this.record(trigger, incident, playbook, action, "failed", {
        detail: `${action.type} is not available in this process`,
      });
    }
    // In force before it shows as active in the store: whoever sees it there finds it applied.
    return this.exclusive(() =>
      this.record(trigger, incident, playbook, action, "active", {
        duration,
        enforce: {
          apply: (record) => {
            this.active.set(record.id, record);
            this.apply(record.keyId);
          },
          undo: (record) => {
            this.active.delete(record.id);
            this.apply(record.keyId);
          },
        },
      }),
    );
  }

  private async fail(record: ResponseActionRecord, error: unknown): Promise<ResponseActionRecord> {
    const detail = error instanceof Error ? error.message : String(error);
    this.options.logger.error({ err: error, action: record.id, type: record.type }, "response action failed");
    return (
      (await this.store.updateAction(record.id, { state: "failed", endedAt: this.clock(), detail }, [
        "active",
      ])) ?? record
    );
  }

  /** Applies the throttles and policies in force for one key (the tightest limits, every policy). */
  private apply(keyId: string): void {
    const { limits, policies } = this.options.effects;
    let tightest: Record<string, number> | undefined;
    const required = new Set<string>();
    const now = this.clock();
    for (const action of this.active.values()) {
      if (action.keyId !== keyId || (action.expiresAt !== null && action.expiresAt <= now)) continue;
      if (action.type === "throttle") {
        tightest ??= {};
        for (const [name, value] of Object.entries(action.params.limits as Record<string, unknown>)) {
          if (typeof value === "number") tightest[name] = Math.min(tightest[name] ?? Infinity, value);
        }
      } else if (action.type === "require_policy") {
        required.add(String(action.params.policy));
      }
    }
    limits?.tighten(keyId, tightest);
    policies?.set(keyId, [...required]);
  }

  // ── actions in force: sync, expiry, revert ──────────────────────────────────────────────

  /**
   * Reloads the lasting actions when the store's action version moved (another replica or the
   * admin API wrote one), applies them, and ends the ones past their time. Runs on a timer.
   */
  sync(): Promise<void> {
    return this.exclusive(() => this.syncNow());
  }

  private async syncNow(): Promise<void> {
    const version = await this.store.actionsVersion();
    if (version !== this.version) {
      const before = new Set([...this.active.values()].map((a) => a.keyId));
      const rows = await this.store.listActions({ states: ["active"], limit: 10_000 });
      this.active = new Map(rows.filter((a) => a.type !== "suspend_key").map((a) => [a.id, a]));
      for (const keyId of new Set([...before, ...rows.map((a) => a.keyId)])) this.apply(keyId);
      this.version = version;
      // Suspensions are kept in the store only: they need no local state, only their end.
      this.suspensions = rows.filter((a) => a.type === "suspend_key");
      this.keysVersion = -1;
    }
    const now = this.clock();
    for (const action of [...this.active.values(), ...this.suspensions]) {
      if (action.expiresAt !== null && action.expiresAt <= now) {
        await this.end(action.id, "expired", undefined, null);
      }
    }
    await this.reconcileSuspensions();
  }

  private suspensions: ResponseActionRecord[] = [];
  private keysVersion = -1;

  /**
   * A suspension a person ended by hand (`portcullis keys resume`, the admin API) is no longer in
   * force: recorded as superseded, so it does not show as active for ever. Looked at only when the
   * keys changed, and only for suspensions whose key was already suspended by the responder
   * (`key_updated_at` is written after that), so one still being carried out is never touched.
   */
  private async reconcileSuspensions(): Promise<void> {
    const { keys } = this.options.effects;
    if (this.suspensions.length === 0 || !keys.version) return;
    const version = await keys.version();
    if (version === this.keysVersion) return;
    this.keysVersion = version;
    for (const action of [...this.suspensions]) {
      if (action.params.key_updated_at === undefined) continue;
      const key = await keys.getKey(action.keyId);
      if (key?.status === "suspended") continue;
      const detail = `ended by hand: the key is ${key?.status ?? "gone"}`;
      const ended = await this.store.updateAction(
        action.id,
        { state: "superseded", endedAt: this.clock(), endedBy: null, detail },
        ["active"],
      );
      this.suspensions = this.suspensions.filter((a) => a.id !== action.id);
      if (!ended) continue;
      this.options.publish(
        this.event("response.superseded", "low", {
          action_id: ended.id,
          action_type: ended.type,
          incident_id: ended.incidentId,
          target_key_id: ended.keyId,
          state: ended.state,
          detail,
        }),
      );
      if (ended.incidentId)
        await this.note(ended.incidentId, "responder", "action", `suspend_key superseded: ${detail}`);
    }
  }

  /**
   * Ends a lasting action: `expired` by its own time, `reverted` by a person. Of two replicas
   * trying at once, the store lets one win; the other does nothing.
   */
  private async end(
    id: string,
    state: "expired" | "reverted",
    actor: Actor | undefined,
    note: string | null,
  ): Promise<ResponseActionRecord | undefined> {
    const now = this.clock();
    const by = actor ? describeActor(actor) : "responder";
    const ended = await this.store.updateAction(id, { state, endedAt: now, endedBy: by, detail: note }, [
      "active",
    ]);
    if (!ended) return undefined;
    let final = ended;
    if (ended.type === "suspend_key") {
      const key = await this.options.effects.keys.getKey(ended.keyId);
      const untouched = key?.status === "suspended" && key.updatedAt === ended.params.key_updated_at;
      // The expiry resumes only a key nobody touched since; a person's revert resumes it anyway.
      if (key?.status === "suspended" && (state === "reverted" || untouched)) {
        await this.options.effects.keys.setStatus(ended.keyId, "resume");
      } else {
        const detail = `left alone: the key is ${key?.status ?? "gone"}${key?.status === "suspended" ? " (suspended again since)" : ""}`;
        final = (await this.store.updateAction(id, { state: "superseded", detail })) ?? ended;
      }
      this.suspensions = this.suspensions.filter((a) => a.id !== id);
    } else {
      this.active.delete(id);
      this.apply(ended.keyId);
    }
    this.options.publish(
      this.event(
        `response.${state}`,
        "low",
        {
          action_id: id,
          action_type: ended.type,
          incident_id: ended.incidentId,
          target_key_id: ended.keyId,
          state: final.state,
          ...(final.detail ? { detail: final.detail } : {}),
        },
        actor,
      ),
    );
    if (ended.incidentId) {
      await this.note(
        ended.incidentId,
        by,
        "action",
        `${ended.type} ${final.state}${final.detail ? `: ${final.detail}` : ""}`,
      );
    }
    return final;
  }

  /** A person reverts an action in force (the admin API and `portcullis incidents revert`). */
  async revert(actionId: string, actor: Actor, note?: string): Promise<Outcome<ResponseActionRecord>> {
    const action = await this.store.getAction(actionId);
    if (!action) return { ok: false, reason: "not_found", message: "No such action." };
    if (!LASTING.has(action.type) || action.state !== "active") {
      return {
        ok: false,
        reason: "conflict",
        message: `Only an active suspension, throttle or policy can be reverted; this ${action.type} is ${action.state}.`,
      };
    }
    const ended = await this.exclusive(() => this.end(actionId, "reverted", actor, note ?? null));
    if (!ended) return { ok: false, reason: "conflict", message: "The action ended meanwhile." };
    return { ok: true, value: ended };
  }

  // ── lifecycle (admin API) ───────────────────────────────────────────────────────────────

  list(query: IncidentQuery) {
    return this.store.listIncidents(query);
  }

  listActions(query: ResponseActionQuery) {
    return this.store.listActions(query);
  }

  async get(id: string): Promise<IncidentDetail | undefined> {
    const incident = await this.store.getIncident(id);
    if (!incident) return undefined;
    const [notes, actions] = await Promise.all([
      this.store.incidentNotes(id),
      this.store.listActions({ incidentId: id, limit: 1000 }),
    ]);
    return { incident, notes, actions: actions.reverse() };
  }

  async acknowledge(id: string, actor: Actor, note?: string): Promise<Outcome<IncidentRecord>> {
    return this.transition(id, actor, note, "acknowledged", ["open"]);
  }

  async resolve(id: string, actor: Actor, note?: string): Promise<Outcome<IncidentRecord>> {
    const outcome = await this.transition(id, actor, note, "resolved", ["open", "acknowledged"]);
    if (outcome.ok) this.recent.delete(`${outcome.value.keyId}\u0000${outcome.value.type}`);
    return outcome;
  }

  private async transition(
    id: string,
    actor: Actor,
    note: string | undefined,
    to: "acknowledged" | "resolved",
    from: readonly ("open" | "acknowledged")[],
  ): Promise<Outcome<IncidentRecord>> {
    const now = this.clock();
    const by = describeActor(actor);
    const patch =
      to === "acknowledged"
        ? { status: to, acknowledgedAt: now, acknowledgedBy: by }
        : { status: to, resolvedAt: now, resolvedBy: by };
    const updated = await this.store.updateIncident(id, patch, from);
    if (!updated) {
      const current = await this.store.getIncident(id);
      if (!current) return { ok: false, reason: "not_found", message: "No such incident." };
      // Asking for the state it is already in is not an error (as with keys).
      if (current.status === to) return { ok: true, value: current };
      return {
        ok: false,
        reason: "conflict",
        message: `Cannot ${to === "acknowledged" ? "acknowledge" : "resolve"} an incident that is ${current.status}.`,
      };
    }
    await this.note(id, by, to, note ?? "");
    this.options.publish(
      this.event(
        `incident.${to}`,
        "low",
        { incident_id: id, target_key_id: updated.keyId, type: updated.type },
        actor,
      ),
    );
    return { ok: true, value: updated };
  }

  async addNote(id: string, actor: Actor, text: string): Promise<Outcome<IncidentRecord>> {
    const incident = await this.store.getIncident(id);
    if (!incident) return { ok: false, reason: "not_found", message: "No such incident." };
    await this.note(id, describeActor(actor), "note", text);
    this.options.publish(this.event("incident.note_added", "info", { incident_id: id }, actor));
    return { ok: true, value: incident };
  }

  private note(
    incidentId: string,
    author: string,
    kind: "opened" | "note" | "acknowledged" | "resolved" | "action",
    text: string,
  ) {
    return this.store.addIncidentNote({
      id: this.nextId(),
      incidentId,
      time: this.clock(),
      author,
      kind,
      text,
    });
  }

  /** An audit event: by the responder, or by the admin who acted. */
  private event(
    activity: string,
    severity: SecurityEvent["severity"],
    details: Record<string, unknown>,
    actor?: Actor,
  ): SecurityEvent {
    return {
      id: uuidv7(),
      time: this.clock(),
      class: "admin_activity",
      activity,
      severity,
      actor: actor
        ? { key_id: actor.keyId, key_name: actor.keyName, team: actor.team, role: actor.role }
        : { key_id: null, key_name: "responder", role: "responder" },
      ...(actor?.ip ? { src_endpoint: { ip: actor.ip } } : {}),
      decision: { action: "allow", monitor_only: false, reasons: [] },
      findings: [],
      details,
    };
  }

  /** Waits for notifications in flight (bounded by their own timeouts). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
