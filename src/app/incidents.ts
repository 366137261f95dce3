import { join } from "node:path";
import type { Logger } from "pino";
import { resolvePath, resolveSecret, type Config, type LoadedConfig } from "../config/index.js";
import { loadIncidentDir } from "../config/sections/incidents.js";
import type { EventBus } from "../events/index.js";
import type { GatewayRuntime } from "../gateway/runtime.js";
import { attachIncidentControl } from "../gateway/routes/incidents.js";
import { createIncidents, DEFAULT_PLAYBOOKS, DEFAULT_RULES, type Incidents } from "../incidents/index.js";
import type { Limiter } from "../limits/index.js";
import { DEFAULT_POLICY, type PolicyOverrides } from "../policy/index.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from "../siem/index.js";
import type { Store } from "../store/index.js";

export interface IncidentWiring {
  loaded: LoadedConfig;
  dataDir: string;
  store: Store;
  bus: EventBus;
  runtime: GatewayRuntime;
  limiter: Limiter;
  /** Present when guards are on: `require_policy` puts keys under a policy through it. */
  policyOverrides?: PolicyOverrides;
  logger: Logger;
}

/** The policy names `require_policy` may name: the configured ones, or the shipped default. */
function policyNames(config: Config): string[] {
  return config.policies.length > 0 ? config.policies.map((p) => p.name) : [DEFAULT_POLICY.name];
}

/**
 * Incident response (docs/incidents.md): rules and playbooks from the configuration, the shipped
 * defaults and `incidents.dir`; the gateway's levers (key status, limits, policies); the SIEM
 * webhook's signing scheme for notifications. Bad settings stop start-up here.
 */
export async function startIncidents(wiring: IncidentWiring): Promise<Incidents | undefined> {
  const { loaded, store, bus, runtime, logger } = wiring;
  const section = loaded.config.incidents;
  if (!section.enabled) return undefined;
  if (!store.incidents) throw new Error(`incidents: the ${store.kind} store does not keep incidents`);
  const fromDir = section.dir
    ? loadIncidentDir(resolvePath(section.dir, loaded.baseDir))
    : { rules: [], playbooks: [] };
  const secret = (ref: string, where: string) => resolveSecret(ref, loaded.baseDir, where);
  const incidents = createIncidents({
    rules: [
      ...(section.defaults ? DEFAULT_RULES.map(({ cases: _cases, ...rule }) => rule) : []),
      ...section.rules,
      ...fromDir.rules,
    ],
    playbooks: [...(section.defaults ? DEFAULT_PLAYBOOKS : []), ...section.playbooks, ...fromDir.playbooks],
    webhooks: Object.entries(section.webhooks).map(([name, hook]) => ({
      name,
      url: /^https?:/.test(hook.url) ? hook.url : secret(hook.url, `incidents.webhooks.${name}.url`),
      ...(hook.secret ? { secret: secret(hook.secret, `incidents.webhooks.${name}.secret`) } : {}),
      format: hook.format,
      minSeverity: hook.minSeverity,
      timeoutMs: hook.timeoutMs,
      attempts: hook.attempts,
    })),
    store: store.incidents,
    publish: (event) => bus.publish(event),
    effects: {
      keys: {
        async setStatus(id, action) {
          const record = await runtime.keyService.setStatus(id, action);
          // Effective at once in this process; other replicas reload within their poll.
          await runtime.keys.refresh(true);
          return record;
        },
        getKey: (id) => store.getKey(id),
        version: () => store.keysVersion(),
      },
      limits: { tighten: (keyId, limits) => wiring.limiter.tighten(keyId, limits) },
      ...(wiring.policyOverrides
        ? {
            policies: {
              set: (keyId, names) => wiring.policyOverrides!.set(keyId, names),
              known: policyNames(loaded.config),
            },
          }
        : {}),
    },
    signer: { signatureHeader: SIGNATURE_HEADER, timestampHeader: TIMESTAMP_HEADER, sign: signWebhook },
    logger,
    ...(section.publicUrl ? { publicUrl: section.publicUrl } : {}),
    maxTracked: section.maxTrackedKeys,
    syncIntervalMs: section.syncIntervalMs,
    queueDir: join(wiring.dataDir, "queues", "incidents"),
  });
  await incidents.start();
  bus.subscribe(incidents.subscriber);
  attachIncidentControl(runtime, incidents.responder);
  return incidents;
}
