import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configSchema } from "../../src/config/index.js";

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};

/** Every leaf setting of the schema, as a dotted path (providers by their own field names). */
function settings(schema: JsonSchema, prefix = ""): string[] {
  const variants = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (variants.length) return variants.flatMap((v) => settings(v, prefix));
  if (schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, value]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      const nested = settings(value, path);
      return nested.length ? nested : [path];
    });
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return settings(schema.additionalProperties, "");
  }
  return [];
}

/** STYLE.md §7: the settings reference is checked against the schema, so the two cannot drift. */
describe("docs/configuration.md", () => {
  it("documents every setting of the schema", () => {
    const doc = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
    const jsonSchema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const all = settings(jsonSchema);
    expect(all.length).toBeGreaterThan(30);
    const missing = all.filter(
      (path) => !doc.includes(`\`${path}\``) && !doc.includes(`\`${path.split(".").slice(1).join(".")}\``),
    );
    expect(missing).toEqual([]);
  });
});
