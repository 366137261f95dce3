import { isIPv4, isIPv6 } from "node:net";
import { cardBrand, ibanValid, IBAN_LENGTHS, luhnValid, ssnValid } from "./checks.js";
import { before, type Hit, isAsciiAlnum, isDigit } from "./hit.js";

/*
 * Validated structured identifiers. Every recogniser finds candidates with a bounded, linear
 * pattern (no nested unbounded quantifiers) and then validates them in code: a checksum, a
 * registry of lengths, a published range, or a context word. All regexes are compiled once here.
 */

// ---------------------------------------------------------------- email (RFC 5321 §4.1.2, practical subset)

function isLocalChar(c: number): boolean {
  // atext minus the rarely used specials that mostly appear as punctuation in prose.
  return isAsciiAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
}
function isDomainChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 46 || c === 45;
}

/** Anchored on '@': a text without '@' costs one indexOf. */
export function findEmails(text: string, out: Hit[]): void {
  let at = text.indexOf("@");
  while (at !== -1) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 39)) s++;
    let e = at + 1;
    while (e < text.length && e - at <= 253 && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    const next = text.indexOf("@", Math.max(e, at + 1));
    if (s < at && e > at + 1) {
      const domain = text.slice(at + 1, e);
      const lastDot = domain.lastIndexOf(".");
      const tld = lastDot > 0 ? domain.slice(lastDot + 1) : "";
      // `scheme://user:pass@host` is a credential URL, not an address (the secrets detector owns it).
      const credUrl = s > 0 && text.charCodeAt(s - 1) === 58 && before(text, s, 80).includes("://");
      if (
        !credUrl &&
        tld.length >= 2 &&
        tld.length <= 24 &&
        (/^[a-z]+$/i.test(tld) || tld.toLowerCase().startsWith("xn--")) &&
        !domain.includes("..")
      ) {
        out.push({
          kind: "email",
          start: s,
          end: e,
          score: 0.95,
          rule: "pii.email",
          reason: "email address",
        });
      }
    }
    at = next;
  }
}

// ---------------------------------------------------------------- payment cards

const CARD_RE = /(?<![\w.,-])\d(?:[ -]?\d){11,18}(?![\w-]|[.,]\d)/g;
const CARD_CONTEXT =
  /\b(?:card|cc|credit|debit|visa|master ?card|amex|american express|discover|maestro|diners|jcb|unionpay|pan|payment|charge|cvv|expir)/;

export function findCards(text: string, out: Hit[]): void {
  CARD_RE.lastIndex = 0;
  for (let m = CARD_RE.exec(text); m !== null; m = CARD_RE.exec(text)) {
    const raw = m[0];
    const digits = raw.replace(/[ -]/g, "");
    if (/^(\d)\1+$/.test(digits)) continue;
    // Separators must be consistent: all spaces or all dashes.
    if (raw.includes(" ") && raw.includes("-")) continue;
    if (!luhnValid(digits)) continue;
    const ctx = CARD_CONTEXT.test(before(text, m.index, 48));
    // Without a known IIN range a Luhn-valid number is a card only when the text calls it one.
    const brand = cardBrand(digits) ?? (ctx ? "unknown-brand" : undefined);
    if (brand === undefined) continue;
    out.push({
      kind: "credit_card",
      start: m.index,
      end: m.index + raw.length,
      score: brand === "unknown-brand" ? 0.7 : ctx ? 0.97 : 0.85,
      rule: "pii.credit_card",
      reason: `${brand} number (IIN range, length and Luhn check pass)`,
    });
  }
}

// ---------------------------------------------------------------- IBAN (ISO 13616)

const IBAN_RE = /(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){10,32}/g;

