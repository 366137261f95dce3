/** A raw match inside one view, before mapping to the original text. */
export interface Hit {
  kind: string;
  start: number;
  end: number;
  score: number;
  /** Recogniser id, e.g. "pii.credit_card.luhn". */
  rule: string;
  reason: string;
}

/** Lower-case ASCII context window before `start` (bounded, cheap). */
export function before(text: string, start: number, width: number): string {
  return text.slice(Math.max(0, start - width), start).toLowerCase();
}

/** Lower-case ASCII context window after `end`. */
export function after(text: string, end: number, width: number): string {
  return text.slice(end, end + width).toLowerCase();
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
