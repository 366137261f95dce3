import { z } from "zod";
import type { CountryCode } from "libphonenumber-js/max";
import { maskEvidence } from "../mask.js";
import type { Detector, Finding, PreparedText, ScanOptions, Severity, TextView } from "../types.js";
import { viewChanges } from "../unicode/index.js";
import { changeWindows, inWindow, type ScanWindow } from "../unicode/windows.js";
import { type EntityContext, findEntities } from "./entities.js";
import type { Hit } from "./hit.js";
import { findPhones } from "./phone.js";
import { hasCapToken } from "./tokens.js";
import {
  findCards,
  findDatesOfBirth,
  findEmails,
  findIbans,
  findIps,
  findNinos,
  findPassports,
  findSsns,
} from "./structured.js";

/** Every kind this detector can report (Finding.kind). */
export const PII_KINDS = [
  "email",
  "phone",
  "credit_card",
  "iban",
  "us_ssn",
  "ip_address",
  "date_of_birth",
  "passport",
  "uk_nino",
  "person",
  "street_address",
  "organization",
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export const piiOptionsSchema = z
  .object({
    /** Kinds to report; all by default. */
    kinds: z
      .array(z.enum(PII_KINDS))
      .min(1)
      .default([...PII_KINDS]),
    /** Findings scoring below this are dropped (names and addresses score 0.5–0.9). */
    minScore: z.number().min(0).max(1).default(0.5),
    /** Regions tried for national-format phone numbers that have no context word. */
    phoneRegions: z
      .array(z.string().regex(/^[A-Z]{2}$/))
      .max(8)
      .default(["US", "GB"]),
    /**
     * Views to scan besides the original: "normalized" (NFKC, invisible characters removed) and
     * "decoded" (base64/hex/URL segments). The confusables skeleton is off: it rewrites letters and
     * digits and so invents numbers.
     */
    views: z.array(z.enum(["normalized", "decoded", "skeleton"])).default(["normalized", "decoded"]),
  })
  .strict();
export type PiiOptions = z.input<typeof piiOptionsSchema>;

/** The severity of each kind's findings (fixed: what a kind is, not how sure a hit is). */
export const PII_SEVERITY: Readonly<Record<PiiKind, Severity>> = {
  email: "medium",
  phone: "medium",
  credit_card: "high",
  iban: "high",
  us_ssn: "high",
  ip_address: "low",
  date_of_birth: "medium",
  passport: "high",
  uk_nino: "high",
  person: "low",
  street_address: "medium",
  organization: "info",
};

/** Validated identifiers win over anything that overlaps them (a card is not also a phone). */
const PRIORITY: Record<string, number> = {
  email: 0,
  iban: 1,
  credit_card: 2,
  us_ssn: 3,
  uk_nino: 4,
  passport: 5,
  ip_address: 6,
  date_of_birth: 7,
  phone: 8,
  street_address: 9,
  organization: 10,
  person: 11,
};
const EXCLUSIVE = new Set([
  "email",
  "iban",
  "credit_card",
  "us_ssn",
  "uk_nino",
  "passport",
  "ip_address",
  "date_of_birth",
  "phone",
]);

/**
 * A long normalised view is read only around the characters normalisation changed (the original
 * has been read in full): 2 KB of context on each side, starting on a line break, covers every
 * rule's reach (address blocks, signature lines, phone and date context words), and hits within
 * 1 KB of a change are the window's own. The whole view is read when changes are dense, and when
 * normalisation reveals a full name the original did not show (its later mentions may be
 * anywhere).
 */
const WINDOWS = { margin: 2048, keep: 1024, snap: 1024, maxShare: 0.5 };
const WINDOWED_MIN_LENGTH = 16_384;

function wantView(view: TextView, original: string, views: ReadonlySet<string>): boolean {
  if (view.origin === "original") return true;
  if (view.text === original) return false;
  if (view.origin.startsWith("decoded:")) return views.has("decoded");
  return views.has(view.origin);
}

/**
 * Drops lower-priority hits that overlap a kept exclusive hit (or a kept hit of the same kind).
 * Overlaps only happen inside clusters of hits whose spans chain together, so the text is swept
 * once in start order and the priority rule runs within each (small) cluster: O(n log n).
 */
function resolve(hits: Hit[]): Hit[] {
  hits.sort((a, b) => a.start - b.start);
  const out: Hit[] = [];
  let i = 0;
  while (i < hits.length) {
    let j = i + 1;
    let end = hits[i]!.end;
    while (j < hits.length && hits[j]!.start < end) {
      end = Math.max(end, hits[j]!.end);
      j++;
    }
    if (j - i === 1) out.push(hits[i]!);
    else {
      const cluster = hits
        .slice(i, j)
        .sort(
          (a, b) =>
            (PRIORITY[a.kind] ?? 99) - (PRIORITY[b.kind] ?? 99) || b.score - a.score || a.start - b.start,
        );
      const kept: Hit[] = [];
      for (const h of cluster) {
        if (
          !kept.some(
            (k) => h.start < k.end && k.start < h.end && (k.kind === h.kind || EXCLUSIVE.has(k.kind)),
          )
        )
          kept.push(h);
      }
      for (const h of kept.sort((a, b) => a.start - b.start)) out.push(h);
    }
    i = j;
  }
  return out;
}

export function createPiiDetector(options: PiiOptions = {}): Detector {
  const opts = piiOptionsSchema.parse(options);
  const kinds = new Set<string>(opts.kinds);
  const views = new Set<string>(opts.views);
  const phoneOpts = { regions: opts.phoneRegions as CountryCode[] };
  const wantEntities = kinds.has("person") || kinds.has("organization") || kinds.has("street_address");

  function scanText(text: string, ctx: EntityContext = {}): Hit[] {
    const hits: Hit[] = [];
    if (kinds.has("email")) findEmails(text, hits);
    // Every remaining structured kind needs a digit: a text without one skips them all.
    if (/\d/.test(text)) {
      if (kinds.has("iban")) findIbans(text, hits);
      if (kinds.has("credit_card")) findCards(text, hits);
      if (kinds.has("us_ssn")) findSsns(text, hits);
      if (kinds.has("ip_address")) findIps(text, hits);
      if (kinds.has("uk_nino")) findNinos(text, hits);
      if (kinds.has("passport")) findPassports(text, hits);
      if (kinds.has("date_of_birth")) findDatesOfBirth(text, hits);
      if (kinds.has("phone")) findPhones(text, hits, phoneOpts);
    }
    if (wantEntities) findEntities(text, hits, kinds, ctx);
    return resolve(hits);
  }

  /** Hits of the view read in windows (offsets in the view), or null to read it all. */
  function scanWindows(view: TextView, windows: ScanWindow[], seenNames: ReadonlySet<string>): Hit[] | null {
    const text = view.text;
    const lowerText = !hasCapToken(text);
    const hits: Hit[] = [];
    for (const w of windows) {
      const part = text.slice(w.start, w.end);
      const seenOut = new Set<string>();
      const ctx: EntityContext = {
        lowerText,
        colonBeyond: text.indexOf(":", w.end) !== -1,
        seenSeed: seenNames,
        seenOut,
      };
      const found = scanText(part, ctx);
      for (const key of seenOut) if (!seenNames.has(key)) return null;
      for (const h of found) {
        const start = h.start + w.start;
        const end = h.end + w.start;
        if (inWindow(w, start, end)) hits.push({ ...h, start, end });
      }
    }
    return hits;
  }

  function windowsOf(view: TextView): ScanWindow[] | null {
    if (!wantEntities || view.origin !== "normalized" || view.text.length < WINDOWED_MIN_LENGTH) return null;
    const changed = viewChanges(view);
    return changed ? changeWindows(view.text, changed, WINDOWS) : null;
  }

  return {
    id: "pii",
    categories: ["pii"],
    scan(input: PreparedText, _options: ScanOptions): Finding[] {
      const findings: Finding[] = [];
      const seen = new Set<string>();
      const emit = (view: TextView, hits: readonly Hit[]) => {
        for (const h of hits) {
          if (h.score < opts.minScore || !kinds.has(h.kind)) continue;
          const span = view.toOriginal(h.start, h.end);
          const key = `${h.kind}:${span[0]}:${span[1]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const decoded = view.depth > 0 ? ` (found in ${view.origin} text)` : "";
          findings.push({
            detector: "pii",
            kind: h.kind,
            category: "pii",
            severity: PII_SEVERITY[h.kind as PiiKind] ?? "medium",
            score: h.score,
            span,
            evidence: maskEvidence(view.text.slice(h.start, h.end)),
            rule: h.rule,
            reason: h.reason + decoded,
          });
        }
      };
      // Names seen in full in the original, once it has been read.
      let seenNames: Set<string> | undefined;
      for (const view of input.views) {
        if (!wantView(view, input.original, views)) continue;
        if (view.origin === "original") {
          seenNames = new Set<string>();
          emit(view, scanText(view.text, { seenOut: seenNames }));
          continue;
        }
        const windows = seenNames ? windowsOf(view) : null;
        const hits = windows && seenNames ? scanWindows(view, windows, seenNames) : null;
        emit(view, hits ?? scanText(view.text));
      }
      return findings.sort((a, b) => (a.span?.[0] ?? 0) - (b.span?.[0] ?? 0));
    },
  };
}
