import type { ExpectedWorkload } from "./detectors/index.js";
import type { MaximalThresholds } from "./observe.js";

/**
 * Options of the analytics engine. The `analytics:` configuration section
 * (src/config/sections/analytics.ts) validates the same shape at start-up; this room may import
 * only `events`, so the shape is declared here and the composition root passes it through.
 */
export interface AnalyticsOptions {
  /** Score at which an identity is flagged and a detection is published. */
  threshold: number;
  /** A detection of the same category for the same identity is published again after this long at most once. */
  cooldownMs: number;
  /** Identities kept in memory; the least recently seen is forgotten first (bounded memory). */
  maxIdentities: number;
  /** Teams kept in memory (team baselines). */
  maxTeams: number;
  maximal: MaximalThresholds;
  /** Declared workloads, by key id or key name, and by team. */
  expected: { keys: Record<string, ExpectedWorkload>; teams: Record<string, ExpectedWorkload> };
}

export const DEFAULT_OPTIONS: AnalyticsOptions = {
  threshold: 0.7,
  cooldownMs: 30 * 60_000,
  maxIdentities: 50_000,
  maxTeams: 2_000,
  maximal: { promptTokens: 16_000, maxTokens: 16_000 },
  expected: { keys: {}, teams: {} },
};

/** Checks what zod cannot see from here (the config section validates types and ranges). */
export function resolveOptions(partial: Partial<AnalyticsOptions> = {}): AnalyticsOptions {
  const options: AnalyticsOptions = {
    ...DEFAULT_OPTIONS,
    ...partial,
    maximal: { ...DEFAULT_OPTIONS.maximal, ...partial.maximal },
    expected: {
      keys: { ...partial.expected?.keys },
      teams: { ...partial.expected?.teams },
    },
  };
  if (!(options.threshold > 0 && options.threshold <= 1))
    throw new RangeError(`analytics threshold must be in (0, 1], got ${options.threshold}`);
  if (!(options.maxIdentities >= 1) || !(options.maxTeams >= 1))
    throw new RangeError("analytics maxIdentities and maxTeams must be at least 1");
  return options;
}
