export { createGateway, type Gateway, type GatewayOptions } from "./server.js";
export { ERRORS, GatewayError, errorBody, type ErrorCode } from "./errors.js";
export * from "./auth/index.js";
export type * from "./stages/types.js";
export { keyJson } from "./routes/admin.js";
export { inspectInStage, outputGuardStage, policyInStage, restorePseudonymsStage } from "./guards/stages.js";
