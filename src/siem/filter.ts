import type { SecurityEvent } from "../events/index.js";
import type { FilterOptions } from "./options.js";
import { SEVERITY_RANK, effectiveSeverity } from "./severity.js";

/**
 * An exporter's filter: the event passes when it is severe enough (its own severity or its worst
 * finding's), has a finding in one of the listed categories (when any are listed), and is of one of
 * the listed classes (when any are listed).
 */
export function buildFilter(options: FilterOptions): (event: SecurityEvent) => boolean {
  const minRank = SEVERITY_RANK[options.minSeverity];
  const categories = options.categories.length > 0 ? new Set(options.categories) : null;
  const classes = options.classes.length > 0 ? new Set<string>(options.classes) : null;
  return (event) => {
    if (classes && !classes.has(event.class)) return false;
    if (categories && !event.findings.some((f) => categories.has(f.category))) return false;
    return minRank === 0 || SEVERITY_RANK[effectiveSeverity(event)] >= minRank;
  };
}
