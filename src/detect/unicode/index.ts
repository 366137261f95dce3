/**
 * Normalisation and de-obfuscation: runs once per text, before every detector (issue 3, scope 1).
 *
 * `prepare(text)` returns the original plus the views a detector may scan:
 * - "normalized": NFKC (UAX #15) with hidden code points removed (zero-width, bidi controls,
 *   tags, variation selectors); present only when it differs from the original;
 * - "skeleton": look-alike letters and punctuation folded to ASCII (skeleton.ts, after UTS #39);
 *   present only when it differs from the normalised text;
 * - "decoded:<codec>": one view per decoded segment (base64, hex, url, rot13, leet, and "tags" for
 *   ASCII smuggled in tag characters), nested at most two deep.
 * Every view maps its offsets back to the original text in UTF-16 units.
 *
 * Plain ASCII without encoded-looking content takes the fast path: one signal pass, and the only
 * view is the original.
 */
import { z } from "zod";
import { originalView } from "../text-view.js";
import type { Detector, Finding, PreparedText, Severity, TextView } from "../types.js";
import { decodeSegments, type DecodeBudget, type Decoded } from "./decode.js";
import type { HiddenKind } from "./invisible.js";
import { normalize, type HiddenRun } from "./normalize.js";
import { skeleton } from "./skeleton.js";

export const prepareOptionsSchema = z
  .object({
    /** Decoding depth: 0 turns decoding off; issue 3 caps it at 2 (base64 inside base64). */
    maxDepth: z.number().int().min(0).max(2).default(2),
    /** Decoded views per text: bounds the work detectors do on one adversarial text. */
    maxDecodedViews: z.number().int().min(0).max(64).default(16),
    /** Decoded UTF-16 units per text, over all decoded views. */
    maxDecodedChars: z
      .number()
      .int()
      .min(0)
      .max(1 << 22)
      .default(1 << 16),
    /** Shortest base64/hex run worth decoding: 16 characters carry 12 bytes, enough for a word. */
    minEncodedLength: z.number().int().min(8).max(1024).default(16),
    /** Build the confusables skeleton view. */
    skeleton: z.boolean().default(true),
  })
  .strict();

export type PrepareOptions = z.output<typeof prepareOptionsSchema>;

/**
 * Where the normalised view differs from the original (see `Normalized.changed`), kept beside the
 * view object rather than on it so that the TextView shape stays as it is.
 */
const CHANGES = new WeakMap<TextView, readonly number[] | null>();

/**
 * The ranges of `view` that differ from the original text, as [start, end, …] in view offsets, for
 * detectors that rescan only around them; undefined when not known (scan the whole view) and null
 * when the changes are too many to list.
 */
export function viewChanges(view: TextView): readonly number[] | null | undefined {
  return CHANGES.get(view);
}
export type PrepareOptionsInput = z.input<typeof prepareOptionsSchema>;

const DEFAULTS: PrepareOptions = prepareOptionsSchema.parse({});

/** Obfuscation findings per text; a text with thousands of homoglyph words needs only a few. */
const MAX_OBFUSCATION_FINDINGS = 32;

const HIDDEN_SEVERITY: Record<HiddenKind, { severity: Severity; score: number; what: string }> = {
  tag_characters: { severity: "high", score: 0.95, what: "Unicode tag characters (invisible ASCII)" },
  bidi_control: { severity: "medium", score: 0.8, what: "bidirectional control characters" },
  zero_width: { severity: "medium", score: 0.75, what: "zero-width characters" },
  variation_selectors: { severity: "medium", score: 0.7, what: "a run of variation selectors" },
  invisible_filler: { severity: "low", score: 0.6, what: "invisible filler characters" },
};

function hiddenFinding(run: HiddenRun): Finding {
  const base = HIDDEN_SEVERITY[run.kind];
  // A lone LRM/RLM inside a word is odd but weak; overrides and isolates are the real attack.
  const weakBidi = run.kind === "bidi_control" && !run.strongBidi;
  if (run.kind === "zero_width" && !run.insideWord && run.count < 4) {
    // A short zero-width run between words hides nothing (it is a common copy-paste artefact of
    // web text): recorded as a note that does not flag, unlike one that splits a word.
    return { ...hiddenBase(run, base.what), severity: "info", score: 0.3 };
  }
  return {
    ...hiddenBase(run, base.what),
    severity: weakBidi ? "low" : base.severity,
    score: weakBidi ? 0.6 : base.score,
  };
}

