/**
 * Per-feature, per-label document counts in bounded memory. Counts live in one typed-array arena
 * (`stride` = labels + 1, slot 0 the total); when the table is full, the rarest entries are
 * dropped (lossy counting, Manku & Motwani 2002): every entry remembers `floor`, the most it can
 * have been under-counted by, so reported counts are exact lower bounds and any feature seen in
 * more than `floor` rows survives.
 */
import { NumberMap } from "./number-map.js";

const DOOR_BITS = 20;
const DOOR_MASK = (1 << DOOR_BITS) - 1;

export class FeatureTable {
  private readonly doorPrint = new Uint32Array(1 << DOOR_BITS);
  private readonly doorLabel = new Int16Array(1 << DOOR_BITS);
  private readonly index = new NumberMap(4096);
  private counts: Uint32Array;
  private floors: Uint32Array;
  private tags: number[] = [];
  private keys: number[] = [];
  private free: number[] = [];
  /** Largest count a dropped entry had: no feature above it was ever dropped. */
  floor = 0;
  readonly stride: number;

  constructor(
    readonly labels: number,
    readonly capacity: number,
  ) {
    this.stride = labels + 1;
    this.counts = new Uint32Array(Math.min(capacity, 4096) * this.stride);
    this.floors = new Uint32Array(Math.min(capacity, 4096));
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Adds one row with `label` (or -1 for none) to feature `key`; `tag` is a small number the
   * caller uses to tell kinds of features apart. The table keeps no names: the few features
   * that get reported are named from the rows that hold them.
   */
  add(key: number, label: number, tag: number): void {
    let slot = this.index.get(key);
    let earlier = -2;
    if (slot < 0) {
      // Doorkeeper: a feature enters the table on its second sighting; the first one (and its
      // label) waits in a small direct-mapped filter. Most n-grams are seen once, so the table
      // fills and prunes far less often. An overwritten first sighting is lost: counts stay
      // lower bounds, as the lossy counting already makes them.
      const lo = key >>> 0;
      const hi = (key / 4294967296) >>> 0;
      const at = (Math.imul(lo ^ hi, 0x9e3779b1) >>> 12) & DOOR_MASK;
      const print = (lo | 1) >>> 0;
      if (this.doorPrint[at] !== print) {
        this.doorPrint[at] = print;
        this.doorLabel[at] = label;
        return;
      }
      this.doorPrint[at] = 0;
      earlier = this.doorLabel[at] as number;
      if (this.index.size >= this.capacity) this.prune();
      slot = this.free.pop() ?? this.keys.length;
      if ((slot + 1) * this.stride > this.counts.length) this.grow();
      this.index.set(key, slot);
      this.keys[slot] = key;
      this.tags[slot] = tag;
      this.floors[slot] = this.floor;
      this.counts.fill(0, slot * this.stride, (slot + 1) * this.stride);
    }
    const base = slot * this.stride;
    if (earlier > -2) {
      this.counts[base]! += 1;
      if (earlier >= 0) this.counts[base + 1 + earlier]! += 1;
    }
    ++this.counts[base]!;
    if (label >= 0) this.counts[base + 1 + label]! += 1;
  }

  private grow(): void {
    const slots = Math.min(this.capacity + 1, Math.max(4096, (this.counts.length / this.stride) * 2));
    const counts = new Uint32Array(slots * this.stride);
    counts.set(this.counts);
    this.counts = counts;
    const floors = new Uint32Array(slots);
    floors.set(this.floors);
    this.floors = floors;
  }

  /**
   * Drops entries at the lowest counts until a quarter of the capacity is free. The new floor is
   * found from a histogram of the entries' bounds (count + floor at insertion), so that one
   * pass finds it and one pass drops, however many floor steps it takes.
   */
  private prune(): void {
    const target = Math.floor(this.capacity * 0.75);
    const histogram = new Map<number, number>();
    this.index.forEachValue((slot) => {
      const bound = (this.counts[slot * this.stride] as number) + (this.floors[slot] as number);
      histogram.set(bound, (histogram.get(bound) ?? 0) + 1);
    });
    let floor = this.floor;
    let left = this.index.size;
    for (const bound of [...histogram.keys()].sort((a, b) => a - b)) {
      if (left <= target) break;
      if (bound <= floor) {
        left -= histogram.get(bound) as number;
        continue;
      }
      floor = bound;
      left -= histogram.get(bound) as number;
    }
    this.floor = floor;
    this.index.retain((_key, slot) => {
      if ((this.counts[slot * this.stride] as number) + (this.floors[slot] as number) > floor) return true;
      this.free.push(slot);
      return false;
    });
  }

  slotOf(key: number): number | undefined {
    const slot = this.index.get(key);
    return slot < 0 ? undefined : slot;
  }

  total(slot: number): number {
    return this.counts[slot * this.stride] as number;
  }

  count(slot: number, label: number): number {
    return this.counts[slot * this.stride + 1 + label] as number;
  }

  keyOf(slot: number): number {
    return this.keys[slot] as number;
  }

  tag(slot: number): number {
    return this.tags[slot] as number;
  }

  *slots(): Generator<number> {
    for (const [, slot] of this.index.entries()) yield slot;
  }
}

/** A bounded counter of keys (LSH buckets); pruning drops the rarest, so counts are lower bounds. */
export class KeyCounter {
  private readonly map: NumberMap;
  floor = 0;
  /**
   * `expected`: keys expected, to size the map once (growing it rehashes every key; what it
   * counts does not depend on its size).
   */
  constructor(
    readonly capacity: number,
    expected = 4096,
  ) {
    this.map = new NumberMap(Math.max(4096, Math.min(capacity, expected)));
  }

  add(key: number): void {
    if (this.map.size >= this.capacity && this.map.get(key) < 0) this.prune();
    this.map.add(key, 1);
  }

  get(key: number): number {
    return Math.max(0, this.map.get(key));
  }

  /** The keys counted at least `min` times, with their counts. */
  *atLeast(min: number): Generator<[number, number]> {
    for (const [key, c] of this.map.entries()) if (c >= min) yield [key, c];
  }

  /** Raises the floor until at most three quarters of the capacity is used, in two passes. */
  private prune(): void {
    const target = Math.floor(this.capacity * 0.75);
    const histogram = new Map<number, number>();
    this.map.forEachValue((c) => histogram.set(c, (histogram.get(c) ?? 0) + 1));
    let left = this.map.size;
    for (const c of [...histogram.keys()].sort((a, b) => a - b)) {
      if (left <= target) break;
      this.floor = Math.max(this.floor, c);
      left -= histogram.get(c) as number;
    }
    const floor = this.floor;
    this.map.retain((_key, c) => c > floor);
  }
}
