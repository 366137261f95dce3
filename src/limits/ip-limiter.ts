import { gcraCharge, gcraWait } from "./gcra.js";
import { Lru } from "./lru.js";
import type { Clock } from "./memory-store.js";

/**
 * Unauthenticated requests per client IP: one GCRA bucket (a single number) per IP, in a bounded
 * LRU so a flood of new addresses evicts old entries instead of growing memory. It is kept in
 * process even when the key limits are in Redis: it protects this process's CPU, and it must
 * answer before any network round trip.
 */
export class IpLimiter {
  private readonly buckets: Lru<number>;
  private readonly interval: number;

  constructor(
    private readonly perMinute: number,
    maxIps: number,
    private readonly clock: Clock = Date.now,
  ) {
    this.buckets = new Lru(maxIps);
    this.interval = 60_000 / perMinute;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Ms until this IP may send another unauthenticated request (≤ 0: it may now). Charges nothing. */
  wait(ip: string): number {
    const tat = this.buckets.peek(ip);
    if (tat === undefined) return 0;
    return gcraWait(tat, this.clock(), this.interval, this.perMinute, 1);
  }

  /** Counts one unauthenticated request; returns the wait (> 0 when over the limit, then not counted). */
  hit(ip: string): number {
    const now = this.clock();
    const tat = this.buckets.get(ip) ?? 0;
    const wait = gcraWait(tat, now, this.interval, this.perMinute, 1);
    if (wait <= 0) this.buckets.set(ip, gcraCharge(tat, now, this.interval, 1));
    return wait;
  }
}
