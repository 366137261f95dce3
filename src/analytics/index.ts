/**
 * Behaviour analytics (docs/analytics.md): per-identity streaming features and detectors for model
 * extraction, scraping, insider exfiltration, key sharing, floods and cost harvesting. Fed by the
 * event bus; publishes its detections back on it. Imports nothing of ours but `events`.
 */
export { AnalyticsEngine, type Assessment, type AnalyticsHooks } from "./engine.js";
export { DETECTORS, CATEGORIES } from "./detectors/index.js";
export type { Category, Detector, ExpectedWorkload, Verdict } from "./detectors/index.js";
export { DEFAULT_OPTIONS, resolveOptions, type AnalyticsOptions } from "./options.js";
export { RedisSharedState, type SharedState, type RedisSharedOptions } from "./shared.js";
export { IdentityState, STATE_BYTES } from "./state.js";
export { observation, type MaximalThresholds } from "./observe.js";
