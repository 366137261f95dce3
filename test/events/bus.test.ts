import { describe, expect, it } from "vitest";
import { EventBus, uuidv7, type SecurityEvent } from "../../src/events/index.js";

const event = (n: number): SecurityEvent => ({
  id: uuidv7(),
  time: n,
  class: "system",
  activity: `e${n}`,
  severity: "info",
  actor: { key_id: null },
  decision: { action: "allow", monitor_only: false, reasons: [] },
  findings: [],
});

describe("EventBus", () => {
  it("delivers every event in order, in batches, after publish returns", async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const batches: number[] = [];
    bus.subscribe({
      name: "s",
      maxBatch: 10,
      handle: (b) => void (batches.push(b.length), seen.push(...b.map((e) => e.time))),
    });
    for (let i = 0; i < 35; i++) bus.publish(event(i));
    expect(seen).toEqual([]);
    expect(await bus.drain()).toBe(true);
    expect(seen).toEqual([...Array(35).keys()]);
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
  });

  it("a slow subscriber does not hold back a fast one, and overflow is counted, not silent", async () => {
    const drops: string[] = [];
    const bus = new EventBus({ onDrop: (name) => drops.push(name) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fast: number[] = [];
    bus.subscribe({ name: "slow", capacity: 5, maxBatch: 1, handle: () => gate });
    bus.subscribe({ name: "fast", handle: (b) => void fast.push(...b.map((e) => e.time)) });
    for (let i = 0; i < 20; i++) bus.publish(event(i));
    await new Promise((r) => setImmediate(r));
    expect(fast).toHaveLength(20);
    const slow = bus.stats().find((s) => s.name === "slow")!;
    expect(slow.dropped).toBe(15);
    expect(drops.filter((d) => d === "slow")).toHaveLength(15);
    release();
    expect(await bus.drain()).toBe(true);
  });

  it("a failing subscriber is reported and the queue keeps moving", async () => {
    const errors: number[] = [];
    const bus = new EventBus({ onError: (_n, _e, size) => errors.push(size) });
    let calls = 0;
    bus.subscribe({
      name: "flaky",
      maxBatch: 1,
      handle: () => {
        if (calls++ === 0) throw new Error("disk full");
      },
    });
    for (let i = 0; i < 3; i++) bus.publish(event(i));
    await bus.drain();
    expect(errors).toEqual([1]);
    expect(bus.stats()[0]).toMatchObject({ delivered: 2, failed: 1 });
  });

  it("uuidv7 ids sort by time", () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("uuidv7 layout", () => {
  it("encodes the millisecond timestamp in the first 48 bits and stays unique", () => {
    const t = Date.UTC(2026, 10, 26, 13, 0, 0, 123);
    const id = uuidv7(t);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
    const ids = new Set(Array.from({ length: 5000 }, () => uuidv7(t)));
    expect(ids.size).toBe(5000);
  });
});
