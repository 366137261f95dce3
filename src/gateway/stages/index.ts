export * from "./types.js";
export * from "./runner.js";
export { authStage } from "./auth.js";
export { modelAccessStage } from "./model-access.js";
export { passthroughStage } from "./passthrough.js";
export { validateStage } from "./validate.js";
