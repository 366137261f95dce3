import type { Logger } from "pino";
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { ConfigError, loadEmbeddedConfig } from "../config/index.js";
import type { KekSourceConfig, PayloadMode, PayloadsSection } from "../config/sections/payloads.js";
import {
  DAY_MS,
  KeyRing,
  KeyRingError,
  openPayload,
  parsePayloadRef,
  PayloadSealer,
  PayloadUnreadableError,
  type KekVersion,
} from "../crypto/envelope/index.js";
import { describeKekSource, kekFingerprint, KekError, loadKek } from "../crypto/kek/index.js";
import { createEngine, redact, type Engine } from "../detect/index.js";
import type { Finding } from "../detect/types.js";
import { uuidv7, type EventBus, type SecurityEvent } from "../events/index.js";
import type { GatewayOptions } from "../gateway/index.js";
import { inspectableTexts, type InspectedText } from "../gateway/guards/extract.js";
import type { PayloadRecorder } from "../gateway/runtime.js";
import type { RequestContext, ResponseInspector, ResponseStage } from "../gateway/stages/types.js";
import { sqliteFile } from "./data-dir.js";
import type {
  PayloadRecord,
  PayloadShredFilter,
  PayloadStore,
  Store,
  TeamKeyRecord,
} from "../store/index.js";

/**
 * Payload logging (docs/encryption.md): what the composition root hands the gateway. The gateway
 * calls `record(ctx, event)` when a request ends and gets back a payload_ref for the event; this
 * module gathers the texts (the prompt parts the guards inspected, the answer as the model sent
 * it), masks them in `redacted` mode, seals them (src/crypto/envelope) and queues the ciphertext
 * for the store. Plaintext leaves this module only encrypted: never on the event bus, in a log
 * line or in the audit log.
 */

/** What a payload holds once decrypted. */
export interface PayloadDocument {
  v: 1;
  mode: Exclude<PayloadMode, "off">;
  event_id: string;
  request_id?: string;
  time: number;
  team: string;
  key_id: string | null;
  model?: string;
  route?: string;
  decision: string;
  request: { where: string; direction: string; text: string; truncated?: true }[];
  response: { channel: number; text: string; truncated?: true }[];
}

/** Categories `redacted` mode masks. */
const MASKED = new Set(["pii", "secret"]);
const BATCH = 500;
const FLUSH_DELAY_MS = 25;
const RETRY_MS = { initial: 200, max: 30_000 };

export function payloadModeFor(section: PayloadsSection, team: string): PayloadMode {
  return section.teams[team]?.mode ?? section.mode;
}

export function retentionDaysFor(section: PayloadsSection, team: string): number | null {
  const own = section.teams[team]?.retentionDays;
  return own !== undefined ? own : section.retentionDays;
}

/** True when any team records payloads. */
export function payloadLoggingOn(section: PayloadsSection): boolean {
  return section.mode !== "off" || Object.values(section.teams).some((t) => t.mode && t.mode !== "off");
}

export interface KekOptions {
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}

/** The KEKs a section names: the current one first, then the previous ones. Errors name the source only. */
export function loadKeks(
  current: KekSourceConfig | undefined,
  previous: readonly KekSourceConfig[],
  options: KekOptions,
): { current?: Buffer; all: Buffer[] } {
  const load = (source: KekSourceConfig, where: string) => {
    try {
      return loadKek(source, { baseDir: options.baseDir, ...(options.env ? { env: options.env } : {}) });
    } catch (error) {
      if (error instanceof KekError) throw new ConfigError(where, [error.message]);
      throw error;
    }
  };
  const first = current ? load(current, "payloads.kek") : undefined;
  const rest = previous.map((source, i) => load(source, `payloads.previousKeks[${i}]`));
  return { ...(first ? { current: first } : {}), all: first ? [first, ...rest] : rest };
}

/**
 * The key ring of a store, unlocked with `keks`. An empty ring gets version 1 from `current`
 * when `create` is set (first start with payload logging on).
 */
