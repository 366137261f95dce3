import type { EventSubscriber, SecurityEvent } from "../events/index.js";
import { uuidv7 } from "../events/index.js";
import {
  DETECTORS,
  type Category,
  type Detector,
  type DetectorInput,
  type ExpectedWorkload,
} from "./detectors/index.js";
import { BoundedMap } from "./lru.js";
import { observation } from "./observe.js";
import { resolveOptions, type AnalyticsOptions } from "./options.js";
import type { SharedState } from "./shared.js";
import { IdentityState, SCALES, STATE_BYTES, type Observation } from "./state.js";

/**
 * Whether a partial read from the shared state has this version's layout. During a rolling upgrade
 * that changed the layout, the other version's partials are skipped (their requests are not
 * counted here until they expire) rather than failing the whole batch.
 */
const current = (bytes: Uint8Array): boolean => bytes.byteLength === STATE_BYTES;

/** Scores at or above this are "high" (severity high; incident rules suspend on them by default). */
export const HIGH_SCORE = 0.9;
/**
 * Scores where the shipped incident rules draw their lines (src/incidents/rules/defaults.ts: most
 * categories at 0.8, extraction at 0.9). A detection is published again within the cooldown when
 * its score climbs into a higher band, so a first report at 0.72 cannot mask the 0.85 a rule
 * waits for.
 */
const BANDS = [0.8, HIGH_SCORE] as const;
const scoreBand = (score: number): number => (score >= BANDS[1] ? 2 : score >= BANDS[0] ? 1 : 0);

/** The engine's judgement of one identity after an event. */
export interface Assessment {
  key: string;
  team: string;
  /** The highest-scoring detector's category and score (null when every score is 0). */
  category: Category | null;
  score: number;
  /** Requests seen from this identity (this replica's count in shared mode). */
  requests: number;
  time: number;
  /** Reasons of the highest-scoring detector, built on demand. */
  reasons(): string[];
  /** The detection event published for this assessment, if any. */
  detection?: SecurityEvent;
}

interface Entry {
  state: IdentityState;
  team: string;
  keyName: string | undefined;
  lastIp: string | undefined;
  /** Time and score band of the last published detection per category (the cooldown). */
  emitted: Map<Category, { at: number; band: number }> | undefined;
}

export interface AnalyticsHooks {
  /** Where detections go: the composition root passes the event bus's `publish`. */
  publish?(event: SecurityEvent): void;
  /** A batch could not reach the shared state (Redis); it was assessed on this replica's state alone. */
  onSharedError?(error: unknown): void;
}

/**
 * Per-identity behaviour analytics (docs/analytics.md). Fed request events from the bus — never
 * on the reply's path — it keeps a fixed-size state per key and per team in bounded tables, runs
 * every detector after each event, and publishes a `detection_finding` event when an identity
 * crosses the threshold (again at most once per cooldown and category).
 *
 * Time is the events' own time, never the clock, so a replayed trace is judged exactly as live
 * traffic was.
 */
export class AnalyticsEngine {
  readonly options: AnalyticsOptions;
  private readonly identities: BoundedMap<Entry>;
  private readonly teams: BoundedMap<IdentityState>;

  constructor(
    options: Partial<AnalyticsOptions> = {},
    private readonly hooks: AnalyticsHooks = {},
    private readonly shared?: SharedState,
  ) {
    this.options = resolveOptions(options);
    this.identities = new BoundedMap(this.options.maxIdentities);
    this.teams = new BoundedMap(this.options.maxTeams);
  }

  get trackedIdentities(): number {
    return this.identities.size;
  }

  /** Whether analytics looks at this event: authenticated requests only (not its own detections). */
  static wants(event: SecurityEvent): boolean {
    return event.class === "api_activity" && event.actor.key_id !== null && event.actor.key_id !== undefined;
  }

  /** Counts one request event and judges its identity (memory state). */
  observe(event: SecurityEvent): Assessment | undefined {
    if (!AnalyticsEngine.wants(event)) return undefined;
    const entry = this.update(event);
    if (!entry) return undefined;
    return this.assess(event.actor.key_id!, entry, entry.state, event.time);
  }

  /**
   * A batch from the bus. In memory mode, each event is judged as it is counted. In shared mode
   * (Redis), the batch is counted into this replica's partial states, which are then written and
   * merged with the other replicas' before each touched identity is judged once.
   */
  async handle(batch: readonly SecurityEvent[]): Promise<Assessment[]> {
    if (!this.shared) {
      const out: Assessment[] = [];
      for (const event of batch) {
        const a = this.observe(event);
        if (a) out.push(a);
      }
      return out;
    }
    return this.handleShared(batch, this.shared);
  }

