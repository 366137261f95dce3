/**
 * Checksums and range checks that turn a digit pattern into a validated identifier.
 * Each function is pure and linear in its input.
 */

/** Luhn mod-10 (ISO/IEC 7812-1 Annex B) over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export interface CardBrand {
  brand: string;
  lengths: readonly number[];
  /** Prefix ranges as [low, high] over the first `width` digits. */
  ranges: readonly (readonly [number, number, number])[];
}

/**
 * Issuer identification number ranges, from the card networks' published IIN tables
 * (as summarised in ISO/IEC 7812 registrations): [width, low, high].
 */
export const CARD_BRANDS: readonly CardBrand[] = [
  { brand: "visa", lengths: [13, 16, 19], ranges: [[1, 4, 4]] },
  {
    brand: "mastercard",
    lengths: [16],
    ranges: [
      [2, 51, 55],
      [4, 2221, 2720],
    ],
  },
  {
    brand: "amex",
    lengths: [15],
    ranges: [
      [2, 34, 34],
      [2, 37, 37],
    ],
  },
  {
    brand: "discover",
    lengths: [16, 19],
    ranges: [
      [4, 6011, 6011],
      [3, 644, 649],
      [2, 65, 65],
      [6, 622126, 622925],
    ],
  },
  {
    brand: "diners",
    lengths: [14, 16, 19],
    ranges: [
      [3, 300, 305],
      [2, 36, 36],
      [2, 38, 39],
      [4, 3095, 3095],
    ],
  },
  {
    brand: "jcb",
    lengths: [15, 16, 17, 18, 19],
    ranges: [
      [4, 3528, 3589],
      [4, 2131, 2131],
      [4, 1800, 1800],
    ],
  },
  { brand: "unionpay", lengths: [16, 17, 18, 19], ranges: [[2, 62, 62]] },
  {
    brand: "maestro",
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    ranges: [
      [4, 5018, 5018],
      [4, 5020, 5020],
      [4, 5038, 5038],
      [4, 5893, 5893],
      [4, 6304, 6304],
      [4, 6759, 6759],
      [4, 6761, 6763],
      [2, 50, 50],
      [2, 56, 58],
      [2, 67, 67],
    ],
  },
  { brand: "mir", lengths: [16, 17, 18, 19], ranges: [[4, 2200, 2204]] },
];

/** The brand whose IIN range and length fit, or undefined. */
export function cardBrand(digits: string): string | undefined {
  for (const b of CARD_BRANDS) {
    if (!b.lengths.includes(digits.length)) continue;
    for (const [width, low, high] of b.ranges) {
      const p = Number(digits.slice(0, width));
      if (p >= low && p <= high) return b.brand;
    }
  }
  return undefined;
}

/**
 * IBAN lengths per country (ISO 13616 registry, SWIFT IBAN Registry). Countries that are
 * in the registry only; a code not listed here is rejected.
 */
// prettier-ignore
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 MOD 97-10 over an IBAN without spaces (upper case). */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * US Social Security Number ranges (SSA, "Social Security Number Randomization", 2011):
 * area 000, 666 and 900–999 are never issued; group 00 and serial 0000 are never issued.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === "000" || area === "666" || area[0] === "9") return false;
  if (group === "00" || serial === "0000") return false;
  // Published example and advertising numbers that were never valid.
  const all = area + group + serial;
  if (all === "123456789" || all === "078051120" || all === "219099999") return false;
  if (/^(\d)\1{8}$/.test(all)) return false;
  return true;
}
