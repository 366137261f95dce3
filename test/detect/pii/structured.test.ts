import { describe, expect, it } from "vitest";
import { createPiiDetector } from "../../../src/detect/pii/index.js";
import { preparedFromOriginal } from "../../../src/detect/text-view.js";

const det = createPiiDetector({
  kinds: [
    "email",
    "phone",
    "credit_card",
    "iban",
    "us_ssn",
    "ip_address",
    "date_of_birth",
    "passport",
    "uk_nino",
  ],
});
const scan = (text: string) => det.scan(preparedFromOriginal(text), {});
const kinds = (text: string) => scan(text).map((f) => f.kind);

describe("pii: structured identifiers", () => {
  it("reports an email with UTF-16 offsets into the original", () => {
    const f = scan("Contact me at jane.doe@example.com");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ detector: "pii", kind: "email", category: "pii", span: [14, 34] });
    expect(f[0]?.evidence).not.toContain("jane.doe@example.com");
  });

  it("keeps offsets right after astral characters", () => {
    const text = "😀😀 mail jane@example.org";
    const f = scan(text);
    expect(f[0]?.span).toEqual([text.indexOf("jane"), text.length]);
  });

  const cases: [string, string, string | undefined][] = [
    // [text, expected kind or undefined for nothing, why]
    ["card 4111 1111 1111 1111 please", "credit_card", "Visa test number with spaces, Luhn valid"],
    ["card 4111-1111-1111-1112", "", "Luhn fails"],
    ["card 5555555555554444", "credit_card", "Mastercard 16 digits"],
    ["amex 378282246310005", "credit_card", "Amex 15 digits"],
    ["id 1234567812345678", "", "no brand range matches 1…"],
    ["IBAN GB82 WEST 1234 5698 7654 32", "iban", "UK IBAN with spaces, mod-97 valid"],
    ["my iban is de89370400440532013000.", "iban", "lower case German IBAN"],
    ["IBAN GB82 WEST 1234 5698 7654 33", "", "mod-97 fails"],
    ["SSN 536-22-1234", "us_ssn", "valid ranges"],
    ["SSN 666-22-1234", "", "area 666 never issued"],
    ["SSN 900-22-1234", "", "area 9xx never issued"],
    ["SSN 536-00-1234", "", "group 00 never issued"],
    ["SSN 536-22-0000", "", "serial 0000 never issued"],
    ["my ssn is 536221234", "us_ssn", "bare digits with context"],
    ["order 536221234", "", "bare digits without context"],
    ["blocked 41.173.96.26 yesterday", "ip_address", "public IPv4"],
    ["version 1.2.3.4 released", "", "version string"],
    ["addr 2001:db8:85a3::8a2e:370:7334", "ip_address", "IPv6 compressed"],
    ["at 12:30:45 today", "", "a time is not IPv6"],
    ["std::vector<int> v;", "", "C++ scope is not IPv6"],
    ["NI number AB123456C", "uk_nino", "NINO with context"],
    ["code GB123456A", "", "GB prefix is never issued"],
    ["passport number: 123456789", "passport", "passport in context"],
    ["passport photo taken", "", "no number"],
    ["She was born on 7/30/1964.", "date_of_birth", "US date after born on"],
    ["DOB: 1980-07-28", "date_of_birth", "ISO date after DOB"],
    ["date of birth 12 March 1985", "date_of_birth", "written month"],
    ["The meeting is on 7/30/2024.", "", "a date without birth context"],
    ["Call me at +1-604-696-5272 tomorrow", "phone", "international NANP"],
    ["Phone: 0490 39 07 81", "phone", "national number after a context word"],
    ["Desk: +41 (0)71 526 99 04", "phone", "trunk prefix in parentheses"],
    ["They're not answering at 079 2718 1155", "phone", "UK national format with context"],
    ["(602)272-9781 is the office", "phone", "valid US number without context"],
    ["The population grew to 1 200 000 people", "", "a large number is not a phone"],
    ["invoice 2024-01-15", "", "a date is not a phone"],
    ["Our office is at 1200 4455 Harbour Road", "", "house numbers after 'office is at' are not a phone"],
    ["sent to my registered 0761 234 567 yesterday", "phone", "registered (mobile) number"],
  ];
  for (const [text, kind, why] of cases) {
    it(`${kind || "nothing"}: ${why}`, () => {
      const got = kinds(text);
      if (kind) expect(got, text).toContain(kind);
      else expect(got, text).toEqual([]);
    });
  }

  it("a card number is not also reported as a phone", () => {
    expect(kinds("card number 4111111111111111")).toEqual(["credit_card"]);
  });

  it("finds PII in a decoded view and maps the span back", () => {
    const original = "note: am9obkBleGFtcGxlLmNvbQ== end";
    const decoded = "john@example.com";
    const start = original.indexOf("am9");
    const end = start + "am9obkBleGFtcGxlLmNvbQ==".length;
    const f = det.scan(
      {
        original,
        views: [
          { text: original, origin: "original", depth: 0, toOriginal: (s, e) => [s, e] },
          { text: decoded, origin: "decoded:base64", depth: 1, toOriginal: () => [start, end] },
        ],
        findings: [],
      },
      {},
    );
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: "email", span: [start, end] });
  });

  it("rejects bad options when built", () => {
    expect(() => createPiiDetector({ minScore: 2 })).toThrow();
    expect(() => createPiiDetector({ kinds: ["nope" as "email"] })).toThrow();
  });

  it("stays fast on pathological input", () => {
    for (const text of [
      "1 ".repeat(200_000),
      "@".repeat(400_000),
      "a@".repeat(200_000),
      "1-".repeat(200_000),
      ":".repeat(400_000),
    ]) {
      const t = performance.now();
      scan(text);
      expect(performance.now() - t).toBeLessThan(2000);
    }
  });
});
