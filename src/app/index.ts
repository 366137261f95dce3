import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import {
  loadConfigFile,
  loadEmbeddedConfig,
  resolvePath,
  resolveSecret,
  type LoadedConfig,
} from "../config/index.js";
import { startAuditLog } from "../audit/index.js";
import { EventBus } from "../events/index.js";
import { createGateway, KeyService, type Gateway } from "../gateway/index.js";
import { createPenaltyGate } from "../gateway/penalty.js";
import { limitsStage, quickRefusal } from "../gateway/stages/limits.js";
import { createLimiter } from "../limits/index.js";
import { PolicyOverrides } from "../policy/index.js";
import { createSiemSubscribers } from "../siem/index.js";
import { openSqliteStore, openStore, type Store, type StoreOptions } from "../store/index.js";
import { ensureDataDir, loadServerSecret, sqliteFile } from "./data-dir.js";
import { buildGuardStages } from "./guards.js";
import { startAnalytics } from "./analytics.js";
import { startIncidents } from "./incidents.js";
import { bootstrapAdminKey } from "./keys.js";
import { createLogger } from "./logger.js";
import { createPayloadLogging, withPayloadCapture } from "./payloads.js";

export { BootstrapError } from "./keys.js";
export { PolicyTools, type Explanation, type PolicyTestResult } from "./policy-tools.js";
export { ConfigError, loadConfigFile } from "../config/index.js";
export { parseExpiry, KeyService, KeyTransitionError, keyJson } from "../gateway/index.js";

export interface ServeOptions {
  configFile?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  logDestination?: NodeJS.WritableStream;
}

export interface RunningServer {
  url: string;
  gateway: Gateway;
  logger: Logger;
  loaded: LoadedConfig;
  /** Graceful stop: no new requests, in-flight ones finish, events are flushed, storage closed. */
  close(): Promise<void>;
}

