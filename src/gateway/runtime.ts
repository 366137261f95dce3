import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import type { EventBus, SecurityEvent } from "../events/index.js";
import type { Store } from "../store/index.js";
import type { KeyCache, KeyService } from "./auth/index.js";
import type { RequestOutcome } from "./emit.js";
import type { Metrics } from "./metrics.js";
import type { ModelRouter } from "./models.js";
import type { PenaltyGate } from "./penalty.js";
import type { Provider } from "./providers/index.js";
import type { RequestContext, RequestStage, ResponseStage } from "./stages/index.js";

/**
 * Payload logging, injected by the composition root (src/app/payloads.ts): records the request's
 * texts and answer encrypted, elsewhere, and returns the event's payload_ref (null when nothing is
 * recorded). The gateway never sees keys or ciphertext. Must not throw.
 */
export interface PayloadRecorder {
  record(ctx: RequestContext, event: SecurityEvent): string | null;
}

/** Everything the routes need, built once at start-up by createGateway. */
export interface GatewayRuntime {
  config: Config;
  logger: Logger;
  store: Store;
  bus: EventBus;
  keys: KeyCache;
  keyService: KeyService;
  serverSecret: Buffer;
  router: ModelRouter;
  providers: ReadonlyMap<string, Provider>;
  requestStages: readonly RequestStage[];
  responseStages: readonly ResponseStage[];
  metrics: Metrics;
  scrub(text: string): string;
  observe(ctx: RequestContext, event: SecurityEvent, outcome: RequestOutcome): void;
  isShuttingDown(): boolean;
  payloads?: PayloadRecorder;
  penalty?: PenaltyGate;
}
