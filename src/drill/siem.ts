import type { DrillClient } from "./client.js";
import type { Outcome } from "./checks.js";

/**
 * SIEM delivery, read from the gateway's /metrics (Prometheus text format): per `siem:<name>`
 * subscriber, events delivered, failed and dead-lettered, and the queue depth. The drill compares
 * a snapshot taken before the attack with one after it.
 */
export interface SiemCounters {
  delivered?: number;
  failed: number;
  deadLettered: number;
  depth: number;
}

export type SiemSnapshot = Map<string, SiemCounters> | { unavailable: string };

const SAMPLE = /^(portcullis_[a-z_]+)\{subscriber="(siem:[^"]+)"\}\s+([0-9.eE+-]+)$/;

const FIELD: Record<string, keyof SiemCounters> = {
  portcullis_events_delivered_total: "delivered",
  portcullis_event_delivery_failures_total: "failed",
  portcullis_events_dead_lettered_total: "deadLettered",
  portcullis_event_queue_depth: "depth",
};

export function parseSiemMetrics(text: string): Map<string, SiemCounters> {
  const out = new Map<string, SiemCounters>();
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const field = FIELD[m[1]!];
    if (!field) continue;
    const name = m[2]!.slice("siem:".length);
    const counters = out.get(name) ?? { failed: 0, deadLettered: 0, depth: 0 };
    counters[field] = Number(m[3]);
    out.set(name, counters);
  }
  return out;
}

export async function siemSnapshot(client: DrillClient): Promise<SiemSnapshot> {
  const answer = await client.call("GET", "/metrics");
  if (answer.status === 404) return { unavailable: "/metrics is off on this server (metrics.enabled)" };
  if (answer.status !== 200) return { unavailable: `/metrics answered HTTP ${answer.status}` };
  return parseSiemMetrics(answer.text);
}

/**
 * Every configured exporter delivered events during the drill, none failed, and its queue is empty.
 * `configured` names the exporters the server's configuration lists, when it shows it.
 */
export function judgeSiem(
  before: SiemSnapshot,
  after: SiemSnapshot,
  configured: string[] | undefined,
  final: boolean,
): Outcome {
  if ("unavailable" in after || "unavailable" in before) {
    const why = "unavailable" in after ? after.unavailable : (before as { unavailable: string }).unavailable;
    return { status: "fail", detail: `cannot see SIEM delivery: ${why}` };
  }
  const names = configured ?? [...after.keys()];
  if (names.length === 0)
    return {
      status: "fail",
      detail: "no SIEM exporter is configured (siem.exporters): detections reach nobody",
    };
  const problems: string[] = [];
  const fine: string[] = [];
  let pending = false;
  for (const name of names) {
    const now = after.get(name);
    const then = before.get(name);
    if (!now) {
      problems.push(`${name}: no delivery metrics`);
      continue;
    }
    const failed = now.failed - (then?.failed ?? 0);
    const dead = now.deadLettered - (then?.deadLettered ?? 0);
    if (failed > 0 || dead > 0) {
      problems.push(`${name}: ${failed} failed deliveries, ${dead} dead-lettered during the drill`);
      continue;
    }
    const delivered = now.delivered !== undefined ? now.delivered - (then?.delivered ?? 0) : undefined;
    if (now.depth > 0 || delivered === 0) {
      pending = true;
      problems.push(
        now.depth > 0
          ? `${name}: ${now.depth} events still queued`
          : `${name}: no event delivered during the drill`,
      );
      continue;
    }
    fine.push(delivered !== undefined ? `${name}: ${delivered} events delivered` : `${name}: queue drained`);
  }
  if (problems.length === 0) return { status: "pass", detail: fine.join("; ") };
  if (pending && !final && problems.every((p) => /still queued|no event delivered/.test(p)))
    return { status: "pending", detail: problems.join("; ") };
  return { status: "fail", detail: problems.join("; ") };
}
