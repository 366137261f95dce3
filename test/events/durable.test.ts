import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EventBus, uuidv7, type SecurityEvent } from "../../src/events/index.js";
import type { EventSubscriber } from "../../src/events/bus.js";
import { backoffDelay } from "../../src/events/durable/backoff.js";

const event = (n: number, activity = `e${n}`): SecurityEvent => ({
  id: uuidv7(),
  time: n,
  class: "system",
  activity,
  severity: "info",
  actor: { key_id: null },
  decision: { action: "allow", monitor_only: false, reasons: [] },
  findings: [],
});

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), "pcx-queue-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const never = () => new Promise<void>(() => {});
const times = (batch: readonly SecurityEvent[]) => batch.map((e) => e.time);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const segments = (dir: string) =>
  readdirSync(dir).filter((f) => f.endsWith(".jsonl") && f !== "dead-letter.jsonl");
const diskBytes = (dir: string) => segments(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Buses left open by a test are closed after it. */
const open: EventBus[] = [];

/**
 * A crash, as far as one process can fake it: the bus is abandoned mid-delivery and never closed
 * (its handler never returns), and a new one opens the same directory.
 */
function crash(bus: EventBus): void {
  open.splice(open.indexOf(bus), 1);
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close(0)));
});

function durableBus(
  dir: string,
  handle: EventSubscriber["handle"],
  options: Partial<EventSubscriber> & { maxBytes?: number; maxAttempts?: number } = {},
  hooks: ConstructorParameters<typeof EventBus>[0] = {},
) {
  const bus = new EventBus(hooks);
  open.push(bus);
  const { maxBytes = 1 << 20, maxAttempts, ...rest } = options;
  bus.subscribe({
    name: "d",
    handle,
    durable: { dir, maxBytes, ...(maxAttempts ? { maxAttempts } : {}), backoff: { initialMs: 2, maxMs: 10 } },
    ...rest,
  });
  return bus;
}