export async function openKeyRing(
  store: PayloadStore,
  keks: readonly Buffer[],
  current: Buffer | undefined,
  create: boolean,
): Promise<KeyRing> {
  let versions = await store.kekVersions();
  if (versions.length === 0 && create && current) {
    await store.addKekVersion(KeyRing.nextVersion([], current));
    versions = await store.kekVersions();
  }
  return new KeyRing(versions, keks);
}

function cut(text: string, max: number): { text: string; truncated?: true } {
  return text.length <= max ? { text } : { text: text.slice(0, max), truncated: true };
}

/** Findings of one inspected text, as the inbound guard computed them. */
function guardFindings(ctx: RequestContext, item: InspectedText): Finding[] | undefined {
  const guard = ctx.guard;
  if (!guard) return undefined;
  return guard.findings
    .filter(
      (d) =>
        (d as { item?: unknown }).item === item || (!(d as { item?: unknown }).item && d.text === item.text),
    )
    .map((d) => d.finding);
}

function mask(text: string, findings: readonly Finding[]): string {
  return redact(
    text,
    findings.filter((f) => MASKED.has(f.category)),
    "mask",
  );
}

/** Sealed payloads on their way to the store: batched, retried with backoff, bounded. */
class PayloadWriter {
  private keys: TeamKeyRecord[] = [];
  private rows: Omit<PayloadRecord, "shreddedAt">[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private retryMs = 0;
  private lastDropLog = 0;
  private closed = false;
  dropped = 0;
  written = 0;

  constructor(
    private readonly store: PayloadStore,
    private readonly maxQueued: number,
    private readonly logger: Logger,
  ) {}

  get queued(): number {
    return this.rows.length;
  }

  /** Whether there is room for one more payload; counts and reports a drop when there is not. */
  admit(): boolean {
    if (!this.closed && this.rows.length < this.maxQueued) return true;
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog > 1000) {
      this.lastDropLog = now;
      this.logger.error(
        { dropped: this.dropped, queued: this.rows.length },
        "payload not recorded: the payload queue is full (is the store down?)",
      );
    }
    return false;
  }

  push(key: TeamKeyRecord | undefined, row: Omit<PayloadRecord, "shreddedAt">): void {
    if (key) this.keys.push(key);
    this.rows.push(row);
    this.schedule(FLUSH_DELAY_MS);
  }

  private schedule(delay: number): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.flushOnce().finally(() => {
        this.running = undefined;
        if (this.rows.length > 0 || this.keys.length > 0) this.schedule(this.retryMs || FLUSH_DELAY_MS);
      });
    }, delay);
    this.timer.unref();
  }

  /** Writes one batch; on failure puts it back in front and backs off. */
  private async flushOnce(): Promise<void> {
    const rows = this.rows.splice(0, BATCH);
    const keys = this.keys.splice(0);
    if (rows.length === 0 && keys.length === 0) return;
    try {
      await this.store.writePayloads(keys, rows);
      this.written += rows.length;
      this.retryMs = 0;
    } catch (error) {
      this.rows.unshift(...rows);
      this.keys.unshift(...keys);
      this.retryMs = Math.min(RETRY_MS.max, this.retryMs ? this.retryMs * 2 : RETRY_MS.initial);
      this.logger.error(
        { err: error, batch: rows.length, retryInMs: this.retryMs },
        "payload store write failed; retrying",
      );
    }
  }

  /** Writes what is queued, for at most `timeoutMs`. */
  async close(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.running) await this.running;
      if (this.rows.length === 0 && this.keys.length === 0) return true;
      this.running = this.flushOnce().finally(() => (this.running = undefined));
      await this.running;
      if (this.retryMs && this.rows.length > 0)
        await new Promise((r) => setTimeout(r, Math.min(this.retryMs, Math.max(0, deadline - Date.now()))));
    }
    return this.rows.length === 0 && this.keys.length === 0;
  }
}

export interface PayloadLoggingOptions {
  section: PayloadsSection;
  store: Store;
  bus: EventBus;
  logger: Logger;
  baseDir: string;
  /** The data directory: a KEK file inside it is refused. */
  dataDir?: string;
  /**
   * The `guards` section: `redacted` mode reuses the inbound guards' findings only when their
   * detectors include `pii` and `secrets`, and scans the prompt afresh otherwise.
   */
  guards?: { enabled: boolean; detectors?: string[] | undefined };
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
}

