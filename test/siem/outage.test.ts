import { describe, expect, it } from "vitest";
import { EventBus, type SecurityEvent } from "../../src/events/index.js";
import { buildExporters } from "./helpers/build.js";
import { parseSyslog, sdParam } from "./helpers/parse.js";
import { startStreamReceiver, type StreamReceiver } from "./helpers/receivers.js";
import { samples } from "./helpers/samples.js";

/**
 * Issue 5, "Fault test": the receiver is stopped while events flow and restarted later; every event
 * arrives at least once. The exporter throws while the receiver is down; the durable bus keeps the
 * batch on disk and retries it with backoff. (The same with a real rsyslogd and a real gateway is in
 * rsyslog.test.ts.)
 */
describe("receiver outage (TCP syslog, durable bus)", () => {
  it("loses nothing when the receiver goes away mid-stream and comes back", async () => {
    let receiver: StreamReceiver = await startStreamReceiver();
    const port = receiver.port;
    const received: string[] = [];
    const collect = () => received.push(...receiver.messages.splice(0));

    const { subscribers } = buildExporters([
      {
        name: "outage",
        type: "syslog",
        host: "127.0.0.1",
        port,
        timeoutMs: 1000,
        settleMs: 100,
        queue: { backoff: { initialMs: 50, maxMs: 400 } },
      },
    ]);
    const exporter = subscribers[0]!;
    const errors: unknown[] = [];
    const bus = new EventBus({ onError: (_, error) => errors.push(error) });
    bus.subscribe(exporter);

    const total = 150;
    const ids: string[] = [];
    const publish = (i: number) => {
      const event: SecurityEvent = {
        ...samples.allowed,
        id: `01942a6b-0000-7000-8000-${String(i).padStart(12, "0")}`,
        request_id: `outage-${i}`,
        time: Date.now(),
      };
      ids.push(event.request_id!);
      bus.publish(event);
    };

    try {
      for (let i = 0; i < total; i++) {
        publish(i);
        if (i === 50) {
          // Stop the receiver while events flow: connections are cut, the port refuses.
          collect();
          await receiver.close();
        }
        if (i === 110) {
          receiver = await startStreamReceiver({ port });
        }
        await new Promise((r) => setTimeout(r, 8));
        collect();
      }
      const deadline = Date.now() + 20_000;
      const missing = () => {
        collect();
        const got = new Set(received.map((m) => sdParam(parseSyslog(m), "portcullis@32473", "request_id")));
        return ids.filter((id) => !got.has(id));
      };
      while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(missing()).toEqual([]);
      // The outage was real: deliveries failed and were retried.
      expect(errors.length).toBeGreaterThan(0);
      expect(exporter.stats().failed).toBeGreaterThan(0);
      const busStats = bus.stats().find((s) => s.name === "siem:outage")!;
      expect(busStats.retries).toBeGreaterThan(0);
      expect(busStats.deadLettered).toBe(0);
    } finally {
      await bus.close(2000);
      await exporter.close();
      await receiver.close();
    }
  });
});