describe("durable subscriber", () => {
  it("delivers in order in batches, then gives the disk space back", async () => {
    const dir = tmp();
    const seen: number[] = [];
    const batches: number[] = [];
    const bus = durableBus(dir, (b) => void (batches.push(b.length), seen.push(...times(b))), {
      maxBatch: 7,
    });
    for (let i = 0; i < 50; i++) bus.publish(event(i));
    expect(seen).toEqual([]);
    expect(await bus.drain()).toBe(true);
    expect(seen).toEqual(range(0, 50));
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    expect(bus.stats()[0]).toMatchObject({ durable: true, depth: 0, lag: 0, delivered: 50, spilledBytes: 0 });
    // A consumed segment is removed once the next write starts a fresh one.
    bus.publish(event(50));
    await bus.drain();
    expect(diskBytes(dir)).toBeLessThan(400);
  });

  it("re-delivers after a crash what was written but not acknowledged", async () => {
    const dir = tmp();
    const first: number[] = [];
    let calls = 0;
    // The first batch is accepted, then the process "dies" inside the second handle call.
    const crashed = durableBus(dir, (b) => (calls++ === 0 ? void first.push(...times(b)) : never()), {
      maxBatch: 10,
    });
    for (let i = 0; i < 100; i++) crashed.publish(event(i));
    await until(() => calls === 2 && crashed.stats()[0]!.depth === 90);
    expect(first).toEqual(range(0, 10));
    // The cursor is saved asynchronously after the acknowledgement; "crash" once it is on disk.
    const cursor = join(dir, "cursor");
    await until(() => existsSync(cursor) && Number(readFileSync(cursor, "utf8")) > 0);
    crash(crashed);

    const seen: number[] = [];
    const restarted = durableBus(dir, (b) => void seen.push(...times(b)));
    expect(restarted.stats()[0]!.depth).toBe(90);
    expect(restarted.stats()[0]!.lag).toBeGreaterThanOrEqual(0);
    expect(await restarted.drain()).toBe(true);
    expect(seen).toEqual(range(10, 100));
  });

  it("cuts a line torn by a crash mid-write and sets aside a damaged one", async () => {
    const dir = tmp();
    const crashed = durableBus(dir, never, { maxBatch: 1 });
    for (let i = 0; i < 5; i++) crashed.publish(event(i));
    await until(() => crashed.stats()[0]!.spilledBytes > 0 && crashed.stats()[0]!.depth === 5);
    const file = join(dir, segments(dir).at(-1)!);
    appendFileSync(file, "this line is damaged\n");
    appendFileSync(file, '{"t":1,"e":{"id":"torn');
    crash(crashed);

    const deadLetters: number[] = [];
    const seen: number[] = [];
    const restarted = durableBus(
      dir,
      (b) => void seen.push(...times(b)),
      {},
      {
        onDeadLetter: (_name, count) => deadLetters.push(count),
      },
    );
    expect(await restarted.drain()).toBe(true);
    expect(seen).toEqual(range(0, 5));
    expect(deadLetters).toEqual([1]);
    const dead = readFileSync(join(dir, "dead-letter.jsonl"), "utf8").trim().split("\n");
    expect(dead.map((l) => JSON.parse(l) as { unreadable?: string })[0]!.unreadable).toBe(
      "this line is damaged",
    );
  });

  it("retries a failing batch with growing backoff while other subscribers keep flowing", async () => {
    const dir = tmp();
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const bus = new EventBus({ onError: (_n, _e, _s, retry) => retry && retries.push(retry) });
    open.push(bus);
    let failures = 3;
    const seen: number[] = [];
    const other: number[] = [];
    bus.subscribe({
      name: "flaky",
      maxBatch: 5,
      durable: { dir, maxBytes: 1 << 20, backoff: { initialMs: 4, maxMs: 12 } },
      handle: (b) => {
        if (failures-- > 0) throw new Error("receiver down");
        seen.push(...times(b));
      },
    });
    bus.subscribe({ name: "plain", handle: (b) => void other.push(...times(b)) });
    for (let i = 0; i < 12; i++) bus.publish(event(i));
    await until(() => other.length === 12);
    expect(seen).toEqual([]);
    expect(await bus.drain()).toBe(true);
    expect(seen).toEqual(range(0, 12));
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // Equal jitter: between half and all of min(maxMs, initialMs * 2^(attempt-1)).
    expect(
      retries.map((r) => r.delayMs >= [2, 4, 6][r.attempt - 1]! && r.delayMs <= [4, 8, 12][r.attempt - 1]!),
    ).toEqual([true, true, true]);
    expect(bus.stats()[0]).toMatchObject({ retries: 3, failed: 15, delivered: 12, deadLettered: 0 });
  });

  it("backoff doubles up to its ceiling", () => {
    const ceiling = (attempt: number) => backoffDelay(attempt, { initialMs: 100, maxMs: 1000 }, () => 1);
    expect([1, 2, 3, 4, 5, 40].map(ceiling)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { initialMs: 100, maxMs: 1000 }, () => 0)).toBe(200);
  });

  it("moves a batch to the dead-letter file after maxAttempts, loudly, and goes on", async () => {
    const dir = tmp();
    const loud: string[] = [];
    const seen: string[] = [];
    const bus = durableBus(
      dir,
      (b) => {
        if (b.some((e) => e.activity === "poison")) throw new Error("rejected by receiver");
        seen.push(...b.map((e) => e.activity));
      },
      { maxBatch: 1, maxAttempts: 3 },
      {
        onDeadLetter: (name, count, error, file) =>
          loud.push(`${name} ${count} ${(error as Error).message} ${file}`),
      },
    );
    bus.publish(event(0));
    bus.publish(event(1, "poison"));
    bus.publish(event(2));
    expect(await bus.drain()).toBe(true);
    expect(seen).toEqual(["e0", "e2"]);
    const file = join(dir, "dead-letter.jsonl");
    expect(loud).toEqual([`d 1 rejected by receiver ${file}`]);
    const [line] = readFileSync(file, "utf8").trim().split("\n");
    expect(JSON.parse(line!)).toMatchObject({ subscriber: "d", attempts: 3, error: "rejected by receiver" });
    expect(JSON.parse(line!).event.activity).toBe("poison");
    expect(bus.stats()[0]).toMatchObject({ deadLettered: 1, retries: 2, failed: 3, delivered: 2, depth: 0 });
  });

  it("drops and counts new events when the disk bound is full, and accepts again once drained", async () => {
    const dir = tmp();
    const maxBytes = 4096;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const drops: string[] = [];
    const seen: number[] = [];
    const bus = durableBus(
      dir,
      async (b) => {
        await gate;
        seen.push(...times(b));
      },
      { maxBytes, maxBatch: 1000 },
      { onDrop: (name) => drops.push(name) },
    );
    for (let i = 0; i < 100; i++) bus.publish(event(i));
    await until(
      () => bus.stats()[0]!.depth + bus.stats()[0]!.dropped === 100 && bus.stats()[0]!.spilledBytes > 0,
    );
    const { dropped, depth } = bus.stats()[0]!;
    expect(dropped).toBeGreaterThan(0);
    expect(drops).toHaveLength(dropped);
    expect(diskBytes(dir)).toBeLessThanOrEqual(maxBytes);
    release();
    expect(await bus.drain()).toBe(true);
    // What was kept is a prefix: nothing accepted after the first refusal jumped the queue.
    expect(seen).toEqual(range(0, depth));
    for (let i = 100; i < 110; i++) bus.publish(event(i));
    expect(await bus.drain()).toBe(true);
    expect(seen.slice(depth)).toEqual(range(100, 110));
  });

  it("keeps order when the backlog outgrows memory and is read back from disk", async () => {
    const dir = tmp();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const bus = durableBus(
      dir,
      async (b) => {
        await gate;
        seen.push(...times(b));
      },
      { capacity: 10, maxBatch: 7, maxBytes: 64 * 1024 },
    );
    // Ten at a time (the memory bound), each round written to disk before the next.
    for (let round = 0; round < 20; round++) {
      const before = bus.stats()[0]!.spilledBytes;
      for (let i = 0; i < 10; i++) bus.publish(event(round * 10 + i));
      await until(() => bus.stats()[0]!.spilledBytes > before);
    }
    expect(bus.stats()[0]).toMatchObject({ depth: 200, dropped: 0 });
    expect(segments(dir).length).toBeGreaterThan(1);
    release();
    expect(await bus.drain()).toBe(true);
    expect(seen).toEqual(range(0, 200));
  });

  it("drain gives up after its timeout while a subscriber keeps failing; close keeps the backlog", async () => {
    const dir = tmp();
    const bus = durableBus(dir, () => {
      throw new Error("down");
    });
    bus.publish(event(0));
    expect(await bus.drain(50)).toBe(false);
    expect(await bus.close(0)).toBe(false);
    bus.publish(event(1));
    expect(bus.stats()[0]!.dropped).toBe(1);

    const seen: number[] = [];
    const next = durableBus(dir, (b) => void seen.push(...times(b)));
    expect(await next.drain()).toBe(true);
    expect(seen).toEqual([0]);
  });

  it("drain can wait for some subscribers only, not for one stuck in retries", async () => {
    const bus = new EventBus();
    open.push(bus);
    const stored: number[] = [];
    bus.subscribe({ name: "store", handle: (b) => void stored.push(...times(b)) });
    bus.subscribe({
      name: "siem",
      durable: { dir: tmp(), maxBytes: 1 << 20, backoff: { initialMs: 1000, maxMs: 1000 } },
      handle: () => {
        throw new Error("receiver down");
      },
    });
    bus.publish(event(0));
    expect(await bus.drain(2000, ["store"])).toBe(true);
    expect(stored).toEqual([0]);
    expect(await bus.drain(30)).toBe(false);
  });

  it("close writes what is still in memory, for the next start", async () => {
    const dir = tmp();
    const bus = durableBus(dir, never);
    for (let i = 0; i < 5; i++) bus.publish(event(i));
    await bus.close(0);
    const seen: number[] = [];
    const next = durableBus(dir, (b) => void seen.push(...times(b)));
    await next.drain();
    expect(seen).toEqual(range(0, 5));
  });

  it("queues only what the filter accepts", async () => {
    const seen: number[] = [];
    const bus = durableBus(tmp(), (b) => void seen.push(...times(b)), { filter: (e) => e.time % 2 === 0 });
    for (let i = 0; i < 10; i++) bus.publish(event(i));
    await bus.drain();
    expect(seen).toEqual([0, 2, 4, 6, 8]);
  });

  it("an event that cannot be serialised is dropped and reported; the others flow", async () => {
    const errors: string[] = [];
    const drops: string[] = [];
    const seen: number[] = [];
    const bus = durableBus(
      tmp(),
      (b) => void seen.push(...times(b)),
      {},
      {
        onError: (_n, error) => errors.push((error as Error).name),
        onDrop: (_n, e) => drops.push(e.activity),
      },
    );
    bus.publish(event(0));
    bus.publish({ ...event(1), details: { big: 1n } });
    bus.publish(event(2));
    expect(bus.stats()[0]!.depth).toBe(3);
    await bus.drain();
    expect(seen).toEqual([0, 2]);
    expect(drops).toEqual(["e1"]);
    expect(errors).toEqual(["TypeError"]);
  });

  it("depth counts every accepted event, also while it is being written", async () => {
    const bus = durableBus(tmp(), never);
    const depths = new Set<number>();
    for (let i = 0; i < 200; i++) {
      bus.publish(event(i));
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      depths.add(bus.stats()[0]!.depth - (i + 1));
    }
    for (let i = 0; i < 50; i++) {
      depths.add(bus.stats()[0]!.depth - 200);
      await new Promise((r) => setImmediate(r));
    }
    expect([...depths]).toEqual([0]);
  });

  it("a filter that throws does not fail publish: the event is delivered and the error reported", async () => {
    const errors: string[] = [];
    const seen: number[] = [];
    const bus = durableBus(
      tmp(),
      (b) => void seen.push(...times(b)),
      {
        filter: (e) => {
          if (e.time === 1) throw new Error("bad filter");
          return true;
        },
      },
      { onError: (name, error) => errors.push(`${name}: ${(error as Error).message}`) },
    );
    for (let i = 0; i < 3; i++) bus.publish(event(i));
    await bus.drain();
    expect(seen).toEqual([0, 1, 2]);
    expect(errors).toEqual(["d: bad filter"]);
  });

  it("refuses a queue directory held by another live process, and bad options at subscribe time", () => {
    const dir = tmp();
    writeFileSync(join(dir, "lock"), `${process.ppid}\n`);
    const bus = new EventBus();
    const durable = { dir, maxBytes: 1 << 20 };
    expect(() => bus.subscribe({ name: "x", handle: () => {}, durable })).toThrow(/in use by process/);
    expect(() =>
      bus.subscribe({ name: "x", handle: () => {}, durable: { dir: tmp(), maxBytes: 10 } }),
    ).toThrow(/maxBytes/);
    expect(() =>
      bus.subscribe({
        name: "x",
        handle: () => {},
        durable: { dir: tmp(), maxBytes: 1 << 20, maxAttempts: 0 },
      }),
    ).toThrow(/maxAttempts/);
  });

  it("property: under random failures and restarts every event arrives at least once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.boolean(), { maxLength: 6 }),
        async (failPattern, chunks, maxBatch, restarts) => {
          const dir = tmp();
          let call = 0;
          const accepted: number[][] = [];
          let current: number[] = [];
          const handle = (b: readonly SecurityEvent[]) => {
            if (failPattern[call++ % failPattern.length]) throw new Error("flaky");
            current.push(...times(b));
          };
          let bus = durableBus(dir, handle, { maxBatch });
          let next = 0;
          for (const [index, size] of chunks.entries()) {
            for (let i = 0; i < size; i++) bus.publish(event(next++));
            await new Promise((r) => setTimeout(r, 1));
            if (restarts[index]) {
              await bus.close(0);
              accepted.push(current);
              current = [];
              bus = durableBus(dir, handle, { maxBatch });
            }
          }
          // The pattern ends every cycle in failures at worst; a final good stretch lets it finish.
          failPattern.push(false);
          failPattern.fill(false);
          expect(await bus.drain()).toBe(true);
          accepted.push(current);
          // Within one process life, deliveries only move forward.
          for (const life of accepted) expect(life).toEqual([...life].sort((a, b) => a - b));
          // First arrivals are in publication order, and every event arrived.
          const firsts = [...new Set(accepted.flat())];
          expect(firsts).toEqual(range(0, next));
        },
      ),
      { numRuns: 25 },
    );
  });
});
