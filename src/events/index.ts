export type * from "./types.js";
export { EventBus, type EventSubscriber, type SubscriberStats, type EventBusHooks } from "./bus.js";
export { uuidv7 } from "./uuid7.js";
export { occurrences } from "./occurrences.js";