export interface PayloadLogging {
  /** For GatewayOptions.payloads; undefined when payload logging is off. */
  recorder?: PayloadRecorder;
  /** Put first in the response chain: it sees the answer as the model sent it. */
  stages: ResponseStage[];
  /** One run of the retention job (also run on its timer). */
  applyRetention(): Promise<RetentionReport>;
  stats(): { written: number; dropped: number; queued: number };
  /** Stops the timers and writes what is queued. */
  close(timeoutMs?: number): Promise<void>;
}

export interface RetentionReport {
  payloads: number;
  teamKeys: number;
  teams: Record<string, { payloads: number; teamKeys: number; before: string }>;
}

/** Adds the capture stage in front of the response stages the gateway gets. */
export function withPayloadCapture(
  stages: NonNullable<GatewayOptions["stages"]>,
  logging: PayloadLogging,
): NonNullable<GatewayOptions["stages"]> {
  if (logging.stages.length === 0) return stages;
  return { ...stages, response: [...logging.stages, ...(stages.response ?? [])] };
}

/**
 * Builds payload logging from the `payloads` section. Refuses to start (ConfigError) when logging
 * is on and the KEK is missing, unreadable, or matches no version of an existing key ring.
 * The retention job runs whenever the store keeps payloads, even with logging off: turning logging
 * off must not keep old payloads forever.
 */
