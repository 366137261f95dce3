/** docs/scanning.md is kept in step with the code: the allow-list, the finding kinds and the bypass tests. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SAFE_GLOBALS } from "../../../src/scan/model/index.js";

const doc = readFileSync(new URL("../../../docs/scanning.md", import.meta.url), "utf8");
const source = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

describe("docs/scanning.md", () => {
  it("lists every allow-list entry with its names", () => {
    for (const group of SAFE_GLOBALS) {
      const row = doc
        .split("\n")
        .find((l) => l.startsWith(`| \`${group.module}\``) && l.includes(`\`${group.names[0]}\``));
      expect(row, group.module).toBeDefined();
      for (const name of group.names) expect(row).toContain(`\`${name}\``);
    }
  });

  it("documents every finding kind the scanner emits", () => {
    const files = [
      "src/scan/model/index.ts",
      "src/scan/model/pickle/simulate.ts",
      "src/scan/model/formats/pickle.ts",
      "src/scan/model/formats/zip.ts",
      "src/scan/model/formats/keras.ts",
      "src/scan/model/formats/gguf.ts",
      "src/scan/model/formats/onnx.ts",
      "src/scan/model/formats/safetensors.ts",
      "src/scan/model/formats/npy.ts",
      "src/scan/model/formats/tar.ts",
      "src/scan/model/formats/hdf5.ts",
    ];
    const kinds = new Set<string>();
    for (const f of files) {
      const text = source(f);
      for (const m of text.matchAll(/(?:finding\(|report\(|kind: )\s*"([a-z0-9]+(?:-[a-z0-9]+)+)"/g))
        kinds.add(m[1]!);
    }
    expect(kinds.size).toBeGreaterThan(20);
    const undocumented = [...kinds].filter((k) => !doc.includes(`\`${k}\``) && !k.startsWith("invalid-"));
    expect(undocumented).toEqual([]);
  });

  it("numbers the bypasses exactly as test/scan/model/bypasses.test.ts does", () => {
    const tests = [...source("test/scan/model/bypasses.test.ts").matchAll(/it\("(\d+)\. /g)].map((m) =>
      Number(m[1]),
    );
    const section = doc.slice(doc.indexOf("### Bypasses"), doc.indexOf("### Limits"));
    const listed = [...section.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1]));
    expect(tests.length).toBeGreaterThanOrEqual(20);
    expect(listed).toEqual(tests);
  });
});
