import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { after, before, type Hit, isAsciiAlnum, isDigit } from "./hit.js";

/*
 * Phone numbers: a cheap, linear candidate scan (digit groups joined by one separator each, so a
 * digit run can be split only one way and the pattern cannot backtrack badly), then acceptance by
 * libphonenumber-js (ITU-T E.164 numbering plans) or by a phone context word. libphonenumber costs
 * ~30 µs per parse, so it runs only on candidates that survive the cheap checks.
 */

const PHONE_RE =
  /(?<![\w.+\-/])(?:\+|00)?(?:\(\d{1,5}\)[ .-]?\d{1,12}|\d{1,12})(?:(?:[ .\-/]|[ ]?\(|\)[ .-]?)\d{1,12}){0,6}(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?/g;

/** Words that announce a phone number just before it ("Phone:", "call me at", "Fax"). */
const CONTEXT_BEFORE =
  /(?:phone|tel\b|tel\.|telephone|mobile|mob\.|cell|fax|desk\s*[:#]|office\s*(?:phone|number|line|tel)?\s*[:#]|registered|call|calling|text me|sms|whatsapp|dial|ring me|reach me|hotline|landline|answering|contact(?:ed)?\s+(?:me|us)?\s*(?:at|on)|ph\.?|t:|m:|f:|\u260e|\ud83d\udcde)[^\d]{0,24}$/;
/** Words that label a number just after it ("416 60 039 office"). */
const CONTEXT_AFTER = /^\s{0,3}\(?(?:office|fax|mobile|cell|home|work|desk|phone|tel)\b/;
/** Dates, times and zip codes that the candidate scan also accepts. */
const DATE_SHAPE = /^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}-\d{2}-\d{2}.*)$/;
const IPV4_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const NOT_PHONE_CONTEXT =
  /(?:zip|postal|post code|postcode|plz|order|invoice|account|acct|iban|card|ssn|isbn|id)\b[^\n]{0,16}$/;

export interface PhoneOptions {
  /** Regions tried for national-format numbers without a context word (ISO 3166-1 alpha-2). */
  regions: readonly CountryCode[];
}

export function findPhones(text: string, out: Hit[], options: PhoneOptions): void {
  PHONE_RE.lastIndex = 0;
  for (let m = PHONE_RE.exec(text); m !== null; m = PHONE_RE.exec(text)) {
    let raw = m[0];
    // Trim trailing separators the group pattern cannot end on, e.g. a closing parenthesis.
    while (raw.length > 0 && !isDigit(raw.charCodeAt(raw.length - 1))) raw = raw.slice(0, -1);
    const start = m.index;
    const end = start + raw.length;
    const nextC = text.charCodeAt(end);
    if (!Number.isNaN(nextC) && (isAsciiAlnum(nextC) || nextC === 95)) continue;
    const extAt = raw.search(/[ ]?(?:x|ext\.?|#)[ ]?\d/);
    const main = extAt >= 0 ? raw.slice(0, extAt) : raw;
    let digits = "";
    for (let i = 0; i < main.length; i++) {
      const c = main.charCodeAt(i);
      if (isDigit(c)) digits += main[i];
    }
    if (digits.length < 7 || digits.length > 15) continue;
    if (DATE_SHAPE.test(main) || IPV4_SHAPE.test(main)) continue;
    if (/^(\d)\1+$/.test(digits)) continue;
    const pre = before(text, start, 40);
    if (NOT_PHONE_CONTEXT.test(pre)) continue;
    const international = main.startsWith("+") || main.startsWith("00");
    const ctx = CONTEXT_BEFORE.test(pre) || CONTEXT_AFTER.test(after(text, end, 14));
    const grouped = /[ .\-()]/.test(main);

    let score = 0;
    let reason = "";
    if (international) {
      const intl = main.startsWith("00") ? "+" + main.slice(2) : main;
      // "+41 (0)71 …": the trunk prefix in parentheses is written but not dialled.
      const parsed = parsePhoneNumberFromString(intl.replace(/\(0\)/, ""));
      if (parsed?.isValid()) {
        score = 0.95;
        reason = "international number valid for its country code";
      } else if (parsed?.isPossible() || ctx) {
        score = 0.75;
        reason = "international number of possible length";
      }
    }
    if (score === 0 && ctx && digits.length <= 13) {
      score = 0.85;
      reason = "number after a phone context word";
    }
    if (score === 0 && grouped && digits.length >= 10 && digits.length <= 12) {
      for (const region of options.regions) {
        const parsed = parsePhoneNumberFromString(main, region);
        if (parsed?.isValid()) {
          score = 0.65;
          reason = `valid ${region} number`;
          break;
        }
      }
    }
    if (score === 0) continue;
    out.push({ kind: "phone", start, end, score, rule: "pii.phone", reason });
  }
}