export async function createPayloadLogging(options: PayloadLoggingOptions): Promise<PayloadLogging> {
  const { section, store, bus, logger } = options;
  const clock = options.clock ?? Date.now;
  const on = payloadLoggingOn(section);
  const payloadStore = store.payloads;
  if (on && !payloadStore)
    throw new ConfigError("payloads", [`the ${store.kind} store cannot keep payloads`]);
  if (!payloadStore) return inert();

  const timers: NodeJS.Timeout[] = [];
  // Set once logging is on; the retention job drops a shredded team's cached key from it.
  const state: { sealer?: PayloadSealer } = {};
  const retention = async (): Promise<RetentionReport> => {
    const report: RetentionReport = { payloads: 0, teamKeys: 0, teams: {} };
    const now = clock();
    const teams = new Set([...(await payloadStore.payloadTeams()), ...Object.keys(section.teams)]);
    for (const team of teams) {
      const days = retentionDaysFor(section, team);
      if (days === null) continue;
      const before = now - days * DAY_MS;
      const done = await payloadStore.shredPayloads({ team, before }, now);
      if (done.payloads + done.teamKeys === 0) continue;
      report.payloads += done.payloads;
      report.teamKeys += done.teamKeys;
      report.teams[team] = {
        payloads: done.payloads,
        teamKeys: done.teamKeys,
        before: new Date(before).toISOString(),
      };
      state.sealer?.forget(team);
    }
    if (report.payloads + report.teamKeys > 0) {
      logger.info(
        { payloads: report.payloads, teamKeys: report.teamKeys, teams: Object.keys(report.teams) },
        "payload retention: expired payload keys shredded",
      );
      bus.publish(systemEvent("payload.retention", clock(), { ...report }));
    } else {
      logger.debug("payload retention: nothing expired");
    }
    return report;
  };
  const runRetention = () => {
    retention().catch((error: unknown) => logger.error({ err: error }, "payload retention failed"));
  };
  const anyRetention =
    section.retentionDays !== null ||
    Object.values(section.teams).some((t) => typeof t.retentionDays === "number");
  if (anyRetention) {
    const first = setTimeout(runRetention, 1000);
    first.unref();
    const every = setInterval(runRetention, section.retentionCheckSeconds * 1000);
    every.unref();
    timers.push(first, every);
  }

  if (!on) {
    return {
      stages: [],
      applyRetention: retention,
      stats: () => ({ written: 0, dropped: 0, queued: 0 }),
      async close() {
        for (const t of timers) clearTimeout(t);
      },
    };
  }

  // Logging is on: the KEK must be there, not beside the data, and fit the ring.
  if (options.dataDir)
    refuseKekBesideData([section.kek!, ...section.previousKeks], options.baseDir, options.dataDir);
  const keks = loadKeks(section.kek, section.previousKeks, {
    baseDir: options.baseDir,
    ...(options.env ? { env: options.env } : {}),
  });
  const current = keks.current!;
  const ring = await openKeyRing(payloadStore, keks.all, current, true);
  checkRing(ring, current, section.kek!);
  const activeSealer = new PayloadSealer(ring, clock);
  state.sealer = activeSealer;
  logger.info(
    { version: ring.writeVersion, mode: section.mode, teams: Object.keys(section.teams) },
    "payload logging on (encrypted)",
  );

  // Rotations and shreds by other processes (the CLI, other replicas): reload keys when they happen.
  let keysVersion = await payloadStore.payloadKeysVersion();
  const refresh = async () => {
    const version = await payloadStore.payloadKeysVersion();
    if (version === keysVersion) return;
    keysVersion = version;
    const next = new KeyRing(await payloadStore.kekVersions(), keks.all);
    if (next.writeVersion === undefined) {
      logger.error("payload key ring: no version matches the configured KEKs any more; keeping the old keys");
      return;
    }
    const before = activeSealer.keyRing.writeVersion;
    activeSealer.useRing(next);
    activeSealer.forget();
    if (next.writeVersion !== before) logger.info({ version: next.writeVersion }, "payload key ring rotated");
    if (next.current && next.current.version !== next.writeVersion)
      logger.warn(
        { current: next.current.version, using: next.writeVersion },
        "payload key ring: the current version needs a KEK this gateway does not have; configure it as payloads.kek",
      );
  };
  const refreshTimer = setInterval(() => {
    refresh().catch((error: unknown) => logger.warn({ err: error }, "payload key ring refresh failed"));
  }, section.refreshSeconds * 1000);
  refreshTimer.unref();
  timers.push(refreshTimer);

  const writer = new PayloadWriter(payloadStore, section.maxQueued, logger);
  const answers = new WeakMap<
    RequestContext,
    Map<number, { parts: string[]; length: number; truncated: boolean }>
  >();
  const engine = needsEngine(section) ? createEngine({ detectors: ["pii", "secrets"] }) : undefined;
  const guardDetectors = options.guards?.detectors;
  const trustGuard =
    options.guards?.enabled !== false &&
    (guardDetectors === undefined || (guardDetectors.includes("pii") && guardDetectors.includes("secrets")));

  const capture: ResponseStage = {
    name: "payload-capture",
    open(ctx) {
      const team = ctx.identity?.team;
      if (team === undefined || payloadModeFor(section, team) === "off") return undefined;
      const channels = new Map<number, { parts: string[]; length: number; truncated: boolean }>();
      answers.set(ctx, channels);
      const inspector: ResponseInspector = {
        maxHoldback: 0,
        pending: () => 0,
        write(channel, text) {
          let c = channels.get(channel);
          if (!c) channels.set(channel, (c = { parts: [], length: 0, truncated: false }));
          const room = section.maxChars - c.length;
          if (room > 0) {
            const piece = text.length <= room ? text : text.slice(0, room);
            c.parts.push(piece);
            c.length += piece.length;
          }
          if (text.length > room) c.truncated = true;
          return { action: "continue", release: text };
        },
        end: () => ({ action: "continue", release: "" }),
      };
      return inspector;
    },
  };

  const recorder: PayloadRecorder = {
    record(ctx, event) {
      try {
        const team = ctx.identity?.team;
        if (team === undefined) return null;
        const mode = payloadModeFor(section, team);
        if (mode === "off") return null;
        const doc = buildDocument(ctx, event, mode, answers.get(ctx), section.maxChars, engine, trustGuard);
        answers.delete(ctx);
        if (doc.request.length === 0 && doc.response.length === 0) return null;
        if (!writer.admit()) return null;
        const sealed = activeSealer.seal({
          id: event.id,
          // As both stores keep it (PostgreSQL text cannot hold U+0000), so the bound context matches.
          team: team.replaceAll("\0", ""),
          mode,
          plaintext: Buffer.from(JSON.stringify(doc), "utf8"),
        });
        writer.push(sealed.newTeamKey, sealed.payload);
        return sealed.ref;
      } catch (error) {
        // Never the payload itself in the log: only what failed.
        logger.error(
          { err: { name: (error as Error).name, message: (error as Error).message }, reqId: ctx.requestId },
          "payload not recorded",
        );
        return null;
      }
    },
  };

  return {
    recorder,
    stages: [capture],
    applyRetention: retention,
    stats: () => ({ written: writer.written, dropped: writer.dropped, queued: writer.queued }),
    async close(timeoutMs = 5000) {
      for (const t of timers) clearTimeout(t);
      const flushed = await writer.close(timeoutMs);
      if (!flushed)
        logger.error({ queued: writer.queued }, "shutdown: some payloads could not be written to the store");
      activeSealer.forget();
    },
  };
}

