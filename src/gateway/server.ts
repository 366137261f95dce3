import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "pino";
import { resolvePath, resolveSecret, type Config } from "../config/index.js";
import { uuidv7, type EventBus } from "../events/index.js";
import type { Store } from "../store/index.js";
import { KeyCache, KeyService } from "./auth/index.js";
import { parseJsonBody } from "./body.js";
import { GatewayError, errorBody, type ErrorShape } from "./errors.js";
import { createMetrics } from "./metrics.js";
import { verifyModelManifests } from "./model-manifests.js";
import { createModelRouter } from "./models.js";
import { createProvider, type Provider } from "./providers/index.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerFeedbackRoutes } from "./routes/feedback.js";
import { registerIncidentRoutes } from "./routes/incidents.js";
import { registerConfigRoutes } from "./routes/config.js";
import { createOverloadGuard } from "./overload.js";
import { modelHandler } from "./routes/model-api.js";
import { MODEL_ROUTES } from "./routes/model-routes.js";
import { registerOpsRoutes } from "./routes/ops.js";
import type { PenaltyGate } from "./penalty.js";
import type { GatewayRuntime, PayloadRecorder } from "./runtime.js";
import {
  authStage,
  modelAccessStage,
  passthroughStage,
  validateStage,
  type RequestStage,
  type ResponseStage,
} from "./stages/index.js";

export interface GatewayOptions {
  config: Config;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
  logger: Logger;
  store: Store;
  bus: EventBus;
  serverSecret: Buffer;
  /** Encrypted payload logging (src/app/payloads.ts); none when absent. */
  payloads?: PayloadRecorder;
  /** The penalty box for keys over their request rate (src/gateway/penalty.ts); none when absent. */
  penalty?: PenaltyGate;
  /** Stages that later issues add (limits, inspection, policy); pass-throughs when absent. */
  stages?: {
    limits?: RequestStage;
    inspectIn?: RequestStage;
    policyIn?: RequestStage;
    response?: ResponseStage[];
  };
}

export interface Gateway {
  app: FastifyInstance;
  runtime: GatewayRuntime;
  /** Stops accepting, waits for in-flight requests, closes provider pools. */
  close(): Promise<void>;
}

/** Fastify's own errors, mapped to the catalogue so every answer has the documented shape. */
const FASTIFY_ERRORS: Record<string, GatewayError["code"]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PCX_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "PCX_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "PCX_INVALID_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "PCX_INVALID_JSON",
  FST_ERR_CTP_INVALID_TYPE: "PCX_UNSUPPORTED_MEDIA_TYPE",
};

function shapeFor(url: string): ErrorShape {
  return url.startsWith("/v1/messages") ? "anthropic" : "openai";
}

