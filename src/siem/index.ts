import type { ExporterOptions } from "./options.js";
import { createDelivery } from "./registry.js";
import { toSubscriber } from "./subscriber.js";
import type { ExporterContext, SiemSubscriber } from "./types.js";

export type { ExporterOptions, ExporterType } from "./options.js";
export type { ExporterContext, ExporterStats, SiemSubscriber } from "./types.js";
export { exporterTypes } from "./registry.js";
export { FACILITY } from "./encode/syslog.js";
export {
  signWebhook,
  verifyWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./exporters/webhook/signature.js";

/**
 * Builds one event-bus subscriber per configured exporter. Each factory validates its options and
 * resolves its secrets now, so a bad exporter stops start-up with a clear message instead of
 * failing on the first event. Subscribe them to the bus; close them after the bus has drained.
 */
export function createSiemSubscribers(
  exporters: readonly ExporterOptions[],
  context: ExporterContext,
): SiemSubscriber[] {
  const built: SiemSubscriber[] = [];
  try {
    for (const options of exporters)
      built.push(toSubscriber(options, createDelivery(options, context), context));
  } catch (error) {
    for (const subscriber of built) void subscriber.close();
    throw error;
  }
  return built;
}
