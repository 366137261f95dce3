/**
 * Does a URL carry data out? Judges the parts a server receives (query values and path segments,
 * WHATWG URL parsing; the fragment never leaves the client) for what an exfiltration payload looks
 * like: a template placeholder the injected instruction asks the model to fill ("{conversation}"),
 * a sentence, something personal or secret, or an encoded blob.
 */

export interface UrlAssessment {
  score: number;
  reason: string;
  /** Scheme, host and path with query values hidden, for evidence. */
  masked: string;
}

/** Placeholders an injected instruction asks the model to fill: {x}, {{x}}, <x>, [X], $X, %X%. */
const PLACEHOLDER =
  /\{\{?[^{}]{1,40}\}\}?|<[A-Za-z_ ]{1,40}>|\[[A-Z_ ]{2,40}\]|\$[A-Z_]{3,40}|%[A-Z_]{3,40}%/;
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/;
/** Prefixes of common credentials (see the secrets detector for the full rules). */
const SECRET_PREFIX =
  /\b(?:sk-[A-Za-z0-9_-]{8,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})/;
const BLOB = /^[A-Za-z0-9+/=_-]{20,}$/;
/** Query parameters of signed-URL schemes (AWS SigV4, Google, Azure SAS, CloudFront): long
 * random values by design, not exfiltrated data. */
const SIGNATURE_PARAM =
  /^(?:x-amz-|x-goog-)|^(?:signature|sig|se|sp|sv|sr|st|skoid|sktid|expires|key-pair-id|policy)$/i;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

interface Judged {
  score: number;
  why: string;
}

/** Scores one value a server would receive; `inQuery` values are data by nature, path ones less so. */
function judgeValue(value: string, inQuery: boolean): Judged | undefined {
  if (value.length === 0) return undefined;
  if (PLACEHOLDER.test(value)) return { score: 0.9, why: "a template placeholder" };
  if (EMAIL.test(value)) return { score: 0.9, why: "an email address" };
  if (SECRET_PREFIX.test(value)) return { score: 0.9, why: "a credential" };
  if (value.trim().split(/\s+/).length >= 3) return { score: 0.8, why: "a sentence" };
  if (value.length >= 100) return { score: 0.65, why: `${value.length} characters of data` };
  // Base64 of text has 4.5–5.5 bits per character; IDs like "main" or "v2" are far below.
  if (BLOB.test(value) && entropy(value) >= 3.5)
    return { score: inQuery ? 0.7 : 0.5, why: "an encoded blob" };
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/**
 * Assesses a URL string as written in markdown or HTML. Returns undefined for URLs that cannot
 * reach a server of the attacker's choosing (relative, data:, mailto:) or carry nothing.
 */
export function assessUrl(raw: string, allowedHosts: readonly string[]): UrlAssessment | undefined {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed.startsWith("//") ? `https:${trimmed}` : trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const host = url.hostname.toLowerCase();
  if (allowedHosts.some((h) => host === h || host.endsWith(`.${h}`))) return undefined;

  let best: (Judged & { where: string }) | undefined;
  const consider = (j: Judged | undefined, where: string) => {
    if (j && (!best || j.score > best.score)) best = { ...j, where };
  };
  for (const [name, value] of url.searchParams) {
    if (SIGNATURE_PARAM.test(name)) continue;
    consider(judgeValue(value, true), `query parameter "${name.slice(0, 32)}"`);
    // A parameter name can carry the data too (`?<data>=1`).
    if (name.length >= 20) consider(judgeValue(name, true), "a query parameter name");
  }
  // url.search keeps placeholders that URLSearchParams would split ("?q={a b}").
  if (PLACEHOLDER.test(safeDecode(url.search)))
    consider({ score: 0.9, why: "a template placeholder" }, "the query");
  for (const segment of url.pathname.split("/")) consider(judgeValue(safeDecode(segment), false), "the path");
  if (url.username || url.password) consider(judgeValue(safeDecode(url.username), true), "the user info");
  if (!best) return undefined;
  const masked = `${url.protocol}//${host}${url.pathname.length > 1 ? "/…" : "/"}${url.search ? "?…" : ""}`;
  return { score: best.score, reason: `${best.where} carries ${best.why}`, masked };
}
