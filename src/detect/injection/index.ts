/**
 * Prompt-injection and jailbreak detector (issue 3, scope item 2).
 *
 * Two layers, both compiled once by the factory:
 * 1. rule families as data (`rules/`), all patterns in one RE2 set with keyword prefilters;
 * 2. a trained classifier (`model.ts`, weights in `models/`), calibrated per category and with
 *    separate thresholds for user prompts and retrieved documents (`context: "document"`).
 *
 * It scans every view of the prepared text. Rules run on all views; the classifier runs on the
 * normalised view (or the original when there is none) and on decoded views. A hit on a decoded
 * view is reported as `encoded_payload` with the codec named in the reason. Spans always refer
 * to the original text (`view.toOriginal`).
 */
import { z } from "zod";
import { maskEvidence } from "../mask.js";
import type {
  Category,
  DetectContext,
  Detector,
  Finding,
  PreparedText,
  ScanOptions,
  Severity,
  TextView,
} from "../types.js";
import { compileRules, type RuleHit } from "./compile.js";
import { extractFeatures, looksLikeInstruction, segmentText } from "./features.js";
import {
  calibrated,
  loadModel,
  logitOf,
  parseModel,
  jailbreakLogit,
  promptLogits,
  type Head,
  type LoadedModel,
  type ModelJson,
} from "./model.js";
import { insideQuotes, maskQuotes, quotedRanges } from "./quotes.js";
import { injectionRules } from "./rules/index.js";
import type { InjectionRule } from "./rules/types.js";

export { injectionRules } from "./rules/index.js";
export type { InjectionRule } from "./rules/types.js";

const thresholdPair = z
  .object({ prompt_injection: z.number().min(0).max(1), jailbreak: z.number().min(0).max(1) })
  .partial();

/** Options of `createInjectionDetector`, validated when the detector is built (STYLE.md §1, §8). */
export const injectionOptionsSchema = z
  .object({
    /** Run the trained classifier (rules always run). Off only for debugging or tiny deployments. */
    classifier: z.boolean().default(true),
    /** Model file; default `models/injection-classifier.json` of this package. */
    modelPath: z.string().min(1).optional(),
    /** Override the calibrated thresholds per context (probabilities in [0, 1]). */
    thresholds: z
      .object({ prompt: thresholdPair.optional(), document: thresholdPair.optional() })
      .partial()
      .optional(),
    /**
     * Characters of one view the classifier reads (the rules read everything): bounds the time on
     * multi-megabyte inputs. An injection planted beyond this point is found by rules only.
     */
    maxClassifierChars: z.number().int().min(1_000).max(10_000_000).default(200_000),
  })
  .strict();

export type InjectionDetectorOptions = z.input<typeof injectionOptionsSchema> & {
  /** A parsed model object instead of a file (tests, training-time evaluation). */
  model?: ModelJson;
};

type InjectionCategory = "prompt_injection" | "jailbreak";

interface Thresholds {
  prompt: Record<InjectionCategory, number>;
  document: Record<InjectionCategory, number>;
}

/**
 * Texts pre-filtered together by `scanMany`: over a run of 512 prompts some rule group nearly
 * always matched somewhere, and every text then paid for it; runs of 32 were fastest on prompts
 * (−28 % of the detector's time, by CPU time) and within 2 % of the best on made-up prose. That
 * was measured when a group that matched a run was tried in full on each of its texts; now each
 * text is tested alone first, which makes the run's length matter less.
 */
const MANY_RUN = 32;

/** Fewest non-space characters a text needs before the classifier reads it. */
export const MIN_CLASSIFIER_CHARS = 8;

function visibleChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length && n < MIN_CLASSIFIER_CHARS; i++) {
    const c = text.charCodeAt(i);
    if (!(c === 32 || (c >= 9 && c <= 13) || c === 0xa0)) n++;
  }
  return n;
}

/**
 * Texts of fewer words than this carry little evidence for an n-gram model ("test message" once
 * scored 0.93): the classifier must then be near certain, and the rules do the rest.
 */
export const SHORT_TEXT_WORDS = 4;
export const SHORT_TEXT_THRESHOLD = 0.97;

function fewWords(text: string): boolean {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const wordChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;
    if (wordChar && !inWord && ++words >= SHORT_TEXT_WORDS) return false;
    inWord = wordChar;
  }
  return true;
}