/** A KEK file inside the data directory would sit beside what it protects: a copy of one is a copy of both. */
function refuseKekBesideData(sources: readonly KekSourceConfig[], baseDir: string, dataDir: string): void {
  const data = resolve(dataDir);
  sources.forEach((source, i) => {
    if (!("file" in source)) return;
    const rel = relative(data, resolve(baseDir, source.file));
    if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel)))
      throw new ConfigError(i === 0 ? "payloads.kek" : `payloads.previousKeks[${i - 1}]`, [
        `the KEK file ${source.file} is inside the data directory ${data}: keep it elsewhere (a secret mount, a KMS)`,
      ]);
  });
}

function needsEngine(section: PayloadsSection): boolean {
  return section.mode === "redacted" || Object.values(section.teams).some((t) => t.mode === "redacted");
}

function inert(): PayloadLogging {
  return {
    stages: [],
    applyRetention: async () => ({ payloads: 0, teamKeys: 0, teams: {} }),
    stats: () => ({ written: 0, dropped: 0, queued: 0 }),
    close: async () => {},
  };
}

/** The ring must be writable with the configured KEK (or, mid-rotation, with a previous one). */
function checkRing(ring: KeyRing, current: Buffer, source: KekSourceConfig): void {
  if (ring.writeVersion === undefined) {
    throw new ConfigError("payloads.kek", [
      `the KEK from ${describeKekSource(source)} (fingerprint ${kekFingerprint(current)}) matches no version of the payload key ring (versions ${ring.versions.map((v) => `${v.version}:${v.fingerprint}`).join(", ")}): supply the KEK the ring was made with, or the old one under payloads.previousKeks and run \`portcullis crypto rotate\``,
    ]);
  }
}

function buildDocument(
  ctx: RequestContext,
  event: SecurityEvent,
  mode: "full" | "redacted",
  answer: Map<number, { parts: string[]; length: number; truncated: boolean }> | undefined,
  maxChars: number,
  engine: Engine | undefined,
  trustGuard: boolean,
): PayloadDocument {
  const items = ctx.guard?.items ?? inspectableTexts(ctx.api, ctx.body);
  const request = items.map((item) => {
    let text = item.text;
    if (mode === "redacted") {
      const known = trustGuard ? guardFindings(ctx, item) : undefined;
      text = mask(text, known ?? engine!.scan(text, { context: item.direction }));
    }
    return { where: item.where, direction: item.direction, ...cut(text, maxChars) };
  });
  const response: PayloadDocument["response"] = [];
  for (const [channel, c] of [...(answer ?? new Map())].sort((a, b) => a[0] - b[0])) {
    let text = c.parts.join("");
    // A fresh scan of the answer: the output guard judged windows of it and may have let some through.
    if (mode === "redacted") text = mask(text, engine!.scan(text, { context: "output" }));
    response.push({ channel, text, ...(c.truncated ? { truncated: true as const } : {}) });
  }
  return {
    v: 1,
    mode,
    event_id: event.id,
    ...(event.request_id ? { request_id: event.request_id } : {}),
    time: event.time,
    team: ctx.identity!.team,
    key_id: event.actor.key_id,
    ...(event.model ? { model: event.model } : {}),
    ...(event.route ? { route: event.route } : {}),
    decision: event.decision.action,
    request,
    response,
  };
}

