/**
 * Callers known to be refused until a given time, so that their next requests can be turned away
 * before anything costly is done for them (reading and parsing a body, validating it, writing one
 * security event each). An entry only ever refuses, and only until its time: the box can make the
 * gateway stricter for at most that long, never more permissive.
 *
 * Bounded: at `capacity` live entries, new ones are not admitted (those callers simply take the
 * normal path, which refuses them all the same); expired entries are swept as they are met and
 * whenever the box is full.
 */
export class PenaltyBox<T> {
  private readonly entries = new Map<string, { until: number; value: T }>();

  constructor(readonly capacity = 10_000) {}

  /** Live and expired entries not yet swept; 0 means no lookup can succeed. */
  get size(): number {
    return this.entries.size;
  }

  /** Boxes `id` until `until` (ms since the epoch). False when the box is full of live entries. */
  enter(id: string, until: number, value: T, now = Date.now()): boolean {
    if (until <= now) return false;
    if (!this.entries.has(id) && this.entries.size >= this.capacity) {
      this.sweep(now);
      if (this.entries.size >= this.capacity) return false;
    }
    this.entries.set(id, { until, value });
    return true;
  }

  /** The value and time left for a boxed `id`, or undefined (an expired entry is dropped). */
  lookup(id: string, now = Date.now()): { value: T; remainingMs: number } | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return { value: entry.value, remainingMs: entry.until - now };
  }

  /** Lets `id` out early (its key changed, for instance). */
  release(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  sweep(now = Date.now()): void {
    for (const [id, entry] of this.entries) if (entry.until <= now) this.entries.delete(id);
  }
}