/** The composition root: configuration → store → event bus and its subscribers → gateway. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const loaded = options.configFile ? loadConfigFile(options.configFile) : loadEmbeddedConfig();
  const config = loaded.config;
  if (options.host) config.server.host = options.host;
  if (options.port !== undefined) config.server.port = options.port;
  const dataDir = resolve(options.dataDir ?? config.dataDir);

  const logger = createLogger(config.logging.level, options.logDestination);
  for (const warning of loaded.warnings) logger.warn({ config: loaded.source }, warning);

  ensureDataDir(dataDir);
  const serverSecret = loadServerSecret(dataDir);
  const store: Store = await openStore(storeOptions(loaded, dataDir, logger));

  let lastDropLog = 0;
  const bus = new EventBus({
    onDrop(subscriber) {
      // Loud but bounded: one line per second at most; the exact count is in /metrics.
      const now = Date.now();
      if (now - lastDropLog > 1000) {
        lastDropLog = now;
        logger.error({ subscriber }, "security events dropped: subscriber queue full");
      }
    },
    onError(subscriber, error, batchSize, retry) {
      logger.error(
        { subscriber, batchSize, err: error, attempt: retry?.attempt, retryInMs: retry?.delayMs },
        "security event subscriber failed",
      );
    },
    onDeadLetter(subscriber, count, error, file) {
      logger.error({ subscriber, count, err: error, file }, "security events moved to the dead-letter file");
    },
  });
  // Durable: while the store is down, events wait on disk (bounded) and are written when it is back.
  // No maxAttempts: an outage must never send events to the dead-letter file.
  bus.subscribe({
    name: "store",
    flushDelayMs: 20,
    durable: {
      dir: join(dataDir, "queues", "store"),
      maxBytes: config.store.queue.maxBytes,
      backoff: { initialMs: 200, maxMs: 30_000 },
    },
    handle: (batch) => store.appendEvents(batch),
  });
  // SIEM exporters (docs/siem.md): each a durable subscriber; bad settings or secrets stop start-up here.
  const siem = createSiemSubscribers(config.siem.exporters, {
    dataDir,
    resolveSecret: (ref, where) => resolveSecret(ref, loaded.baseDir, where),
    resolvePath: (path) => resolvePath(path, loaded.baseDir),
  });
  for (const exporter of siem) bus.subscribe(exporter);
  // The tamper-evident audit log (docs/audit.md): every event, admin actions included; own thread.
  const resolveAuditSecret = (ref: string, where: string) => resolveSecret(ref, loaded.baseDir, where);
  const audit = config.audit.enabled
    ? await startAuditLog({
        dataDir,
        settings: config.audit,
        logger,
        baseDir: loaded.baseDir,
        resolveSecret: resolveAuditSecret,
      })
    : undefined;
  if (audit) bus.subscribe(audit.subscriber);
  // Payload logging (docs/encryption.md): refuses to start when on without a usable KEK.
  const payloads = await createPayloadLogging({
    section: config.payloads,
    store,
    bus,
    logger,
    baseDir: loaded.baseDir,
    dataDir,
    guards: config.guards,
    env,
  });

  // Limits (memory or Redis store), built before the gateway so a bad store setting stops start-up.
  const limiter = await createLimiter(config.limits, {
    resolveSecret: (ref, where) => resolveSecret(ref, loaded.baseDir, where),
    report: (err, what) => logger.error({ err, what }, "limits store failure"),
  });
  // Run-time policy overrides for incident response's `require_policy` (docs/incidents.md).
  const policyOverrides = config.guards.enabled ? new PolicyOverrides() : undefined;
  const box = config.limits.penaltyBox;
  const penalty = box.enabled
    ? createPenaltyGate({
        bus,
        refusal: quickRefusal(limiter),
        maxBoxMs: box.maxBoxMs,
        flushMs: box.summaryIntervalMs,
        capacity: box.maxKeys,
      })
    : undefined;
  const gateway = await createGateway({
    config,
    baseDir: loaded.baseDir,
    logger,
    store,
    bus,
    serverSecret,
    penalty,
    payloads: payloads.recorder,
    stages: withPayloadCapture(
      {
        ...buildGuardStages(config, logger, policyOverrides),
        limits: await limitsStage(limiter, config.models),
      },
      payloads,
    ),
  });
  await bootstrapAdminKey(gateway.runtime.keyService, logger, env.PORTCULLIS_ADMIN_KEY);
  await gateway.runtime.keys.refresh(true);
  // Incident response (docs/incidents.md): a bus subscriber with the gateway's levers.
  const incidents = await startIncidents({
    loaded,
    dataDir,
    store,
    bus,
    runtime: gateway.runtime,
    limiter,
    ...(policyOverrides ? { policyOverrides } : {}),
    logger,
  });
  // Behaviour analytics (docs/analytics.md): a bus subscriber publishing its detections on the bus.
  const analytics = await startAnalytics({ loaded, bus, logger });

  await gateway.app.listen({ host: config.server.host, port: config.server.port });
  const address = gateway.app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${config.tls ? "https" : "http"}://${host}:${address.port}`;
  logger.info(
    { url, config: loaded.source, dataDir, models: config.models.map((m) => m.name) },
    "portcullis gateway listening",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    gateway,
    logger,
    loaded,
    close() {
      closing ??= (async () => {
        await gateway.close();
        await payloads.close();
        await limiter.close();
        // Analytics first, so its last detections are on the bus before the other queues drain.
        if (analytics) await bus.drain(config.server.shutdownGraceMs, ["analytics"]);
        const flushed = await bus.drain(config.server.shutdownGraceMs);
        if (!flushed)
          logger.error({ pending: bus.stats() }, "shutdown: some security events could not be flushed");
        await incidents?.close();
        await analytics?.close();
        await bus.close(0);
        await Promise.all(siem.map((exporter) => exporter.close()));
        await audit?.close(); // signs the closing checkpoint
        await store.close();
        logger.info("portcullis gateway stopped");
      })();
      return closing;
    },
  };
}

/** Keys in a data directory, for the CLI when no server is given. */
export function openLocalKeys(dataDir: string): { service: KeyService; close(): Promise<void> } {
  const dir = resolve(dataDir);
  ensureDataDir(dir);
  const store = openSqliteStore(sqliteFile(dir));
  return { service: new KeyService(store, loadServerSecret(dir)), close: () => store.close() };
}

/** The configured store, for commands that work on it directly (`portcullis crypto`). */
export async function openConfiguredStore(loaded: LoadedConfig, dataDir: string): Promise<Store> {
  return openStore(storeOptions(loaded, dataDir, createLogger("silent")));
}

/** The `store` section as store options: the URL and CA files are read here, at start-up. */
function storeOptions(loaded: LoadedConfig, dataDir: string, logger: Logger): StoreOptions {
  const section = loaded.config.store;
  if (section.type === "sqlite") return { type: "sqlite", file: sqliteFile(dataDir) };
  const ssl = section.ssl;
  return {
    type: "postgres",
    url: resolveSecret(section.url, loaded.baseDir, "store.url"),
    poolSize: section.poolSize,
    schema: section.schema,
    ...(typeof ssl === "object"
      ? {
          ssl: {
            rejectUnauthorized: ssl.rejectUnauthorized,
            ...(ssl.ca ? { ca: readFileSync(resolvePath(ssl.ca, loaded.baseDir), "utf8") } : {}),
          },
        }
      : ssl !== undefined
        ? { ssl }
        : {}),
    onError: (err) => logger.warn({ err }, "postgres connection lost; the pool reconnects"),
  };
}