/** A "system" security event: something the gateway did on its own (retention). */
export function systemEvent(activity: string, time: number, details: Record<string, unknown>): SecurityEvent {
  return {
    id: uuidv7(time),
    time,
    class: "system",
    activity,
    severity: "info",
    actor: { key_id: null },
    decision: { action: "allow", monitor_only: false, reasons: [] },
    findings: [],
    payload_ref: null,
    details,
  };
}

// ---------------------------------------------------------------------------------------------
// Administration (the `portcullis crypto` commands): rotate, rewrap, shred, show, status.
// ---------------------------------------------------------------------------------------------

export interface PayloadAdminOptions {
  store: Store;
  /** The KEK new versions are made from (and that unlocks its versions). */
  kek?: Buffer;
  /** Further KEKs that unlock older versions. */
  previous?: Buffer[];
  /** Who acts (the CLI: `cli:<os user>`), for the admin events rotations, shreds and reads leave. */
  actor?: string;
}

export interface RotateReport {
  version: number;
  fingerprint: string;
  newKek: boolean;
  /** Older versions whose KEK was not supplied (their team keys cannot be re-wrapped now). */
  locked: number[];
  rewrap?: RewrapReport;
}

export interface RewrapReport {
  version: number;
  rewrapped: number;
  /** Team keys left under versions whose KEK was not supplied. */
  locked: number;
  batches: number;
}

export interface PayloadStatus {
  versions: { version: number; fingerprint: string; created: string; unlocked: boolean }[];
  current: number | null;
  payloads: number;
  shredded: number;
  teamKeys: number;
  teamKeysByVersion: Record<string, number>;
}

export class PayloadAdminError extends Error {
  /** `usage`: the request itself is wrong (a malformed ref); `failed`: it could not be done. */
  constructor(
    message: string,
    readonly kind: "usage" | "failed" = "failed",
  ) {
    super(message);
    this.name = "PayloadAdminError";
  }
}

/** Operations on a store's payloads and key ring, for the CLI. */
export class PayloadAdmin {
  private readonly payloads: PayloadStore;

  constructor(private readonly options: PayloadAdminOptions) {
    if (!options.store.payloads)
      throw new PayloadAdminError(`the ${options.store.kind} store keeps no payloads`);
    this.payloads = options.store.payloads;
  }

  /**
   * An admin event in the store for every change and every read: the CLI cannot append to the
   * audit log (its writer lives in the gateway), so these land in the events table.
   */
  private record(activity: string, severity: SecurityEvent["severity"], details: Record<string, unknown>) {
    return this.options.store.appendEvents([
      {
        ...systemEvent(activity, Date.now(), details),
        class: "admin_activity",
        severity,
        actor: { key_id: null, key_name: (this.options.actor ?? "unknown").slice(0, 100), role: "admin" },
      },
    ]);
  }

  private keks(): Buffer[] {
    return [...(this.options.kek ? [this.options.kek] : []), ...(this.options.previous ?? [])];
  }

  private async ring(): Promise<KeyRing> {
    return new KeyRing(await this.payloads.kekVersions(), this.keks());
  }

  async status(): Promise<PayloadStatus> {
    const ring = await this.ring();
    const stats = await this.payloads.payloadStats();
    return {
      versions: ring.versions.map((v: KekVersion) => ({
        version: v.version,
        fingerprint: v.fingerprint,
        created: new Date(v.createdAt).toISOString(),
        unlocked: ring.canUnlock(v.version),
      })),
      current: ring.current?.version ?? null,
      ...stats,
    };
  }

