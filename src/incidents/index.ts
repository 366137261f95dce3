import type { EventSubscriber, SecurityEvent } from "../events/index.js";
import type { IncidentStore } from "../store/index.js";
import { createNotifier, type Notifier } from "./notify/index.js";
import { Responder } from "./responder.js";
import { compileRules } from "./rules/index.js";
import type {
  IncidentLogger,
  IncidentRule,
  Playbook,
  ResponseEffects,
  WebhookSigner,
  WebhookTarget,
} from "./types.js";

export type * from "./types.js";
export { SEVERITY_RANK } from "./types.js";
export { Responder, type Actor, type IncidentDetail, type Outcome } from "./responder.js";
export { compileRules, globMatcher, type RuleEngine } from "./rules/index.js";
export { DEFAULT_PLAYBOOKS, DEFAULT_RULES, type DefaultRule, type RuleCase } from "./rules/defaults.js";
export {
  createNotifier,
  notificationDocument,
  slackMessage,
  type Notification,
  type Notifier,
} from "./notify/index.js";

/** A rule or playbook that cannot work: start-up stops with this. */
export class IncidentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`incidents: ${problems.join("; ")}`);
    this.name = "IncidentConfigError";
  }
}

export interface IncidentsOptions {
  rules: readonly IncidentRule[];
  playbooks: readonly Playbook[];
  webhooks: readonly WebhookTarget[];
  store: IncidentStore;
  publish(event: SecurityEvent): void;
  effects: ResponseEffects;
  signer: WebhookSigner;
  logger: IncidentLogger;
  publicUrl?: string;
  maxTracked?: number;
  syncIntervalMs?: number;
  /** The responder's own on-disk event queue (survives a restart); in memory when absent. */
  queueDir?: string;
  clock?: () => number;
  /** Base delay between notification attempts (tests shorten it). */
  retryDelayMs?: number;
  /** Replaces the webhook notifier (tests record instead of sending). */
  notifier?: Notifier;
}

export interface Incidents {
  responder: Responder;
  /** Subscribe this to the gateway's bus. */
  subscriber: EventSubscriber;
  /** Loads the actions in force and starts the timer that syncs and expires them. */
  start(): Promise<void>;
  /** Stops the timer and waits for notifications in flight. */
  close(): Promise<void>;
}

/** Everything a playbook refers to must exist, so a typo fails the start and not the first attack. */
function check(options: IncidentsOptions): void {
  const problems: string[] = [];
  const rules = new Set(options.rules.map((r) => r.id));
  const types = new Set(options.rules.map((r) => r.type));
  const webhooks = new Set(options.webhooks.map((w) => w.name));
  const names = new Set<string>();
  for (const playbook of options.playbooks) {
    const where = `playbook "${playbook.name}"`;
    if (names.has(playbook.name)) problems.push(`${where} is defined twice`);
    names.add(playbook.name);
    for (const rule of playbook.on.rules ?? [])
      if (!rules.has(rule)) problems.push(`${where} answers rule "${rule}", which does not exist`);
    for (const type of playbook.on.types ?? [])
      if (!types.has(type)) problems.push(`${where} answers type "${type}", which no rule has`);
    for (const action of playbook.actions) {
      if (action.type === "notify") {
        for (const hook of action.webhooks ?? [])
          if (!webhooks.has(hook))
            problems.push(`${where} notifies "${hook}", which is not in incidents.webhooks`);
      } else if (action.type === "throttle" && !options.effects.limits) {
        problems.push(`${where} throttles, but this process has no limiter`);
      } else if (action.type === "require_policy") {
        const policies = options.effects.policies;
        if (!policies) problems.push(`${where} requires a policy, but guards are disabled`);
        else if (!policies.known.includes(action.policy))
          problems.push(`${where} requires policy "${action.policy}", which is not configured`);
      }
    }
  }
  if (problems.length > 0) throw new IncidentConfigError(problems);
}

/** Builds the responder from rules, playbooks and the gateway's levers; validates them first. */
export function createIncidents(options: IncidentsOptions): Incidents {
  check(options);
  let rules;
  try {
    rules = compileRules(options.rules, options.maxTracked);
  } catch (error) {
    throw new IncidentConfigError([(error as Error).message]);
  }
  const notifier =
    options.notifier ??
    createNotifier(options.webhooks, {
      signer: options.signer,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    });
  const responder = new Responder({
    rules,
    playbooks: options.playbooks,
    store: options.store,
    publish: options.publish,
    effects: options.effects,
    notifier,
    logger: options.logger,
    ...(options.maxTracked ? { maxTracked: options.maxTracked } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const subscriber: EventSubscriber = {
    name: "incidents",
    // Few events are relevant (blocks, findings, detections); batch them briefly.
    flushDelayMs: 10,
    filter: (event) => responder.relevant(event),
    handle: (batch) => responder.handle(batch),
    ...(options.queueDir
      ? {
          durable: {
            dir: options.queueDir,
            maxBytes: 64 * 1024 * 1024,
            backoff: { initialMs: 200, maxMs: 30_000 },
          },
        }
      : {}),
  };
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let lastError = 0;
  const tick = () => {
    if (syncing) return;
    syncing = responder
      .sync()
      .catch((error: unknown) => {
        // Loud but bounded: a store outage would otherwise log on every tick.
        const now = Date.now();
        if (now - lastError > 30_000) {
          lastError = now;
          options.logger.error({ err: error }, "incident actions could not be synced");
        }
      })
      .finally(() => (syncing = undefined));
  };
  return {
    responder,
    subscriber,
    async start() {
      await responder.sync();
      timer = setInterval(tick, options.syncIntervalMs ?? 1000);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await syncing;
      await responder.close();
    },
  };
}