function hiddenBase(run: HiddenRun, what: string): Omit<Finding, "severity" | "score"> {
  const codes = run.sample.map((cp) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`).join(",");
  return {
    detector: "unicode",
    kind: run.kind,
    category: "hidden_text",
    span: [run.start, run.end],
    evidence: `${codes} ×${run.count}`,
    rule: `unicode.${run.kind}`,
    reason: `${run.count} hidden code point(s): ${what}${run.insideWord ? " inside a word" : ""}`,
  };
}

function obfuscationFinding(kind: string, span: [number, number], reason: string, score: number): Finding {
  return {
    detector: "unicode",
    kind,
    category: "obfuscation",
    severity: "low",
    score,
    span,
    rule: `unicode.${kind}`,
    reason,
  };
}

/** A view whose text came from [start, end) of `parent`. */
function segmentView(parent: TextView, d: Decoded, depth: number): TextView {
  if (d.aligned) {
    const offset = d.start;
    return {
      text: d.text,
      origin: `decoded:${d.codec}`,
      depth,
      toOriginal: (s, e) => {
        const from = Math.max(0, Math.min(d.text.length, s));
        const to = Math.max(from, Math.min(d.text.length, e));
        return parent.toOriginal(offset + from, offset + to);
      },
    };
  }
  // Decoded bytes have no finer alignment with the encoded characters: any range maps to the
  // whole encoded segment.
  const span = parent.toOriginal(d.start, d.end);
  return { text: d.text, origin: `decoded:${d.codec}`, depth, toOriginal: () => [span[0], span[1]] };
}

function prepareWith(original: string, options: PrepareOptions): PreparedText {
  const views: TextView[] = [originalView(original)];
  const findings: Finding[] = [];
  const n = original.length;

  const norm = normalize(original);
  let base: TextView = views[0] as TextView;
  if (norm.map) {
    const map = norm.map;
    const normalized: TextView = {
      text: norm.text,
      origin: "normalized",
      depth: 0,
      toOriginal: (s, e) => map.toSource(s, e, n),
    };
    CHANGES.set(normalized, norm.changed);
    base = normalized;
    views.push(base);
  }
  for (const run of norm.hidden) findings.push(hiddenFinding(run));

  let obfuscations = 0;
  if (options.skeleton) {
    const sk = skeleton(base.text);
    if (sk.text !== null) {
      views.push({ text: sk.text, origin: "skeleton", depth: 0, toOriginal: base.toOriginal });
    }
    for (const [s, e] of sk.mixedWords) {
      if (obfuscations++ >= MAX_OBFUSCATION_FINDINGS) break;
      findings.push(
        obfuscationFinding(
          "homoglyph",
          base.toOriginal(s, e),
          "word mixes Latin letters with look-alike letters from another script (UTS #39 mixed-script)",
          0.6,
        ),
      );
    }
  }

  if (options.maxDepth === 0) return { original, views, findings };
  const budget: DecodeBudget = { views: options.maxDecodedViews, chars: options.maxDecodedChars };

  // Tag characters carry ASCII: the hidden message is a decoded view of its own.
  const layer: TextView[] = [];
  for (const run of norm.hidden) {
    if (run.kind !== "tag_characters" || run.payload.length === 0) continue;
    if (budget.views <= 0 || budget.chars < run.payload.length) break;
    budget.views--;
    budget.chars -= run.payload.length;
    const span: [number, number] = [run.start, run.end];
    const view: TextView = { text: run.payload, origin: "decoded:tags", depth: 1, toOriginal: () => span };
    views.push(view);
    layer.push(view);
  }

  const decodeFrom = (parent: TextView, depth: number): TextView[] => {
    const children: TextView[] = [];
    for (const d of decodeSegments(parent.text, budget, options.minEncodedLength)) {
      const view = segmentView(parent, d, depth);
      views.push(view);
      children.push(view);
      // ROT13 and leetspeak were accepted because they reveal words; encoded segments are
      // reported only when they decode to prose (a JWT header or a data blob is not an attack).
      if ((d.aligned || d.language) && obfuscations++ < MAX_OBFUSCATION_FINDINGS) {
        findings.push(
          obfuscationFinding(
            d.aligned ? `${d.codec}_text` : `encoded_${d.codec}`,
            view.toOriginal(0, view.text.length),
            d.aligned
              ? `text reads as English after ${d.codec} decoding`
              : `${d.codec} segment decodes to prose`,
            0.5,
          ),
        );
      }
    }
    return children;
  };

  layer.push(...decodeFrom(base, 1));
  if (options.maxDepth >= 2) {
    for (const parent of layer) decodeFrom(parent, 2);
  }
  return { original, views, findings };
}

/** Validates options once and returns a preparer to call per text. */
export function createPreparer(options: PrepareOptionsInput = {}): (text: string) => PreparedText {
  const resolved = prepareOptionsSchema.parse(options);
  return (text) => prepareWith(text, resolved);
}

/** Normalises and de-obfuscates `text` once; see the module comment for the views it returns. */
export function prepare(text: string, options?: PrepareOptionsInput): PreparedText {
  return prepareWith(text, options ? prepareOptionsSchema.parse(options) : DEFAULTS);
}

export const unicodeDetectorOptionsSchema = z.object({}).strict();

/**
 * The "unicode" detector reports what preparation found (hidden characters, homoglyphs, encoded
 * prose); it exists so that these findings can be selected like any other detector's.
 */
export function createUnicodeDetector(options: z.input<typeof unicodeDetectorOptionsSchema> = {}): Detector {
  unicodeDetectorOptionsSchema.parse(options);
  return {
    id: "unicode",
    categories: ["hidden_text", "obfuscation"],
    scan: (input) => input.findings.filter((f) => f.detector === "unicode"),
  };
}

/** Builds the lazily built lookup tables now, so that no request pays for them (start-up). */
export function warmUp(): void {
  prepare("\u00e9\u0430\u200b");
}