  /**
   * A new ring version from the KEK: the same KEK as the current version (a new salt, so a new
   * wrapping key) or a new one (a KEK change). New team keys use it as soon as gateways notice
   * (payloads.refreshSeconds); old payloads stay readable through their versions.
   */
  async rotate(options: { rewrap?: boolean; batch?: number } = {}): Promise<RotateReport> {
    const kek = this.options.kek;
    if (!kek) throw new PayloadAdminError("rotate needs the KEK the new version is made from");
    for (let attempt = 0; attempt < 5; attempt++) {
      const versions = await this.payloads.kekVersions();
      const next = KeyRing.nextVersion(versions, kek);
      const newKek = versions.length > 0 && !versions.some((v) => v.fingerprint === next.fingerprint);
      // Versions none of the supplied KEKs opens: their payloads stay readable only with their KEK.
      const locked = new KeyRing(versions, this.keks()).locked();
      if (await this.payloads.addKekVersion(next)) {
        const report: RotateReport = { version: next.version, fingerprint: next.fingerprint, newKek, locked };
        await this.record("payload.key_rotated", "medium", { version: next.version, new_kek: newKek });
        if (options.rewrap) report.rewrap = await this.rewrap(options.batch);
        return report;
      }
    }
    throw new PayloadAdminError("another process keeps rotating the key ring; try again");
  }

  /**
   * Re-wraps every team key under the newest version, in batches, while gateways run: a row is
   * replaced only if it is still under the version it was read with, and the team keys themselves
   * do not change, so payloads and the keys gateways hold in memory stay valid throughout.
   */
  async rewrap(batch = 200): Promise<RewrapReport> {
    const ring = await this.ring();
    const target = ring.current;
    if (!target) throw new PayloadAdminError("the key ring is empty: nothing to rewrap");
    if (!ring.canUnlock(target.version))
      throw new PayloadAdminError(`the current version ${target.version} is locked: supply its KEK`);
    let rewrapped = 0;
    let locked = 0;
    let batches = 0;
    const skipped = new Set<string>();
    for (;;) {
      const rows = (await this.payloads.teamKeysNotUnder(target.version, batch + skipped.size)).filter(
        (r) => !skipped.has(r.id),
      );
      if (rows.length === 0) break;
      batches++;
      for (const row of rows) {
        if (!ring.canUnlock(row.kekVersion)) {
          skipped.add(row.id);
          locked++;
          continue;
        }
        const next = ring.rewrap(row);
        if (next && (await this.payloads.rewrapTeamKey(row.id, row.kekVersion, next))) rewrapped++;
        else skipped.add(row.id);
      }
    }
    await this.record("payload.keys_rewrapped", "low", { version: target.version, rewrapped, locked });
    return { version: target.version, rewrapped, locked, batches };
  }

  /** Shreds a team's payloads, those before a time, or the one a payload_ref names. */
  async shred(
    filter: Omit<PayloadShredFilter, "id"> & { ref?: string },
  ): Promise<{ payloads: number; teamKeys: number; compacted?: boolean }> {
    const { ref, ...rest } = filter;
    const parsed = ref === undefined ? undefined : parsePayloadRef(ref);
    if (ref !== undefined && !parsed)
      throw new PayloadAdminError("not a payload_ref (expected pl1.<id>.<digest>)", "usage");
    const result = await this.payloads.shredPayloads(parsed ? { ...rest, id: parsed.id } : rest);
    await this.record("payload.shredded", "medium", {
      ...(ref !== undefined ? { payload_ref: ref } : {}),
      ...(rest.team !== undefined ? { team: rest.team } : {}),
      ...(rest.before !== undefined ? { before: new Date(rest.before).toISOString() } : {}),
      payloads: result.payloads,
      team_keys: result.teamKeys,
    });
    return result;
  }

  /**
   * Decrypts one payload for an investigation. Every attempt, read or refused, is recorded as an
   * admin event ("payload.read": who, why, which payload — never its content) before it returns.
   */
  async show(
    ref: string,
    who: { actor: string; reason: string },
  ): Promise<{ document: PayloadDocument; record: Omit<PayloadRecord, "wrappedDek" | "ciphertext"> }> {
    const outcome = (ok: boolean, problem?: string) =>
      this.record("payload.read", "medium", {
        payload_ref: ref.slice(0, 200),
        reason: who.reason.slice(0, 500),
        reader: who.actor.slice(0, 100),
        outcome: ok ? "read" : "refused",
        ...(problem ? { problem } : {}),
      });
    try {
      const result = await this.read(ref);
      await outcome(true);
      return result;
    } catch (error) {
      await outcome(false, (error as Error).message);
      throw error;
    }
  }

