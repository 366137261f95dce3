import type { Logger } from "pino";
import {
  AnalyticsEngine,
  RedisSharedState,
  type AnalyticsOptions,
  type SharedState,
} from "../analytics/index.js";
import { resolveSecret, type LoadedConfig } from "../config/index.js";
import type { AnalyticsSection } from "../config/sections/analytics.js";
import type { EventBus } from "../events/index.js";

export interface AnalyticsWiring {
  loaded: LoadedConfig;
  bus: EventBus;
  logger: Logger;
}

export interface RunningAnalytics {
  engine: AnalyticsEngine;
  /** Stops taking events and closes the Redis connection (after the bus has drained). */
  close(): Promise<void>;
}

/** The `analytics` section as engine options (the analytics room may not import the config room). */
export function analyticsOptions(section: AnalyticsSection): Partial<AnalyticsOptions> {
  return {
    threshold: section.threshold,
    cooldownMs: section.cooldownMinutes * 60_000,
    maxIdentities: section.maxIdentities,
    maxTeams: section.maxTeams,
    maximal: section.maximal,
    expected: section.expected,
  };
}

/**
 * Behaviour analytics (docs/analytics.md): a plain (in-memory, bounded) bus subscriber that reads
 * request events after their reply has gone, and publishes its detections back on the same bus as
 * `detection_finding` events, where the store, the audit log, the SIEM exporters and incident
 * response pick them up like any other event. Analytics is advisory: a lost batch (queue full at
 * a flood) is counted by the bus, and a Redis outage degrades to this replica's own view.
 */
export async function startAnalytics(wiring: AnalyticsWiring): Promise<RunningAnalytics | undefined> {
  const { loaded, bus, logger } = wiring;
  const section = loaded.config.analytics;
  if (!section.enabled) return undefined;
  let lastSharedLog = 0;
  // One line per 10 s at most: a Redis outage must not flood the log.
  const sharedError = (err: unknown) => {
    const now = Date.now();
    if (now - lastSharedLog < 10_000) return;
    lastSharedLog = now;
    logger.warn({ err }, "analytics: shared state (Redis) unavailable; judging on this replica's state");
  };
  let shared: SharedState | undefined;
  if (section.state.type === "redis") {
    shared = await RedisSharedState.open({
      url: resolveSecret(section.state.url, loaded.baseDir, "analytics.state.url"),
      keyPrefix: section.state.keyPrefix,
      ttlMs: section.state.ttlHours * 3_600_000,
      timeoutMs: section.state.timeoutMs,
      onError: sharedError,
    });
  }
  const engine = new AnalyticsEngine(
    analyticsOptions(section),
    {
      publish(event) {
        // Only scores and reasons, never a prompt: safe to log at info.
        logger.info(
          { key: event.actor.key_id, activity: event.activity, score: event.details?.score },
          "analytics detection",
        );
        bus.publish(event);
      },
      onSharedError: sharedError,
    },
    shared,
  );
  const unsubscribe = bus.subscribe(engine.subscriber());
  let closing: Promise<void> | undefined;
  return {
    engine,
    close() {
      closing ??= (async () => {
        unsubscribe();
        await engine.close();
      })();
      return closing;
    },
  };
}
