import { describe, expect, it } from "vitest";
import { buildFilter } from "../../src/siem/filter.js";
import type { FilterOptions } from "../../src/siem/options.js";
import { samples } from "./helpers/samples.js";

const all: FilterOptions = { minSeverity: "info", categories: [], classes: [] };

describe("exporter filter", () => {
  it.each([
    [
      "everything by default",
      all,
      ["allowed", "blocked", "adminAction", "hostile", "manyFindings", "anonymous"],
    ],
    // blocked is critical through its secret finding, manyFindings high through one finding.
    [
      "minimum severity counts the worst finding",
      { ...all, minSeverity: "high" },
      ["blocked", "manyFindings"],
    ],
    ["categories need a finding of that category", { ...all, categories: ["secret"] }, ["blocked"]],
    [
      "categories: any of them",
      { ...all, categories: ["secret", "pii"] },
      ["blocked", "hostile", "manyFindings"],
    ],
    ["classes", { ...all, classes: ["admin_activity"] }, ["adminAction"]],
    [
      "all conditions together",
      { minSeverity: "medium", categories: ["pii"], classes: ["api_activity"] },
      ["hostile", "manyFindings"],
    ],
  ] as const)("%s", (_, options, expected) => {
    const filter = buildFilter(options as FilterOptions);
    const passed = Object.entries(samples)
      .filter(([, event]) => filter(event))
      .map(([name]) => name);
    expect(passed).toEqual(expected);
  });
});
