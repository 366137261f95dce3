import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EventBus, type SecurityEvent } from "../../src/events/index.js";
import { openPostgresStore, openSqliteStore, type Store } from "../../src/store/index.js";
import { event, PG_SKIP_MESSAGE, PG_URL, postgresBackend } from "./backends.js";

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), "pcx-outage-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Issue 5: "when the store is unavailable, events spill to a bounded on-disk queue and are written
 * when it returns". The store subscriber is wired as in src/app: durable, with backoff.
 */
function storeBus(store: Store, dir: string, errors: unknown[] = []): EventBus {
  const bus = new EventBus({ onError: (_name, error) => errors.push(error) });
  bus.subscribe({
    name: "store",
    flushDelayMs: 5,
    durable: { dir, maxBytes: 16 * 1024 * 1024, backoff: { initialMs: 10, maxMs: 100 } },
    handle: (batch) => store.appendEvents(batch),
  });
  return bus;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function storedIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryEvents({ limit: 500, ...(cursor ? { cursor } : {}) });
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids.reverse();
}

const publishAll = async (bus: EventBus, events: SecurityEvent[]) => {
  for (let i = 0; i < events.length; i += 25) {
    for (const e of events.slice(i, i + 25)) bus.publish(e);
    await new Promise((r) => setTimeout(r, 1));
  }
};

describe("store outage: a store whose writes fail for a while", () => {
  it("spills to disk while the store is down, writes everything when it returns, loses nothing", async () => {
    const dir = tmp();
    const real = openSqliteStore(join(dir, "p.db"));
    let down = true;
    const flaky: Store = {
      ...real,
      appendEvents: (batch) =>
        down ? Promise.reject(new Error("SQLITE_BUSY: database is locked")) : real.appendEvents(batch),
    };
    const errors: unknown[] = [];
    const bus = storeBus(flaky, join(dir, "queues", "store"), errors);
    const events = Array.from({ length: 300 }, (_, i) => event(i));
    await publishAll(bus, events);
    await until(() => bus.stats()[0]!.retries >= 3 && bus.stats()[0]!.spilledBytes > 300 * 100);
    const during = bus.stats()[0]!;
    expect(during).toMatchObject({ depth: 300, delivered: 0, dropped: 0 });
    expect(errors.length).toBeGreaterThanOrEqual(3);

    down = false;
    expect(await bus.drain()).toBe(true);
    expect(await storedIds(real)).toEqual(events.map((e) => e.id));
    expect(bus.stats()[0]).toMatchObject({ depth: 0, spilledBytes: 0, dropped: 0, deadLettered: 0 });
    await bus.close();
    await real.close();
  });

  it("a restart during the outage keeps the backlog: the next process writes it", async () => {
    const dir = tmp();
    const queue = join(dir, "queues", "store");
    const real = openSqliteStore(join(dir, "p.db"));
    const failing: Store = { ...real, appendEvents: () => Promise.reject(new Error("store down")) };
    const first = storeBus(failing, queue);
    const events = Array.from({ length: 120 }, (_, i) => event(i));
    await publishAll(first, events);
    expect(await first.close(100)).toBe(false); // shutdown grace runs out: the backlog stays on disk

    const second = storeBus(real, queue);
    expect(await second.drain()).toBe(true);
    expect(await storedIds(real)).toEqual(events.map((e) => e.id));
    await second.close();
    await real.close();
  });
});

/** A TCP proxy in front of PostgreSQL that the test can cut, like a network partition or a failover. */
class CuttableProxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private open = true;
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = connect(this.port, this.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on("error", () => b.destroy());
        a.on("close", () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }

  /** Every connection is cut and new ones are refused. */
  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server?.close(r));
  }
}

if (!PG_URL) console.warn(PG_SKIP_MESSAGE);

describe.skipIf(!PG_URL)("store outage: PostgreSQL goes away and comes back", () => {
  const backend = postgresBackend();
  const proxies: CuttableProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  afterAll(() => backend.cleanup());

  it("events published during the outage are written when the server is reachable again", async () => {
    const db = await backend.fresh();
    const target = new URL(PG_URL!);
    const proxy = new CuttableProxy(target.hostname, Number(target.port || 5432));
    proxies.push(proxy);
    const proxied = new URL(PG_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(await proxy.start());

    const poolErrors: unknown[] = [];
    const store = await openPostgresStore({
      url: proxied.toString(),
      schema: db.name,
      poolSize: 2,
      onError: (e) => poolErrors.push(e),
    });
    const direct = await db.open();
    const bus = storeBus(store, join(tmp(), "queues", "store"));

    const before = Array.from({ length: 50 }, (_, i) => event(i));
    await publishAll(bus, before);
    expect(await bus.drain()).toBe(true);

    proxy.cut();
    const during = Array.from({ length: 200 }, (_, i) => event(50 + i));
    await publishAll(bus, during);
    await until(() => bus.stats()[0]!.retries >= 2);
    expect(bus.stats()[0]).toMatchObject({ depth: 200, dropped: 0 });
    expect(await storedIds(direct)).toHaveLength(50);

    proxy.restore();
    expect(await bus.drain()).toBe(true);
    expect(await storedIds(direct)).toEqual([...before, ...during].map((e) => e.id));
    expect(bus.stats()[0]).toMatchObject({ depth: 0, dropped: 0, deadLettered: 0 });
    await bus.close();
    await store.close();
    await direct.close();
  });
});
