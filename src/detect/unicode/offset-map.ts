/**
 * Maps offsets in a derived text (a view) back to the source it was derived from, in UTF-16 units.
 *
 * A view is built left to right from pieces of the source. Each piece is either
 * - linear: view[v] came from source[o + (v - vStart)] (unchanged text, or 1:1 replacements such as
 *   fullwidth → ASCII), or
 * - a block: the whole piece came from one source range and has no finer alignment (NFKC expanding
 *   "ﬁ" to "fi", a decoded segment).
 * Removed source text (invisible characters) is simply not covered: the next piece starts later.
 *
 * Lookups are a binary search over piece starts. The number of pieces is capped: once the cap is
 * reached the last piece grows into one block, so mapping stays valid and monotone (only coarser)
 * and memory stays bounded on pathological input such as megabytes of ligatures.
 */
export class OffsetMap {
  private readonly viewStart: number[] = [];
  private readonly srcStart: number[] = [];
  private readonly srcEnd: number[] = [];
  private readonly block: boolean[] = [];
  private viewLength = 0;

  constructor(private readonly maxPieces = 1 << 18) {}

  get length(): number {
    return this.viewLength;
  }

  /** Appends `length` view units copied 1:1 from source offset `src`. */
  linear(length: number, src: number): void {
    if (length <= 0) return;
    const last = this.viewStart.length - 1;
    if (last >= 0 && !this.block[last] && this.srcEnd[last] === src) {
      this.srcEnd[last] = src + length;
    } else {
      this.push(src, src + length, false);
    }
    this.viewLength += length;
  }

  /** Appends `length` view units that together came from source range [src, srcEnd). */
  blockOf(length: number, src: number, srcEnd: number): void {
    if (length <= 0) return;
    this.push(src, srcEnd, true);
    this.viewLength += length;
  }

  private push(src: number, srcEnd: number, isBlock: boolean): void {
    const last = this.viewStart.length - 1;
    if (last >= 0 && this.viewStart.length >= this.maxPieces) {
      // Coarsen: the last piece absorbs everything from here on.
      this.block[last] = true;
      this.srcEnd[last] = srcEnd;
      return;
    }
    this.viewStart.push(this.viewLength);
    this.srcStart.push(src);
    this.srcEnd.push(srcEnd);
    this.block.push(isBlock);
  }

  private pieceAt(v: number): number {
    let lo = 0;
    let hi = this.viewStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.viewStart[mid] as number) <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Source offset where view unit `v` starts. */
  private startOf(v: number): number {
    const k = this.pieceAt(v);
    const s = this.srcStart[k] as number;
    return this.block[k] ? s : s + (v - (this.viewStart[k] as number));
  }

  /** Source offset just after view unit `v`. */
  private endOf(v: number): number {
    const k = this.pieceAt(v);
    if (this.block[k]) return this.srcEnd[k] as number;
    return (this.srcStart[k] as number) + (v - (this.viewStart[k] as number)) + 1;
  }

  /**
   * Maps view range [start, end) to a source range. Out-of-range input is clamped; an empty range
   * maps to an empty range at the corresponding source position.
   */
  toSource(start: number, end: number, sourceLength: number): [number, number] {
    const n = this.viewLength;
    if (n === 0 || this.viewStart.length === 0) return [0, 0];
    const s = Math.max(0, Math.min(n, Math.floor(start)));
    const e = Math.max(s, Math.min(n, Math.floor(end)));
    const from = s === n ? (this.srcEnd[this.srcEnd.length - 1] as number) : this.startOf(s);
    if (e === s) return [Math.min(from, sourceLength), Math.min(from, sourceLength)];
    const to = this.endOf(e - 1);
    return [Math.min(from, sourceLength), Math.min(Math.max(from, to), sourceLength)];
  }
}