function severityOf(score: number): Severity {
  if (score >= 0.9) return "high";
  if (score >= 0.75) return "medium";
  return "low";
}

function codecOf(view: TextView): string | undefined {
  return view.origin.startsWith("decoded:") ? view.origin.slice("decoded:".length) : undefined;
}

/** Word-level explanation of a classifier score: the words whose n-grams push it up most. */
const WORD_RE = /[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu;

/**
 * Words' scores per head, remembered: an explanation scores every word of the text on its own, and
 * the same words come back in text after text (on a dataset of prompts, explanations took a seventh
 * of the detector's time). Bounded: cleared when full.
 */
const WORD_SCORE_CACHE = 50_000;
const wordScores = new WeakMap<Head, Map<string, number>>();

function wordScore(head: Head, word: string, clusters: LoadedModel["clusters"]): number {
  let cache = wordScores.get(head);
  if (!cache) wordScores.set(head, (cache = new Map()));
  const known = cache.get(word);
  if (known !== undefined) return known;
  const padded = ` ${word} `;
  const f = extractFeatures(padded, padded, 0, padded.length, clusters);
  let s = 0;
  for (let i = 0; i < f.nChar + f.nWord; i++) s += head.weights[f.buffer[i]!]!;
  if (cache.size >= WORD_SCORE_CACHE) cache.clear();
  cache.set(word, s);
  return s;
}

function topContributors(
  head: Head,
  text: string,
  start: number,
  end: number,
  clusters: LoadedModel["clusters"],
  k = 3,
): string[] {
  const scores = new Map<string, number>();
  const slice = text.slice(start, Math.min(end, start + 20_000));
  let count = 0;
  for (const m of slice.matchAll(WORD_RE)) {
    if (++count > 3000) break;
    const word = m[0].toLowerCase();
    if (scores.has(word)) continue;
    scores.set(word, wordScore(head, word, clusters));
  }
  return [...scores.entries()]
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([w]) => w);
}

