/**
 * A bounded map that forgets the least recently used entry first. JavaScript's Map iterates in
 * insertion order, so re-inserting on use keeps the oldest entry first and eviction is O(1).
 * Memory stays bounded whatever the traffic: a flood of new identities or IPs only evicts old ones.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(
    readonly capacity: number,
    /** An entry that must not be evicted yet (e.g. it has requests in flight): it is moved to the back instead. */
    private readonly pinned: (value: V) => boolean = () => false,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry, marked as just used. */
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** Looks without marking as used. */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.evict();
  }

  /** Returns the entry for `key`, creating it with `make` when absent. */
  obtain(key: string, make: () => V): V {
    let value = this.get(key);
    if (value === undefined) {
      value = make();
      this.set(key, value);
    }
    return value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  private evict(): void {
    // A bounded number of pinned entries are skipped; if all of those are pinned, the oldest goes
    // anyway — memory stays bounded even when the cap is set too low for the traffic.
    for (let attempt = 0; attempt < 8 && this.map.size > this.capacity; attempt++) {
      const oldest = this.map.keys().next();
      if (oldest.done) return;
      const value = this.map.get(oldest.value)!;
      this.map.delete(oldest.value);
      if (this.pinned(value) && attempt < 7) this.map.set(oldest.value, value);
    }
  }
}