  private async read(
    ref: string,
  ): Promise<{ document: PayloadDocument; record: Omit<PayloadRecord, "wrappedDek" | "ciphertext"> }> {
    const parsed = parsePayloadRef(ref);
    if (!parsed) throw new PayloadAdminError("not a payload_ref (expected pl1.<id>.<digest>)", "usage");
    const record = await this.payloads.getPayload(parsed.id);
    if (!record) throw new PayloadAdminError(`no payload ${parsed.id} in this store`);
    const { wrappedDek, ciphertext, ...meta } = record;
    if (record.shreddedAt !== null || !wrappedDek || !ciphertext)
      throw new PayloadAdminError(
        `payload ${parsed.id} was crypto-shredded on ${new Date(record.shreddedAt ?? 0).toISOString()}`,
      );
    const teamKey = await this.payloads.getTeamKey(record.teamKeyId);
    const ring = await this.ring();
    if (teamKey && !ring.canUnlock(teamKey.kekVersion))
      throw new PayloadAdminError(
        `its team key is under key ring version ${teamKey.kekVersion}, whose KEK was not supplied`,
      );
    try {
      const plaintext = openPayload(ring, { ...record, wrappedDek, ciphertext }, teamKey, parsed.digest);
      return { document: JSON.parse(plaintext.toString("utf8")) as PayloadDocument, record: meta };
    } catch (error) {
      if (error instanceof PayloadUnreadableError || error instanceof KeyRingError)
        throw new PayloadAdminError(`payload ${parsed.id} cannot be read: ${error.message}`);
      if ((error as Error).name === "DecryptError")
        throw new PayloadAdminError(
          `payload ${parsed.id} cannot be decrypted: wrong KEK, or its rows were changed or swapped`,
        );
      throw error;
    }
  }
}

export interface OpenPayloadAdminOptions {
  /** YAML configuration (store, payloads.kek, payloads.previousKeks); the embedded default when absent. */
  configFile?: string;
  /** Overrides the configuration's dataDir. */
  dataDir?: string;
  /** Overrides payloads.kek. */
  kek?: KekSourceConfig;
  /** Added to payloads.previousKeks. */
  previousKeks?: KekSourceConfig[];
  env?: NodeJS.ProcessEnv;
  /** Who acts, for the admin events. */
  actor?: string;
}

/** The payload administration of a configured store (SQLite in the data directory, or PostgreSQL). */
export async function openPayloadAdmin(
  options: OpenPayloadAdminOptions,
): Promise<{ admin: PayloadAdmin; close(): Promise<void> }> {
  // Loaded here, not at the top: index.ts imports this module.
  const app = await import("./index.js");
  const loaded = options.configFile ? app.loadConfigFile(options.configFile) : loadEmbeddedConfig();
  const section = loaded.config.payloads;
  const keks = loadKeks(
    options.kek ?? section.kek,
    [...(options.previousKeks ?? []), ...section.previousKeks],
    {
      baseDir: loaded.baseDir,
      ...(options.env ? { env: options.env } : {}),
    },
  );
  const dataDir = resolve(options.dataDir ?? loaded.config.dataDir);
  if (loaded.config.store.type === "sqlite" && !existsSync(sqliteFile(dataDir)))
    throw new PayloadAdminError(`no store in ${dataDir} (expected ${sqliteFile(dataDir)})`);
  const store = await app.openConfiguredStore(loaded, dataDir);
  try {
    const admin = new PayloadAdmin({
      store,
      ...(options.actor ? { actor: options.actor } : {}),
      ...(keks.current ? { kek: keks.current } : {}),
      previous: keks.all.slice(keks.current ? 1 : 0),
    });
    return { admin, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