  /** A bus subscriber: bounded queue, batches, only request events with a key. */
  subscriber(): EventSubscriber {
    return {
      name: "analytics",
      capacity: 50_000,
      maxBatch: 500,
      flushDelayMs: this.shared ? 100 : 0,
      filter: (event) => AnalyticsEngine.wants(event),
      handle: async (batch) => {
        await this.handle(batch);
      },
    };
  }

  private expectedFor(key: string, keyName: string | undefined, team: string): ExpectedWorkload | undefined {
    const e = this.options.expected;
    const own = e.keys[key] ?? (keyName !== undefined ? e.keys[keyName] : undefined);
    const ofTeam = e.teams[team];
    if (!own) return ofTeam;
    if (!ofTeam) return own;
    return { ...ofTeam, ...own };
  }

  private entry(key: string, team: string, keyName: string | undefined): Entry {
    let entry = this.identities.get(key);
    if (!entry) {
      entry = { state: new IdentityState(), team, keyName, lastIp: undefined, emitted: undefined };
      this.identities.set(key, entry);
    }
    return entry;
  }

  private teamState(team: string): IdentityState {
    let state = this.teams.get(team);
    if (!state) {
      state = new IdentityState();
      this.teams.set(team, state);
    }
    return state;
  }

  private update(event: SecurityEvent): Entry | undefined {
    const key = event.actor.key_id;
    if (!key) return undefined;
    const team = event.actor.team ?? "default";
    const entry = this.entry(key, team, event.actor.key_name);
    entry.team = team;
    if (event.src_endpoint?.ip) entry.lastIp = event.src_endpoint.ip;
    const o: Observation = observation(event, this.options.maximal);
    entry.state.observe(o);
    this.teamState(team).observe(o, true);
    return entry;
  }

  private usual(state: IdentityState, team: string, now: number): DetectorInput["usual"] {
    const own = state.baselinePerHour(now);
    if (own !== undefined) return { perHour: own, source: "own" };
    const t = this.teams.get(team);
    if (!t) return undefined;
    const members = Math.round(t.members());
    const teamRate = t.baselinePerHour(now);
    if (teamRate === undefined || members < 2) return undefined;
    return { perHour: teamRate / members, source: "team" };
  }

  private assess(key: string, entry: Entry, state: IdentityState, now: number): Assessment {
    const input: DetectorInput = {
      state,
      now,
      expected: this.expectedFor(key, entry.keyName, entry.team),
      usual: this.usual(state, entry.team, now),
    };
    let best: Detector | undefined;
    let verdict = { score: 0, scale: 1 as 0 | 1 | 2, reasons: (): string[] => [] };
    for (const detector of DETECTORS) {
      const v = detector.evaluate(input);
      if (v.score > verdict.score) {
        verdict = v;
        best = detector;
      }
    }
    const score = Math.min(1, Math.max(0, verdict.score));
    const assessment: Assessment = {
      key,
      team: entry.team,
      category: best ? best.category : null,
      score,
      requests: state.total,
      time: now,
      reasons: verdict.reasons,
    };
    if (best && score >= this.options.threshold) {
      const last = entry.emitted?.get(best.category);
      const band = scoreBand(score);
      // Within the cooldown, a detection is published again only when it escalates into a higher
      // band (BANDS): incident rules act on "score ≥ 0.8" or "≥ 0.9", which a first detection at
      // 0.75 must not mask.
      if (last === undefined || now - last.at >= this.options.cooldownMs || band > last.band) {
        entry.emitted ??= new Map();
        entry.emitted.set(best.category, { at: now, band: Math.max(band, last?.band ?? 0) });
        assessment.detection = this.detectionEvent(
          key,
          entry,
          best,
          score,
          verdict.scale,
          verdict.reasons(),
          now,
        );
        if (!this.shared) this.hooks.publish?.(assessment.detection);
      }
    }
    return assessment;
  }

