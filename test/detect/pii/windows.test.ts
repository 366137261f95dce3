import { describe, expect, it } from "vitest";
import { createPiiDetector } from "../../../src/detect/pii/index.js";
import type { PreparedText } from "../../../src/detect/types.js";
import { prepare } from "../../../src/detect/unicode/index.js";

// A long normalised view is read only around its changes (pii/index.ts). Copies of the views
// carry no change list, so the detector reads them whole: both readings must agree.
const det = createPiiDetector();
const wholeViews = (p: PreparedText): PreparedText => ({ ...p, views: p.views.map((v) => ({ ...v })) });

// Invented people, places and numbers.
const PARAGRAPHS = [
  "Please forward the minutes to Margaret Okonkwo before Friday.",
  "The delivery goes to 1420 Maple Grove Avenue, Springfield, and the invoice to Quorvex Technologies Ltd.",
  "Call me at +44 20 7946 0958 or write to ilse.brandvold@example.org if anything changes.",
  "we met with sandra and tomas at the harbour cafe, then walked along the river for an hour.",
  "Dr. Thornbury said the results would be ready next week; Kowalczyk agreed.",
  "Ubul: What a day it has been.\nMira: Indeed it has.",
  "Name: Henrike Vellamo\nAddress: Via Garibaldi 44, Milano\nPhone: 0171 555 0199",
  "The committee reviewed the budget, the schedule and the list of open questions in detail.",
  "Card 4111 1111 1111 1111 was charged; IBAN DE89 3704 0044 0532 0130 00 was refunded.",
];
const TRICKS = ["\u200b", "\u00a0", "\uff11\uff12\uff13", "\ufb01", "\u2024", "\u00ad\u00ad\u00ad\u00ad"];

function longText(seed: number, paragraphs = 1500, changes = 8): string {
  const parts: string[] = [];
  let r = seed;
  const next = () => (r = (Math.imul(r, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < paragraphs; i++) parts.push(PARAGRAPHS[next() % PARAGRAPHS.length]!);
  let text = parts.join("\n\n");
  for (let k = 0; k < changes; k++) {
    const at = next() % text.length;
    text = text.slice(0, at) + TRICKS[k % TRICKS.length] + text.slice(at);
  }
  return text;
}

describe("pii: long normalised views are read around their changes", () => {
  it.each([1, 2, 3, 4, 5, 6])("agrees with a whole reading (seed %i)", (seed) => {
    const p = prepare(longText(seed));
    expect(p.views.some((v) => v.origin === "normalized")).toBe(true);
    expect(det.scan(p, {})).toEqual(det.scan(wholeViews(p), {}));
  });

  it("agrees when normalisation reveals a name whose later mentions are elsewhere", () => {
    const text = `${longText(9, 300, 0)}\n\nWe hired Zbig\u200bniew Kowalczykowski today.\n\n${longText(10, 300, 0)}\n\nLater Kowalczykowski wrote back.`;
    const p = prepare(text);
    const found = det.scan(p, {});
    expect(found).toEqual(det.scan(wholeViews(p), {}));
    expect(found.some((f) => text.slice(f.span![0], f.span![1]) === "Kowalczykowski")).toBe(true);
  });

  it("agrees on lower-case text", () => {
    const p = prepare(longText(11).toLowerCase());
    expect(det.scan(p, {})).toEqual(det.scan(wholeViews(p), {}));
  });

  it("agrees on fullwidth digits that make a phone number", () => {
    const text = `${longText(12, 400, 4)}\n\nPhone: \uff10\uff11\uff17\uff11 \uff15\uff15\uff15 \uff10\uff11\uff19\uff19\n\n${longText(13, 400, 4)}`;
    const p = prepare(text);
    const found = det.scan(p, {});
    expect(found).toEqual(det.scan(wholeViews(p), {}));
    expect(found.some((f) => f.kind === "phone" && f.span![0] > 20_000)).toBe(true);
  });
});