export function findIbans(text: string, out: Hit[]): void {
  IBAN_RE.lastIndex = 0;
  for (let m = IBAN_RE.exec(text); m !== null; m = IBAN_RE.exec(text)) {
    const raw = m[0];
    const country = raw.slice(0, 2).toUpperCase();
    const len = IBAN_LENGTHS[country];
    if (len === undefined) {
      IBAN_RE.lastIndex = m.index + 2;
      continue;
    }
    // Walk to the country's length, counting only alphanumerics.
    let n = 0;
    let end = 0;
    for (let i = 0; i < raw.length && n < len; i++) {
      if (raw.charCodeAt(i) !== 32) n++;
      end = i + 1;
    }
    if (n !== len) continue;
    // The IBAN must end on a token boundary (or a space inside the candidate).
    const nextC = text.charCodeAt(m.index + end);
    if (!Number.isNaN(nextC) && isAsciiAlnum(nextC)) continue;
    const compact = raw.slice(0, end).replace(/ /g, "").toUpperCase();
    if (!ibanValid(compact)) continue;
    out.push({
      kind: "iban",
      start: m.index,
      end: m.index + end,
      score: 0.97,
      rule: "pii.iban",
      reason: `${country} IBAN (registry length and ISO 7064 mod-97 check pass)`,
    });
    IBAN_RE.lastIndex = m.index + end;
  }
}

// ---------------------------------------------------------------- US SSN

const SSN_RE = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])/g;
const SSN_CONTEXT = /\b(?:ssn|ss#|ss no|social security|social sec|taxpayer|tin\b|itin)/;

export function findSsns(text: string, out: Hit[]): void {
  SSN_RE.lastIndex = 0;
  for (let m = SSN_RE.exec(text); m !== null; m = SSN_RE.exec(text)) {
    const [, area = "", sep = "", group = "", serial = ""] = m;
    if (!ssnValid(area, group, serial)) continue;
    const ctx = SSN_CONTEXT.test(before(text, m.index, 40));
    if (sep !== "-" && !ctx) continue; // a bare 9-digit run is an SSN only when the text says so
    out.push({
      kind: "us_ssn",
      start: m.index,
      end: m.index + m[0].length,
      score: ctx ? 0.97 : 0.8,
      rule: "pii.us_ssn",
      reason: "US SSN (issued area/group/serial ranges)",
    });
  }
}

// ---------------------------------------------------------------- IP addresses

const IPV4_RE =
  /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)/g;
const IPV6_RE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;
const VERSION_CONTEXT = /(?:\bv|version|ver\.?|release|build)\s*$/;
/** Every IPv6 candidate holds two colons at most four hex digits apart: a cheap test first. */
const IPV6_HINT = /:[0-9A-Fa-f]{0,4}:/;

function ipv4Score(ip: string): number {
  const [a = 0, b = 0] = ip.split(".").map(Number);
  // RFC 1918 private, RFC 1122 loopback/"this network", RFC 3927 link-local, multicast/reserved:
  // infrastructure rather than personal data, so reported with low confidence.
  if (a === 10 || a === 127 || a === 0 || a >= 224) return 0.4;
  if (a === 172 && b >= 16 && b <= 31) return 0.4;
  if (a === 192 && b === 168) return 0.4;
  if (a === 169 && b === 254) return 0.4;
  return 0.85;
}

export function findIps(text: string, out: Hit[]): void {
  if (text.indexOf(".") !== -1) {
    IPV4_RE.lastIndex = 0;
    for (let m = IPV4_RE.exec(text); m !== null; m = IPV4_RE.exec(text)) {
      if (VERSION_CONTEXT.test(before(text, m.index, 12))) continue;
      if (!isIPv4(m[0])) continue;
      out.push({
        kind: "ip_address",
        start: m.index,
        end: m.index + m[0].length,
        score: ipv4Score(m[0]),
        rule: "pii.ip_address.v4",
        reason: "IPv4 address",
      });
    }
  }
  if (text.indexOf(":") !== -1 && IPV6_HINT.test(text)) {
    IPV6_RE.lastIndex = 0;
    for (let m = IPV6_RE.exec(text); m !== null; m = IPV6_RE.exec(text)) {
      const ip = m[0];
      if (!isIPv6(ip)) continue;
      const groups = ip.split(":").filter((g) => g.length > 0);
      if (!/\d/.test(ip)) continue; // `dead::beef`, `a::b` in code
      if (!ip.includes("::") && groups.length !== 8) continue;
      if (ip.includes("::") && (groups.length < 2 || !groups.some((g) => g.length >= 3))) continue;
      const lower = ip.toLowerCase();
      const score = lower.startsWith("fe80") || lower.startsWith("fc") || lower.startsWith("fd") ? 0.4 : 0.85;
      out.push({
        kind: "ip_address",
        start: m.index,
        end: m.index + ip.length,
        score,
        rule: "pii.ip_address.v6",
        reason: "IPv6 address",
      });
    }
  }
}

// ---------------------------------------------------------------- UK National Insurance number