  private detectionEvent(
    key: string,
    entry: Entry,
    detector: Detector,
    score: number,
    scale: 0 | 1 | 2,
    reasons: string[],
    now: number,
  ): SecurityEvent {
    const severity = score >= HIGH_SCORE ? "high" : "medium";
    const rounded = Math.round(score * 1000) / 1000;
    return {
      id: uuidv7(),
      time: now,
      class: "detection_finding",
      activity: `analytics.${detector.category}`,
      severity,
      actor: {
        key_id: key,
        ...(entry.keyName !== undefined ? { key_name: entry.keyName } : {}),
        team: entry.team,
      },
      ...(entry.lastIp ? { src_endpoint: { ip: entry.lastIp } } : {}),
      decision: { action: "allow", monitor_only: true, reasons },
      findings: [
        {
          detector: "analytics",
          kind: detector.category,
          category: "behaviour",
          severity,
          score: rounded,
        },
      ],
      details: {
        category: detector.category,
        score: rounded,
        reasons,
        // The counter scale behind the score: the window the reasons speak of.
        window: {
          start: new Date(now - SCALES[scale]).toISOString(),
          end: new Date(now).toISOString(),
          seconds: SCALES[scale] / 1000,
        },
        atlas: [...detector.atlas],
        owasp: [...detector.owasp],
      },
    };
  }

  private async handleShared(batch: readonly SecurityEvent[], shared: SharedState): Promise<Assessment[]> {
    const events = batch.filter(AnalyticsEngine.wants);
    if (events.length === 0) return [];
    // Identities this replica has forgotten (or never held) start from its own partial in Redis.
    const keys = [...new Set(events.map((e) => e.actor.key_id!))];
    const teams = [...new Set(events.map((e) => e.actor.team ?? "default"))];
    const missingKeys = keys.filter((k) => !this.identities.get(k));
    const missingTeams = teams.filter((t) => !this.teams.get(t));
    let loaded: { keys: Map<string, Uint8Array>; teams: Map<string, Uint8Array> } | undefined;
    try {
      loaded = await shared.load(missingKeys, missingTeams);
    } catch (error) {
      this.hooks.onSharedError?.(error);
    }
    for (const [key, bytes] of loaded?.keys ?? []) {
      if (!current(bytes)) continue;
      const event = events.find((e) => e.actor.key_id === key)!;
      const entry = this.entry(key, event.actor.team ?? "default", event.actor.key_name);
      if (entry.state.total === 0) entry.state.merge(new IdentityState(bytes));
    }
    for (const [team, bytes] of loaded?.teams ?? [])
      if (current(bytes)) this.teamState(team).merge(new IdentityState(bytes));

    const last = new Map<string, number>();
    for (const event of events) {
      this.update(event);
      last.set(event.actor.key_id!, Math.max(last.get(event.actor.key_id!) ?? 0, event.time));
    }
    const entries = keys.map((k) => [k, this.identities.get(k)!] as const).filter(([, e]) => e !== undefined);
    let others: { keys: Map<string, Uint8Array[]>; teams: Map<string, Uint8Array[]> } | undefined;
    try {
      others = await shared.sync(
        entries.map(([k, e]) => [k, e.state.bytes()]),
        teams.map((t) => [t, this.teamState(t).bytes()]),
      );
    } catch (error) {
      this.hooks.onSharedError?.(error);
    }
    const out: Assessment[] = [];
    const savedTeams = new Map<string, IdentityState>();
    // Team baselines in the assessment use the merged team view; this replica's copy is restored after.
    for (const [team, parts] of others?.teams ?? []) {
      const local = this.teamState(team);
      savedTeams.set(team, local);
      const merged = new IdentityState(local.bytes().slice());
      for (const p of parts) if (current(p)) merged.merge(new IdentityState(p));
      this.teams.set(team, merged);
    }
    for (const [key, entry] of entries) {
      let view = entry.state;
      const parts = others?.keys.get(key);
      if (parts && parts.length > 0) {
        view = new IdentityState(entry.state.bytes().slice());
        for (const p of parts) if (current(p)) view.merge(new IdentityState(p));
      }
      const a = this.assess(key, entry, view, last.get(key) ?? view.lastTime);
      if (a.detection) {
        let claimed = true;
        try {
          // One claim per band, so each escalation is published once across replicas.
          const band = ["", ":0.8", ":high"][scoreBand(a.score)]!;
          claimed = await shared.claim(key, `${a.category!}${band}`, this.options.cooldownMs);
        } catch (error) {
          this.hooks.onSharedError?.(error);
        }
        if (claimed) this.hooks.publish?.(a.detection);
        else delete a.detection;
      }
      out.push(a);
    }
    for (const [team, local] of savedTeams) this.teams.set(team, local);
    return out;
  }

  async close(): Promise<void> {
    await this.shared?.close();
  }
}
