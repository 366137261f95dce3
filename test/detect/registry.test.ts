import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DETECTOR_IDS, detectorFactories } from "../../src/detect/registry.js";

const DETECT_DIR = join(import.meta.dirname, "../../src/detect");

/**
 * Detector folders whose factory is being written in parallel and not yet registered. An id may
 * stay here only while it is absent from the registry (checked below), so this list cannot rot.
 */
const PENDING = new Set<string>([]);

/** Folders of src/detect/ whose index.ts exports a `create…Detector` factory. */
function detectorFolders(): string[] {
  return readdirSync(DETECT_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((name) => {
      const index = join(DETECT_DIR, name, "index.ts");
      return existsSync(index) && /export function create\w+Detector\b/.test(readFileSync(index, "utf8"));
    })
    .sort();
}

describe("detector registry (STYLE.md §7)", () => {
  it("lists exactly the detector folders", () => {
    const registered = [...DETECTOR_IDS].sort();
    const folders = detectorFolders().filter((f) => !PENDING.has(f) || registered.includes(f as never));
    expect(registered).toEqual(folders);
  });

  it("keeps no pending entry that is already registered", () => {
    for (const id of PENDING) expect(DETECTOR_IDS as readonly string[]).not.toContain(id);
  });

  it.each(DETECTOR_IDS)(
    "%s: the factory builds a detector with that id and rejects unknown options",
    (id) => {
      const detector = detectorFactories[id]();
      expect(detector.id).toBe(id);
      expect(detector.categories.length).toBeGreaterThan(0);
      expect(() => (detectorFactories[id] as (o: unknown) => unknown)({ noSuchOption: 1 })).toThrow();
    },
  );
});
