/**
 * Invisible code points that change how a text is read by a model without changing how it looks
 * to a person. They are removed from the normalised view and reported (issue 3, scope 1).
 *
 * Sources: Unicode `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt), UAX #9 for the bidi
 * controls (the "Trojan Source" attack, CVE-2021-42574), and the Tags block U+E0000–U+E007F
 * (UTS #51 §2.8 keeps them only for emoji subdivision flags; elsewhere they smuggle ASCII).
 */

export type HiddenKind =
  "tag_characters" | "bidi_control" | "zero_width" | "variation_selectors" | "invisible_filler";

/** Kinds ordered by how strongly they indicate an attack; a mixed run takes the strongest. */
export const HIDDEN_RANK: Record<HiddenKind, number> = {
  tag_characters: 5,
  bidi_control: 4,
  zero_width: 3,
  variation_selectors: 2,
  invisible_filler: 1,
};

/**
 * Code points that also occur in ordinary text: ZWJ/ZWNJ in emoji sequences and Indic/Persian
 * shaping, LRM/RLM/ALM in right-to-left text, variation selectors after emoji and CJK ideographs,
 * the soft hyphen in hyphenated web text, Hangul fillers. They are always removed from the
 * normalised view but reported only when they look planted (see `isPlanted` in normalize.ts).
 */
export function isAmbiguous(cp: number): boolean {
  return (
    cp === 0x200c ||
    cp === 0x200d ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    cp === 0x00ad ||
    cp === 0x034f ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    (cp >= 0x180b && cp <= 0x180d) ||
    cp === 0x180f ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x3164 ||
    cp === 0xffa0
  );
}

/** The hidden kind of a code point, or undefined when it is visible (or ordinary whitespace). */
export function hiddenKind(cp: number): HiddenKind | undefined {
  if (cp < 0xad) return undefined;
  if (cp >= 0xe0000) {
    if (cp <= 0xe007f) return "tag_characters";
    if (cp >= 0xe0100 && cp <= 0xe01ef) return "variation_selectors";
    return undefined;
  }
  if (cp === 0x00ad || cp === 0x034f) return "zero_width";
  if (cp === 0x061c) return "bidi_control";
  if (cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0) return "invisible_filler";
  if (cp === 0x17b4 || cp === 0x17b5) return "zero_width";
  if (cp >= 0x180b && cp <= 0x180f) return cp === 0x180e ? "zero_width" : "variation_selectors";
  if (cp >= 0x200b && cp <= 0x200d) return "zero_width";
  if (cp === 0x200e || cp === 0x200f) return "bidi_control";
  if (cp >= 0x202a && cp <= 0x202e) return "bidi_control";
  if (cp >= 0x2060 && cp <= 0x2064) return "zero_width";
  if (cp >= 0x2066 && cp <= 0x2069) return "bidi_control";
  if (cp >= 0x206a && cp <= 0x206f) return "bidi_control"; // deprecated format characters
  if (cp >= 0xfe00 && cp <= 0xfe0f) return "variation_selectors";
  if (cp === 0xfeff) return "zero_width";
  if (cp >= 0xfff9 && cp <= 0xfffb) return "zero_width"; // interlinear annotation controls
  return undefined;
}

/**
 * Cheap test on one UTF-16 unit: could this unit start a hidden code point? Used to skip whole
 * blocks of text without decoding code points. 0xDB40 is the high surrogate of U+E0000–U+E03FF.
 */
export function mayStartHidden(unit: number): boolean {
  if (unit < 0xad) return false;
  if (unit === 0xdb40) return true;
  return hiddenKind(unit) !== undefined;
}
