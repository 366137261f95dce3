import type { SecurityEvent } from "./types.js";

/**
 * How many occurrences an event stands for: its `count` (a penalty-box summary of refused
 * requests), or one. Consumers that count requests weigh each event by this.
 */
export function occurrences(event: SecurityEvent): number {
  return event.count !== undefined && event.count > 1 ? event.count : 1;
}