function tlsOptions(config: Config, baseDir: string) {
  if (!config.tls) return undefined;
  const read = (path: string) => readFileSync(resolvePath(path.replace(/^file:/, ""), baseDir));
  return {
    cert: read(config.tls.cert),
    key: read(config.tls.key),
    // TLS 1.2 is the floor (RFC 8996 deprecates 1.0 and 1.1).
    minVersion: "TLSv1.2" as const,
    ...(config.tls.clientAuth !== "none"
      ? {
          ca: read(config.tls.clientCa!),
          requestCert: true,
          rejectUnauthorized: config.tls.clientAuth === "require",
        }
      : {}),
  };
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, baseDir, logger, store, bus, serverSecret } = options;
  const server = config.server;

  const providers = new Map<string, Provider>();
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    providers.set(
      name,
      createProvider(name, providerConfig, {
        resolveSecret: (ref, where) => resolveSecret(ref, baseDir, where),
        resolvePath: (path) => resolvePath(path, baseDir),
        readFile: (path) => readFileSync(path),
      }),
    );
  }
  const secrets = [...providers.values()].flatMap((p) => p.secrets());
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);

  const keys = new KeyCache(store, (error) => logger.error({ err: error }, "key cache refresh failed"));
  await keys.start();
  // Overload protection (503s, per-IP limit, a circuit breaker per provider): src/gateway/overload.ts.
  const overload = createOverloadGuard(config.limits, { keys, serverSecret });
  for (const [name, provider] of providers) providers.set(name, overload.guard(provider));
  const manifestFailures = await verifyModelManifests(
    config.models,
    (path) => resolvePath(path, baseDir),
    logger,
  );
  const router = createModelRouter(config.models, providers, manifestFailures);
  const metrics = createMetrics(() => bus.stats());
  let shuttingDown = false;

  const requestStages: RequestStage[] = [
    authStage(keys, serverSecret),
    validateStage(),
    modelAccessStage(router),
    options.stages?.limits ?? passthroughStage("limits"),
    options.stages?.inspectIn ?? passthroughStage("inspect-in"),
    options.stages?.policyIn ?? passthroughStage("policy"),
  ];

  const runtime: GatewayRuntime = {
    config,
    logger,
    store,
    bus,
    keys,
    keyService: new KeyService(store, serverSecret),
    serverSecret,
    router,
    providers,
    requestStages,
    responseStages: options.stages?.response ?? [],
    metrics,
    scrub,
    isShuttingDown: () => shuttingDown,
    payloads: options.payloads,
    penalty: options.penalty,
    observe(ctx, event, outcome) {
      const route = ctx.path;
      const model = ctx.model?.name ?? "unknown";
      const decision = event.decision.action;
      metrics.requests.inc({ route, model, decision, status: String(outcome.status) });
      metrics.duration.observe({ route, model, decision }, outcome.totalMs / 1000);
      if (outcome.upstreamMs !== undefined && ctx.model) {
        metrics.upstream.observe({ provider: ctx.model.provider.name, model }, outcome.upstreamMs / 1000);
      }
      if (outcome.overheadMs !== undefined) metrics.overhead.observe({ route }, outcome.overheadMs / 1000);
      logger.info(
        {
          reqId: ctx.requestId,
          route,
          model,
          key: ctx.identity?.keyId,
          status: outcome.status,
          decision,
          code: outcome.errorCode,
          ms: Math.round(outcome.totalMs * 100) / 100,
        },
        "request",
      );
    },
  };

  // Slowloris protection: Node checks header and request deadlines only every
  // connectionsCheckingInterval (30 s by default), so the check runs at a fraction of the deadline.
  const httpTimeouts = {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(server.headersTimeoutMs / 4))),
  };
  const tls = tlsOptions(config, baseDir);
  const https = tls ? { ...tls, ...httpTimeouts } : undefined;
  const app = Fastify({
    loggerInstance: logger,
    // The gateway logs one line per request itself, with fields known to be safe.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: server.bodyLimit,
    trustProxy: server.trustProxy,
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    // Client-supplied request ids are not trusted: ours are unique and time-ordered.
    requestIdHeader: false,
    genReqId: () => uuidv7(),
    // While draining, new requests get PCX_SHUTTING_DOWN in the route's shape (hook below).
    return503OnClosing: false,
    ...(https ? { https } : { http: httpTimeouts }),
  }) as unknown as FastifyInstance;

  // First of all: a key its rate limit refuses is answered before anything else is done for it.
  if (options.penalty) app.addHook("onRequest", options.penalty.onRequest);
  app.addHook("onRequest", async (request, reply) => {
    (request as FastifyRequest & { startedAt?: number }).startedAt = performance.now();
    if (shuttingDown && request.url !== "/healthz") {
      reply.header("connection", "close");
      throw new GatewayError("PCX_SHUTTING_DOWN");
    }
  });
  // Before the body is read: refusing an overload or an unauthenticated flood must cost nothing.
  app.addHook("onRequest", overload.onRequest);
  app.addHook("onResponse", overload.onResponse);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, server.maxJsonDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    let mapped: GatewayError;
    if (error instanceof GatewayError) mapped = error;
    else if (error.code && FASTIFY_ERRORS[error.code]) mapped = new GatewayError(FASTIFY_ERRORS[error.code]!);
    else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      mapped = new GatewayError("PCX_INVALID_REQUEST", undefined, { status: error.statusCode });
    } else {
      logger.error({ reqId: request.id, err: error }, "unhandled error");
      mapped = new GatewayError("PCX_INTERNAL");
    }
    if (mapped.code === "PCX_BODY_TOO_LARGE") {
      mapped = new GatewayError(
        "PCX_BODY_TOO_LARGE",
        `The request body is larger than ${server.bodyLimit} bytes.`,
      );
    }
    reply
      .code(mapped.status)
      .header("x-request-id", request.id)
      .send(errorBody(mapped, shapeFor(request.url), request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError("PCX_NOT_FOUND");
    reply
      .code(404)
      .header("x-request-id", request.id)
      .send(errorBody(error, shapeFor(request.url), request.id));
  });

  for (const [path, { api, shape }] of MODEL_ROUTES) app.post(path, modelHandler(runtime, api, shape));
  registerOpsRoutes(app, runtime);
  registerAdminRoutes(app, runtime);
  registerIncidentRoutes(app, runtime);
  registerFeedbackRoutes(app, runtime);
  registerConfigRoutes(app, runtime);

  return {
    app,
    runtime,
    async close() {
      shuttingDown = true;
      keys.stop();
      overload.close();
      await app.close();
      // After the last request: the refusals it summarised are published before the bus closes.
      options.penalty?.close();
      await Promise.all([...providers.values()].map((p) => p.close()));
    },
  };
}
