/**
 * A bounded map that forgets the least recently used entry first (Map keeps insertion order, so
 * re-inserting on use keeps the oldest first and eviction is O(1)). A flood of new identities only
 * evicts old ones; memory stays bounded whatever the traffic.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
