/**
 * The detection engine (issue 3, scope 6): builds the selected detectors once (patterns compiled,
 * options validated, lookup tables warmed), then per text runs `prepare()` once and every
 * selected detector on the prepared views, de-duplicates overlapping findings of the same kind
 * and returns them sorted by span.
 */
import { z } from "zod";
import {
  DETECTOR_IDS,
  detectorFactories,
  isDetectorId,
  type DetectorFactory,
  type DetectorId,
} from "./registry.js";
import type { Detector, Finding, PreparedText, ScanOptions, Severity } from "./types.js";
import { createPreparer, prepareOptionsSchema, warmUp } from "./unicode/index.js";

/** A detector id or option the engine does not know: a configuration error, reported at build. */
export class DetectConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DetectConfigError";
  }
}

export const engineOptionsSchema = z
  .object({
    /** Detectors to build; all registered ones when absent. */
    detectors: z.array(z.string()).optional(),
    /** Options per detector id, validated by that detector's own schema. */
    detectorOptions: z.record(z.string(), z.unknown()).default({}),
    /** Normalisation and decoding bounds (unicode/index.ts). */
    prepare: prepareOptionsSchema.optional(),
  })
  .strict();

export type EngineOptions = z.input<typeof engineOptionsSchema>;

export interface Engine {
  /** Ids of the detectors this engine built, in registry order. */
  readonly detectors: readonly string[];
  /** Normalises and de-obfuscates once (the first step of `scan`). */
  prepare(text: string): PreparedText;
  /** Prepares `text` and runs the selected detectors. */
  scan(text: string, options?: ScanOptions): Finding[];
  /** Ids of the built detectors that can report any of these categories. */
  detectorsFor(categories: readonly string[]): string[];
  /** Runs the selected detectors on an already prepared text. */
  scanPrepared(prepared: PreparedText, options?: ScanOptions): Finding[];
  /**
   * `texts.map((t) => scan(t, options))`, faster over many small texts (a dataset's rows): the
   * detectors that can rule work out for all texts at once do so.
   */
  scanMany(texts: readonly string[], options?: ScanOptions): Finding[][];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function spanLength(f: Finding): number {
  return f.span ? f.span[1] - f.span[0] : 0;
}

/** Whether `a` should be kept over `b` when they overlap: higher score, then severity, then wider. */
function better(a: Finding, b: Finding): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.severity !== b.severity) return SEVERITY_RANK[a.severity] > SEVERITY_RANK[b.severity];
  return spanLength(a) > spanLength(b);
}

/**
 * Overlapping findings of the same category and kind (from several views, or several detectors)
 * collapse to the best one; findings of different kinds over the same text all stay, since a
 * policy may treat them differently. Spanless findings collapse per category and kind.
 */
export function dedupe(findings: Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.category}\u0000${f.kind}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const out: Finding[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      out.push(group[0] as Finding);
      continue;
    }
    let spanless: Finding | undefined;
    const spanned: Finding[] = [];
    for (const f of group) {
      if (f.span) spanned.push(f);
      else if (!spanless || better(f, spanless)) spanless = f;
    }
    if (spanless) out.push(spanless);
    spanned.sort((a, b) => (a.span as [number, number])[0] - (b.span as [number, number])[0]);
    let current: Finding | undefined;
    let currentEnd = -1;
    for (const f of spanned) {
      const [s, e] = f.span as [number, number];
      if (current && s < currentEnd) {
        if (better(f, current)) {
          out.pop();
          out.push(f);
          current = f;
        }
        currentEnd = Math.max(currentEnd, e);
        continue;
      }
      out.push(f);
      current = f;
      currentEnd = e;
    }
  }
  return out;
}

/** By span start, then end, then severity (highest first); findings without a span last. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => {
    if (!a.span || !b.span) return (a.span ? 0 : 1) - (b.span ? 0 : 1);
    return (
      a.span[0] - b.span[0] || a.span[1] - b.span[1] || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]
    );
  });
}

export function createEngine(options: EngineOptions = {}): Engine {
  const opts = engineOptionsSchema.parse(options);
  const ids = opts.detectors ?? DETECTOR_IDS;
  for (const id of [...ids, ...Object.keys(opts.detectorOptions)]) {
    if (!isDetectorId(id)) {
      throw new DetectConfigError(`unknown detector "${id}" (known: ${DETECTOR_IDS.join(", ")})`);
    }
  }
  const built = new Map<string, Detector>();
  for (const id of DETECTOR_IDS) {
    const factory: DetectorFactory = detectorFactories[id];
    if (ids.includes(id)) built.set(id, factory(opts.detectorOptions[id] ?? {}));
  }
  const preparer = createPreparer(opts.prepare ?? {});
  warmUp();
  const all = [...built.values()];

  const select = (wanted: readonly string[] | undefined): Detector[] => {
    if (!wanted) return all;
    const out: Detector[] = [];
    for (const id of wanted) {
      const d = built.get(id);
      if (!d) {
        throw new DetectConfigError(
          `detector "${id}" is not available in this engine (available: ${[...built.keys()].join(", ")})`,
        );
      }
      if (!out.includes(d)) out.push(d);
    }
    return out;
  };

  const scanPrepared = (prepared: PreparedText, scanOptions: ScanOptions = {}): Finding[] => {
    const findings: Finding[] = [];
    // A loop, not push(...found): a long document can have more findings than a call takes
    // arguments (RangeError: Maximum call stack size exceeded).
    for (const d of select(scanOptions.detectors))
      for (const f of d.scan(prepared, scanOptions)) findings.push(f);
    return sortFindings(dedupe(findings));
  };

  return {
    detectors: [...built.keys()],
    detectorsFor: (categories) =>
      [...built.entries()]
        .filter(([, d]) => d.categories.some((c) => categories.includes(c)))
        .map(([id]) => id),
    prepare: preparer,
    scan: (text, scanOptions = {}) => {
      // Validate the selection before doing any work.
      select(scanOptions.detectors);
      return scanPrepared(preparer(text), scanOptions);
    },
    scanPrepared,
    scanMany: (texts, scanOptions = {}) => {
      const detectors = select(scanOptions.detectors);
      const prepared = texts.map((t) => preparer(t));
      const found: Finding[][] = prepared.map(() => []);
      for (const d of detectors) {
        const each = d.scanMany
          ? d.scanMany(prepared, scanOptions)
          : prepared.map((p) => d.scan(p, scanOptions));
        each.forEach((list, i) => {
          const into = found[i]!;
          for (const f of list) into.push(f);
        });
      }
      return found.map((list) => sortFindings(dedupe(list)));
    },
  };
}

let defaultEngine: Engine | undefined;

/** The default engine (every registered detector, default options), built on first use. */
export function getDefaultEngine(): Engine {
  defaultEngine ??= createEngine();
  return defaultEngine;
}

/** Scans one text with the default engine: `scanText(text, { detectors, context })`. */
export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  return getDefaultEngine().scan(text, options);
}

export type { DetectorId };