export function createInjectionDetector(options: InjectionDetectorOptions = {}): Detector {
  const { model: modelJson, ...rest } = options;
  const opts = injectionOptionsSchema.parse(rest);
  const rules = compileRules(injectionRules);
  let model: LoadedModel | undefined;
  if (opts.classifier) model = modelJson ? parseModel(modelJson) : loadModel(opts.modelPath);
  const thresholds: Thresholds = {
    prompt: {
      prompt_injection:
        opts.thresholds?.prompt?.prompt_injection ?? model?.thresholds.prompt.prompt_injection ?? 0.5,
      jailbreak: opts.thresholds?.prompt?.jailbreak ?? model?.thresholds.prompt.jailbreak ?? 0.5,
    },
    document: {
      prompt_injection:
        opts.thresholds?.document?.prompt_injection ?? model?.thresholds.document.prompt_injection ?? 0.5,
      jailbreak: opts.thresholds?.document?.jailbreak ?? model?.thresholds.document.jailbreak ?? 0.5,
    },
  };
  const segBuf: number[] = [];
  const logits = new Float64Array(2);

  /** Both prompt heads' probabilities for a text (used by fusion on the prompt's own words). */
  function promptProbs(text: string): { pInj: number; pJb: number } {
    if (!model) return { pInj: 1, pJb: 1 };
    const f = extractFeatures(text, text.toLowerCase(), 0, text.length, model.clusters);
    promptLogits(model, f.buffer, f.nChar, f.nWord, f.nShape, logits);
    return {
      pInj: calibrated(model.heads.prompt_injection, logits[0]!),
      pJb: calibrated(model.heads.jailbreak, logits[1]!),
    };
  }

  function ruleFinding(hit: RuleHit, view: TextView): Finding {
    const rule: InjectionRule = hit.rule;
    const codec = codecOf(view);
    const span = view.toOriginal(hit.start, hit.end);
    return {
      detector: "injection",
      kind: codec ? "encoded_payload" : rule.family,
      category: rule.category,
      severity: severityOf(hit.score),
      score: hit.score,
      span,
      evidence: maskEvidence(view.text.slice(hit.start, hit.end), 12),
      rule: rule.id,
      reason: codec ? `${rule.description} (found after decoding ${codec})` : rule.description,
    };
  }

  /**
   * Runs the classifier on one view and returns the prompt-level probabilities (injection,
   * jailbreak) it computed, for rule fusion; `lowerView` is `view.text.toLowerCase()`.
   */
  function classify(
    view: TextView,
    lowerView: string,
    context: DetectContext,
    out: Finding[],
    explain: boolean,
  ): { pInj: number; pJb: number } | undefined {
    if (!model) return undefined;
    const cut = view.text.length > opts.maxClassifierChars;
    const text = cut ? view.text.slice(0, opts.maxClassifierChars) : view.text;
    // A handful of characters carries too little evidence for an n-gram model ("ab" once scored
    // 0.73): such texts are left to the rules.
    if (visibleChars(text) < MIN_CLASSIFIER_CHARS) return undefined;
    const lower = cut ? lowerView.slice(0, opts.maxClassifierChars) : lowerView;
    const codec = codecOf(view);
    const th = context === "document" ? thresholds.document : thresholds.prompt;
    const emit = (
      category: InjectionCategory,
      head: Head,
      score: number,
      start: number,
      end: number,
      what: string,
    ) => {
      const clusters = head === model!.heads.document ? undefined : model!.clusters;
      const words = explain ? topContributors(head, text, start, end, clusters) : [];
      out.push({
        detector: "injection",
        kind: codec ? "encoded_payload" : "classifier",
        category,
        severity: severityOf(score),
        score,
        span: view.toOriginal(start, end),
        rule: "classifier",
        reason:
          `${what} scored ${score.toFixed(2)} (threshold ${th[category].toFixed(2)})` +
          (words.length ? `; top n-grams: ${words.map((w) => `"${w}"`).join(", ")}` : "") +
          (codec ? `; found after decoding ${codec}` : ""),
      });
    };

    const short = fewWords(text);
    const need = (category: InjectionCategory) =>
      short ? Math.max(th[category], SHORT_TEXT_THRESHOLD) : th[category];
    const clusters = model.clusters;
    const jb = model.heads.jailbreak;
    if (context === "document") {
      // Cluster features apart: the buffer then holds the document head's features of the whole
      // text, which a one-sentence document (most dataset rows) scores without a second extraction.
      const f = extractFeatures(text, lower, 0, text.length, clusters, true);
      const pJb = calibrated(jb, jailbreakLogit(model, f));
      const doc = model.heads.document;
      const seg = segmentText(text, segBuf);
      let best = 0;
      let bestStart = 0;
      let bestEnd = 0;
      const whole = seg.length === 2 && seg[0] === 0 && seg[1] === text.length;
      for (let i = 0; i < seg.length; i += 2) {
        const s = seg[i]!;
        const e = seg[i + 1]!;
        if (e - s < 8 || !looksLikeInstruction(lower, s, e, text)) continue;
        // The document head was trained without word clusters (models/README.md).
        const g = whole ? f : extractFeatures(text, lower, s, e);
        const p = calibrated(doc, logitOf(doc, g.buffer, g.nChar, g.nWord, g.nShape));
        if (p > best) {
          best = p;
          bestStart = s;
          bestEnd = e;
        }
      }
      // Emitted after the sentences are scored: emit's explanation extracts features again.
      if (pJb >= need("jailbreak"))
        emit("jailbreak", jb, pJb, 0, text.length, "jailbreak classifier (whole document)");
      if (best >= th.prompt_injection)
        emit("prompt_injection", doc, best, bestStart, bestEnd, "indirect-injection classifier (sentence)");
      return undefined;
    }
    const f = extractFeatures(text, lower, 0, text.length, clusters);
    promptLogits(model, f.buffer, f.nChar, f.nWord, f.nShape, logits);
    const pJb = calibrated(jb, logits[1]!);
    const inj = model.heads.prompt_injection;
    const pInj = calibrated(inj, logits[0]!);
    if (pInj >= need("prompt_injection"))
      emit("prompt_injection", inj, pInj, 0, text.length, "injection classifier");
    if (pJb >= need("jailbreak")) emit("jailbreak", jb, pJb, 0, text.length, "jailbreak classifier");
    return { pInj, pJb };
  }

  /** One text's findings; `groups`: the rule groups that can match it (all when undefined). */
  function scanOne(input: PreparedText, scanOptions: ScanOptions, groups?: ReadonlySet<number>): Finding[] {
    const context: DetectContext = scanOptions.context === "document" ? "document" : "prompt";
    const findings: Finding[] = [];
    const seenRules = new Set<string>();
    const hasNormalized = input.views.some((v) => v.origin === "normalized");
    const mainOrigin = hasNormalized ? "normalized" : "original";
    // Each view is lower-cased once and shared by the rules and the classifier. The classifier
    // runs first so that its verdict on the whole prompt can temper the rules (fusion below).
    const lowers = input.views.map((v) => v.text.toLowerCase());
    let main: { pInj: number; pJb: number } | undefined;
    // Quoted ranges per view and the classifier's verdict on the prompt's own words, computed
    // only when a rule fires (fusion below).
    let quoteCache: Map<number, { ranges: number[]; own?: { pInj: number; pJb: number } }> | undefined;
    const quotesOf = (view: TextView, i: number) => {
      quoteCache ??= new Map();
      let q = quoteCache.get(i);
      if (!q) quoteCache.set(i, (q = { ranges: quotedRanges(view.text) }));
      return q;
    };
    // Words that mix Latin letters with look-alikes from other scripts ("ѕуѕtеm") hide an
    // attack's n-grams from the classifier; then it also reads the skeleton view, where they are
    // folded back to the letters a reader sees. Only then: the skeleton also folds accents and
    // curly quotes, which the classifier's training text kept.
    const homoglyphs = input.findings.some((f) => f.kind === "homoglyph");
    input.views.forEach((view, i) => {
      if (view.text.length === 0) return;
      const decoded = view.depth > 0 || view.origin.startsWith("decoded:");
      if (decoded || view.origin === mainOrigin || (homoglyphs && view.origin === "skeleton")) {
        const p = classify(view, lowers[i]!, context, findings, scanOptions.explain !== false);
        if (view.origin === mainOrigin) main = p;
      }
    });
    input.views.forEach((view, i) => {
      if (view.text.length === 0) return;
      const decoded = view.depth > 0 || view.origin.startsWith("decoded:");
      for (const hit of rules.match(view.text, lowers[i]!, context, groups)) {
        const key = `${hit.rule.id}|${codecOf(view) ?? ""}`;
        if (seenRules.has(key)) continue;
        seenRules.add(key);
        const f = ruleFinding(hit, view);
        // Fusion: a rule that fires only inside quotation marks, in a prompt whose own words
        // (quotes masked) and whole text the classifier both leave unflagged, is a quotation or
        // a discussion of an attack ("what does 'ignore previous instructions' mean?"). The
        // finding stays, as a note ("info" does not flag), with its score lowered. Rules marked
        // noFusion (forged chat-template tokens) are exempt.
        if (main && !decoded && !hit.rule.noFusion && context === "prompt") {
          const th = thresholds.prompt;
          const quiet = main.pInj < th.prompt_injection && main.pJb < th.jailbreak;
          if (quiet && view.text.length <= opts.maxClassifierChars) {
            const q = quotesOf(view, i);
            if (insideQuotes(q.ranges, hit.start, hit.end)) {
              const own = q.own ?? (q.own = promptProbs(maskQuotes(view.text, q.ranges)));
              if (own.pInj < th.prompt_injection && own.pJb < th.jailbreak) {
                f.score = Math.min(f.score, 0.3);
                f.severity = "info";
                f.reason = `${f.reason}; inside a quotation in a prompt the classifier calls benign (p = ${Math.max(own.pInj, own.pJb).toFixed(2)}), reported as a note`;
              }
            }
          }
        }
        findings.push(f);
      }
    });
    return findings;
  }

  return {
    id: "injection",
    categories: ["prompt_injection", "jailbreak"] as readonly Category[],
    scan: (input, scanOptions) => scanOne(input, scanOptions),
    scanMany(inputs, scanOptions) {
      // Most texts of a dataset match no rule: one pass per rule group over a run of them says
      // which groups are worth trying on each text of the run (often none).
      const out: Finding[][] = [];
      for (let from = 0; from < inputs.length; from += MANY_RUN) {
        const run = inputs.slice(from, from + MANY_RUN);
        const texts: string[] = [];
        for (const input of run)
          for (const view of input.views) if (view.text.length > 0) texts.push(view.text);
        const perText = rules.groupsIn(texts);
        let t = 0;
        for (const input of run) {
          let groups: Set<number> | undefined;
          if (perText) {
            groups = new Set();
            for (const view of input.views) {
              if (view.text.length === 0) continue;
              for (const g of perText[t++]!) groups.add(g);
            }
          }
          out.push(scanOne(input, scanOptions, groups));
        }
      }
      return out;
    },
  };
}
