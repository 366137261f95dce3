/**
 * A hash map from non-negative integer keys below 2^53 to 32-bit integers, in two typed arrays
 * (open addressing, linear probing). The scanner's feature and bucket keys are 53-bit numbers:
 * in a `Map` every one of them is a boxed heap number, and the counting passes spent most of
 * their time hashing and collecting those. Deleting is done in bulk by `retain`, which rebuilds.
 */

const EMPTY = -1;

function hash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

export class NumberMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private find(key: number): number {
    let i = hash(key) & this.mask;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === key || k === EMPTY) return i;
      i = (i + 1) & this.mask;
    }
  }

  has(key: number): boolean {
    return this.keys[this.find(key)] !== EMPTY;
  }

  /** The value, or -1 when the key is absent (values stored are ≥ 0 by the callers). */
  get(key: number): number {
    const i = this.find(key);
    return this.keys[i] === EMPTY ? -1 : (this.values[i] as number);
  }

  set(key: number, value: number): void {
    let i = this.find(key);
    if (this.keys[i] === EMPTY) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.resize(this.keys.length * 2);
        i = this.find(key);
      }
      this.keys[i] = key;
      this.size++;
    }
    this.values[i] = value;
  }

  /** Adds `delta` to the key's value (0 when absent); returns the new value. */
  add(key: number, delta: number): number {
    let i = this.find(key);
    if (this.keys[i] === EMPTY) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.resize(this.keys.length * 2);
        i = this.find(key);
      }
      this.keys[i] = key;
      this.values[i] = 0;
      this.size++;
    }
    return (this.values[i]! += delta);
  }

  /** Keeps only the entries for which `keep(key, value)` is true. */
  retain(keep: (key: number, value: number) => boolean): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length).fill(EMPTY);
    this.values = new Int32Array(keys.length);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k !== EMPTY && keep(k, values[i] as number)) this.set(k, values[i] as number);
    }
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k !== EMPTY) this.set(k, values[i] as number);
    }
  }

  *entries(): Generator<[number, number]> {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== EMPTY) yield [keys[i] as number, this.values[i] as number];
    }
  }

  forEachValue(f: (value: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) f(this.values[i] as number);
  }
}
