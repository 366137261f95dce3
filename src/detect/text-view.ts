import type { PreparedText, TextView } from "./types.js";

/** The identity view: offsets in the view are offsets in the original. */
export function originalView(text: string): TextView {
  return { text, origin: "original", depth: 0, toOriginal: (start, end) => [start, end] };
}

/** A PreparedText with only the original view: for callers that skip normalisation, and for tests. */
export function preparedFromOriginal(text: string): PreparedText {
  return { original: text, views: [originalView(text)], findings: [] };
}
