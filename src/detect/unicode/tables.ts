/**
 * Per-code-unit lookup tables for the BMP, derived once from the runtime's own ICU data
 * (`String.prototype.normalize`), so they never drift from the normalisation they predict.
 * Built lazily on the first non-ASCII text (a few milliseconds: blocks of 256 code points are
 * checked in bulk, and only blocks that change are checked one by one); `warmUp()` builds them
 * ahead of time, as the engine does at start-up.
 */
import { mayStartHidden } from "./invisible.js";

/** NFKC of the code unit alone differs from it (UAX #15: it has a compatibility mapping). */
export const NF_CHANGES = 1;
/** May combine with the code point before it under NFKC (canonical composition, UAX #15 §1.3). */
export const NF_COMPOSES = 2;
/** May start a hidden code point (invisible.ts). */
export const NF_HIDDEN = 4;
/** A high surrogate: the code point needs a closer look. */
export const NF_SURROGATE = 8;

let nf: Uint8Array | undefined;

function buildNormalizationTable(): Uint8Array {
  const t = new Uint8Array(0x10000);
  const BLOCK = 256;
  for (let lo = 0x80; lo < 0x10000; lo += BLOCK) {
    if (lo >= 0xd800 && lo < 0xe000) continue;
    // A space between code points keeps them from composing with each other.
    let probe = "";
    for (let u = lo; u < lo + BLOCK; u++) probe += String.fromCharCode(u) + " ";
    const nfkcStable = probe.normalize("NFKC") === probe;
    const nfdStable = probe.normalize("NFD") === probe;
    if (nfkcStable && nfdStable) continue;
    for (let u = lo; u < lo + BLOCK; u++) {
      const s = String.fromCharCode(u);
      if (!nfkcStable && s.normalize("NFKC") !== s) t[u] = (t[u] as number) | NF_CHANGES;
      if (!nfdStable) {
        // Everything after the first code point of a canonical decomposition can be composed with
        // what precedes it.
        const d = s.normalize("NFD");
        for (let k = 1; k < d.length; k++) t[d.charCodeAt(k)] = (t[d.charCodeAt(k)] as number) | NF_COMPOSES;
      }
    }
  }
  // Compatibility characters that turn into a composing mark compose too (halfwidth kana voicing).
  for (let u = 0x80; u < 0x10000; u++) {
    if ((t[u] as number) & NF_CHANGES) {
      const first = String.fromCharCode(u).normalize("NFKC").charCodeAt(0);
      if ((t[first] as number) & NF_COMPOSES) t[u] = (t[u] as number) | NF_COMPOSES;
    }
  }
  for (let u = 0xd800; u < 0xdc00; u++) t[u] = NF_SURROGATE;
  for (let u = 0x80; u < 0x10000; u++) if (mayStartHidden(u)) t[u] = (t[u] as number) | NF_HIDDEN;
  return t;
}

export function normalizationTable(): Uint8Array {
  nf ??= buildNormalizationTable();
  return nf;
}

/** Builds every lazily built table now (start-up), so no request pays for it. */
export function warmUp(): void {
  normalizationTable();
}