// HMRC NIM39110: first letter not D F I Q U V; second not D F I O Q U V; prefixes BG GB KN NK NT TN ZZ unused.
const NINO_RE = /(?<![\w])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\w])/g;
const NINO_BAD = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);
const NINO_CONTEXT = /\b(?:national insurance|ni number|ni no|nino|nin\b)/;

export function findNinos(text: string, out: Hit[]): void {
  NINO_RE.lastIndex = 0;
  for (let m = NINO_RE.exec(text); m !== null; m = NINO_RE.exec(text)) {
    if (NINO_BAD.has(m[1] ?? "")) continue;
    const ctx = NINO_CONTEXT.test(before(text, m.index, 40));
    out.push({
      kind: "uk_nino",
      start: m.index,
      end: m.index + m[0].length,
      score: ctx ? 0.95 : 0.75,
      rule: "pii.uk_nino",
      reason: "UK National Insurance number (HMRC prefix rules)",
    });
  }
}

// ---------------------------------------------------------------- passport numbers (context required)

const PASSPORT_RE =
  /\bpassport(?:\s*(?:no\.?|number|num\.?|#|id|nr\.?))?\s*(?:is\s*|was\s*)?[:#=]?\s*([A-Za-z0-9]{6,9})(?![\w])/gi;

export function findPassports(text: string, out: Hit[]): void {
  if (!/passport/i.test(text)) return;
  PASSPORT_RE.lastIndex = 0;
  for (let m = PASSPORT_RE.exec(text); m !== null; m = PASSPORT_RE.exec(text)) {
    const value = m[1] ?? "";
    let digits = 0;
    for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) digits++;
    if (digits < 4) continue;
    const start = m.index + m[0].length - value.length;
    out.push({
      kind: "passport",
      start,
      end: start + value.length,
      score: 0.9,
      rule: "pii.passport",
      reason: "passport number after the word 'passport'",
    });
  }
}

// ---------------------------------------------------------------- date of birth (context required)

const DOB_CONTEXT_RE =
  /\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.o\.b\.?|dob|birth\s*date|birthdate|birthday|geboren|né(?:e)?\s+le|fecha\s+de\s+nacimiento)\b\s*(?:is|was|on|:|-|=)?\s*(?:on\s*)?(?:the\s*)?/gi;
const MONTHS =
  "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const DATE_AT = new RegExp(
  "^(?:" +
    "(\\d{1,2})[./-](\\d{1,2})[./-](\\d{4}|\\d{2})" + // 7/30/1964, 30.07.1964
    "|(\\d{4})[./-](\\d{1,2})[./-](\\d{1,2})" + // 1964-07-30
    `|(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTHS})\\.?,?\\s+(\\d{4})` + // 30 July 1964
    `|(${MONTHS})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})` + // July 30, 1964
    ")(?![\\w])",
  "i",
);

function plausibleDate(y: number, a: number, b: number): boolean {
  const year = y < 100 ? (y > 30 ? 1900 + y : 2000 + y) : y;
  if (year < 1900 || year > 2100) return false;
  // Either order of day and month is accepted (US and European conventions).
  const ok = (d: number, mo: number) => mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
  return ok(a, b) || ok(b, a);
}

export function findDatesOfBirth(text: string, out: Hit[]): void {
  DOB_CONTEXT_RE.lastIndex = 0;
  for (let m = DOB_CONTEXT_RE.exec(text); m !== null; m = DOB_CONTEXT_RE.exec(text)) {
    const start = m.index + m[0].length;
    const d = DATE_AT.exec(text.slice(start, start + 40));
    if (d === null) continue;
    let ok = false;
    if (d[1] !== undefined) ok = plausibleDate(Number(d[3]), Number(d[1]), Number(d[2]));
    else if (d[4] !== undefined) ok = plausibleDate(Number(d[4]), Number(d[5]), Number(d[6]));
    else if (d[7] !== undefined) ok = plausibleDate(Number(d[9]), Number(d[7]), 1);
    else if (d[10] !== undefined) ok = plausibleDate(Number(d[12]), Number(d[11]), 1);
    if (!ok) continue;
    out.push({
      kind: "date_of_birth",
      start,
      end: start + d[0].length,
      score: 0.9,
      rule: "pii.date_of_birth",
      reason: "date after a birth context word",
    });
  }
}
