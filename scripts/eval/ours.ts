/**
 * Portcullis as the eval sees it: the default engine (every registered detector, default
 * options), read through the same result shape as `portcullis detect` (issue 3, scope 7), so the
 * figures here are the figures a user of the CLI or the library gets.
 */
import { resultOf } from "../../src/cli/commands/detect/index.js";
import { createEngine, dedupe, sortFindings, type Engine } from "../../src/detect/engine.js";
import { createInjectionDetector } from "../../src/detect/injection/index.js";
import type { Category, Finding, ScanOptions } from "../../src/detect/types.js";

export interface Ours {
  /** Detector ids that run on every text. */
  detectors: readonly string[];
  /** Set when the injection detector had to be run beside the engine (not registered yet). */
  note?: string;
  scan(text: string, options?: ScanOptions): Finding[];
  engine: Engine;
}

export function createOurs(): Ours {
  const engine = createEngine();
  if (engine.detectors.includes("injection")) {
    return { detectors: engine.detectors, engine, scan: (text, options = {}) => engine.scan(text, options) };
  }
  // The injection detector exists but is not in the registry: run it beside the engine on the
  // same prepared text, as the engine would.
  const injection = createInjectionDetector();
  return {
    detectors: [...engine.detectors, "injection"],
    engine,
    note: "the injection detector is not in the detector registry at this commit; the eval runs it beside the engine on the same prepared text",
    scan: (text, options = {}) => {
      const prepared = engine.prepare(text);
      const findings = engine.scanPrepared(prepared, options);
      findings.push(...injection.scan(prepared, options));
      return sortFindings(dedupe(findings));
    },
  };
}

/** Categories a `portcullis detect` line would report for these findings ("info" notes excluded). */
export function flaggedCategories(text: string, findings: readonly Finding[]): Set<Category> {
  return new Set(resultOf(text, findings).categories as Category[]);
}

export const isInjectionFlag = (cats: ReadonlySet<Category>): boolean =>
  cats.has("prompt_injection") || cats.has("jailbreak");
