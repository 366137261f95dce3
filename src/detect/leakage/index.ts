/**
 * System-prompt leakage in model output (issue 3, scope 3; OWASP LLM07 System Prompt Leakage,
 * MITRE ATLAS AML.T0056).
 *
 * Two signals:
 * - canary tokens (`ScanOptions.canaries`): random strings the gateway planted in the system
 *   prompt; any appearance in the output, in any view (so also zero-width-split, homoglyph-spelled
 *   or base64-encoded copies), is a leak;
 * - verbatim overlap with `ScanOptions.systemPrompt`: word shingles (w-shingling, Broder 1997) of
 *   the prompt that reappear in the output. The score is the larger of the containment (the share
 *   of the prompt's shingles found in the output) and the longest run of consecutive prompt words
 *   reproduced, relative to `runWords`. Paraphrased or translated leaks are out of reach of this
 *   method; they need a semantic model.
 */
import { z } from "zod";
import { maskEvidence } from "../mask.js";
import type { Detector, Finding, PreparedText, ScanOptions, TextView } from "../types.js";
import { prepare } from "../unicode/index.js";

export const leakageOptionsSchema = z
  .object({
    /** Words per shingle: 4 is long enough that common phrases rarely match by chance. */
    shingleWords: z.number().int().min(2).max(12).default(4),
    /** Containment of the prompt's shingles in the output that counts as a leak. */
    containment: z.number().min(0.05).max(1).default(0.4),
    /** Consecutive prompt words reproduced verbatim that count as a leak on their own. */
    runWords: z.number().int().min(4).max(200).default(12),
    /** Prompts shorter than this (in words) are not compared: "You are a helpful assistant." is
     * not a secret and is echoed innocently all the time. */
    minPromptWords: z.number().int().min(2).max(1000).default(8),
    /** Canaries shorter than this are ignored: a short canary matches ordinary text. */
    minCanaryLength: z.number().int().min(4).max(256).default(8),
  })
  .strict();

export type LeakageOptions = z.input<typeof leakageOptionsSchema>;

interface Word {
  /** FNV-1a hash of the lowercased word. */
  hash: number;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+/gu;
/** Words read from one text: bounds the work on multi-megabyte outputs. */
const MAX_WORDS = 200_000;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    if (out.length >= MAX_WORDS) break;
    out.push({ hash: fnv1a(m[0].toLowerCase()), start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Shingle key of words[i, i + k): a hash over the word hashes. */
function shingleKey(ws: Word[], i: number, k: number): number {
  let h = 0x811c9dc5;
  for (let j = i; j < i + k; j++) h = Math.imul(h ^ (ws[j] as Word).hash, 0x01000193);
  return h >>> 0;
}

interface CompiledPrompt {
  words: number;
  shingles: Set<number>;
}

/** The view a person reads: skeleton (homoglyphs folded) when present, else normalised/original. */
function readableView(input: PreparedText): TextView {
  return (
    input.views.find((v) => v.origin === "skeleton") ??
    input.views.find((v) => v.origin === "normalized") ??
    (input.views[0] as TextView)
  );
}

export function createLeakageDetector(options: LeakageOptions = {}): Detector {
  const opts = leakageOptionsSchema.parse(options);
  const k = opts.shingleWords;
  // System prompts change rarely: keep the shingles of the last few.
  const cache = new Map<string, CompiledPrompt>();
  const compile = (prompt: string): CompiledPrompt => {
    let c = cache.get(prompt);
    if (!c) {
      // Read the prompt the way the output is read, so accents and look-alikes compare equal.
      const ws = words(readableView(prepare(prompt, { maxDepth: 0 })).text);
      const shingles = new Set<number>();
      for (let i = 0; i + k <= ws.length; i++) shingles.add(shingleKey(ws, i, k));
      c = { words: ws.length, shingles };
      if (cache.size >= 16) cache.delete(cache.keys().next().value as string);
      cache.set(prompt, c);
    }
    return c;
  };

  function canaryFindings(input: PreparedText, canaries: readonly string[]): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const canary of canaries) {
      if (canary.length < opts.minCanaryLength) continue;
      const needle = canary.toLowerCase();
      for (const view of input.views) {
        const hay = view.text.toLowerCase();
        // toLowerCase keeps UTF-16 length for the ASCII canaries a gateway generates.
        if (hay.length !== view.text.length) continue;
        for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) {
          const span = view.toOriginal(at, at + needle.length);
          const key = `${span[0]}:${span[1]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          findings.push({
            detector: "leakage",
            kind: "canary_token",
            category: "system_prompt_leak",
            severity: "high",
            score: 1,
            span,
            evidence: maskEvidence(canary),
            rule: "leakage.canary",
            reason:
              view.origin === "original"
                ? "a canary token from the system prompt appears in the output"
                : `a canary token from the system prompt appears in the output (${view.origin} view)`,
          });
          if (findings.length >= 64) return findings;
        }
      }
    }
    return findings;
  }

  function overlapFinding(input: PreparedText, prompt: string): Finding | undefined {
    const compiled = compile(prompt);
    if (compiled.words < opts.minPromptWords || compiled.shingles.size === 0) return undefined;
    const view = readableView(input);
    const ws = words(view.text);
    const matched = new Set<number>();
    let run = 0;
    let bestRun = 0;
    let bestEnd = -1;
    let first = -1;
    let last = -1;
    for (let i = 0; i + k <= ws.length; i++) {
      const key = shingleKey(ws, i, k);
      if (compiled.shingles.has(key)) {
        matched.add(key);
        run = run === 0 ? k : run + 1;
        if (run > bestRun) {
          bestRun = run;
          bestEnd = i + k - 1;
        }
        if (first < 0) first = i;
        last = i + k - 1;
      } else {
        run = 0;
      }
    }
    if (matched.size === 0) return undefined;
    const containment = matched.size / compiled.shingles.size;
    const runScore = Math.min(1, bestRun / opts.runWords);
    const leaked = containment >= opts.containment || bestRun >= opts.runWords;
    if (!leaked) return undefined;
    const score = Math.max(containment, runScore);
    const span = view.toOriginal((ws[first] as Word).start, (ws[last] as Word).end);
    return {
      detector: "leakage",
      kind: "system_prompt_overlap",
      category: "system_prompt_leak",
      severity: score >= 0.8 ? "high" : "medium",
      score: Math.round(score * 1000) / 1000,
      span,
      rule: "leakage.shingles",
      reason:
        `output repeats ${Math.round(containment * 100)}% of the system prompt's ${k}-word shingles; ` +
        `longest verbatim run ${bestRun} words (ending at word ${bestEnd + 1})`,
    };
  }

  return {
    id: "leakage",
    categories: ["system_prompt_leak"],
    scan(input: PreparedText, scan: ScanOptions): Finding[] {
      const findings = scan.canaries?.length ? canaryFindings(input, scan.canaries) : [];
      if (scan.systemPrompt) {
        const f = overlapFinding(input, scan.systemPrompt);
        if (f) findings.push(f);
      }
      return findings.sort((a, b) => (a.span?.[0] ?? 0) - (b.span?.[0] ?? 0));
    },
  };
}
