import { describe, expect, it } from "vitest";
import { providerSchema } from "../../../src/config/index.js";
import { PROVIDER_FACTORIES } from "../../../src/gateway/providers/index.js";

/** STYLE.md §7: the config schema's provider types and the factory registry cannot drift apart. */
describe("provider registry", () => {
  it("has exactly one factory per provider type the configuration accepts", () => {
    const configured = providerSchema.options.map((option) => option.shape.type.value).sort();
    expect(Object.keys(PROVIDER_FACTORIES).sort()).toEqual(configured);
  });
});
