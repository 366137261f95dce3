/**
 * Text hygiene shared by the encoders: every value that leaves for a SIEM is well-formed Unicode,
 * free of control characters that could forge a new line or record in a line-based tool, and
 * bounded in length. Escaping for each format happens after this, in the format's own module.
 */

/** The mark left where a value was cut, so an analyst sees the value is incomplete. */
export const ELLIPSIS = "…";

// C0 controls, DEL and C1 controls (Unicode general category Cc). CR, LF and TAB become a space,
// the rest U+FFFD so that an injected control character stays visible.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Lone UTF-16 surrogates cannot be encoded as UTF-8: they become U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, "\uFFFD");
}

/** Replaces control characters: whitespace ones by a space, the others by U+FFFD. */
export function withoutControls(value: string): string {
  return value.replace(CONTROL, (c) => (c === "\t" || c === "\n" || c === "\r" ? " " : "\uFFFD"));
}

/**
 * Cuts `value` to at most `max` code points (never inside a surrogate pair), marking the cut with an
 * ellipsis that counts towards `max`.
 */
export function truncateCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  const points = Array.from(value);
  if (points.length <= max) return value;
  return points.slice(0, Math.max(0, max - 1)).join("") + ELLIPSIS;
}

/** Well-formed (lone surrogates become U+FFFD), control-free and at most `max` code points. */
export function clean(value: string, max: number): string {
  return truncateCodePoints(withoutControls(wellFormed(value)), max);
}

/** Well-formed and bounded, control characters kept (for formats that escape them losslessly). */
export function bounded(value: string, max: number): string {
  return truncateCodePoints(wellFormed(value), max);
}

/**
 * Cuts a whole encoded message to `maxBytes` of UTF-8 without splitting a character. Used as the
 * last resort after an encoder has already shrunk its fields.
 */
export function truncateUtf8(value: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length <= maxBytes) return { text: value, truncated: false };
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString("utf8"), truncated: true };
}

export function byteLength(value: string): number {
  return Buffer.byteLength(value, "utf8");
}
