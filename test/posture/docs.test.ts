import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/posture/index.js";

const DOC = readFileSync(new URL("../../docs/posture.md", import.meta.url), "utf8");

/** Prettier may re-wrap prose: compare with whitespace runs collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ").trim();

/** The `### id` sections of the rule list, by id. */
function sections(): Map<string, string> {
  const out = new Map<string, string>();
  const parts = DOC.split(/^### /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf("\n");
    out.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return out;
}

/** STYLE.md §7: the rule reference is checked against the rules, so the two cannot drift. */
describe("docs/posture.md", () => {
  it("has one section per rule, in the order of the report, and no other", () => {
    expect([...sections().keys()]).toEqual(RULES.map((r) => r.id));
  });

  it.each(RULES.map((r) => [r.id, r] as const))(
    "%s: title, severity, why and fix as in the code",
    (id, rule) => {
      const section = flat(sections().get(id) ?? "");
      expect(section).toContain(`**${rule.title}** · severity **${rule.severity}**`);
      expect(section).toContain(flat(rule.why));
      expect(section).toContain(flat(rule.fix));
      for (const ref of rule.refs) expect(section).toContain(ref);
    },
  );

  it("lists every rule in the summary table with its severity", () => {
    for (const rule of RULES) {
      const row = new RegExp(
        `^\\| \\[\`${rule.id}\`\\]\\(#${rule.id}\\)\\s*\\| ${rule.severity}\\s*\\|`,
        "m",
      );
      expect(DOC).toMatch(row);
    }
  });
});
