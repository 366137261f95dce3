import {
  actionPageSchema,
  eventPageSchema,
  incidentPageSchema,
  type DrillAction,
  type DrillClient,
  type DrillEvent,
  type DrillIncident,
} from "./client.js";
import type { Expectation, Phase } from "./scenario.js";
import type { StatusTally } from "./types.js";

/** A phase as it ran: its key, when it started (server clock) and how its requests were answered. */
export interface PhaseRun {
  phase: Phase;
  keyId: string;
  /** The key's created_at: the phase starts right after, by the server's clock. */
  start: number;
  sent: number;
  tally: StatusTally;
}

/** What the deployment says about the drill beyond the phases (from GET /admin/v1/config). */
export interface DeploymentFacts {
  /** Names of incidents.webhooks; undefined when the server does not expose its configuration. */
  webhooks?: string[];
  analytics?: boolean;
  incidents?: boolean;
  /** Names of siem.exporters. */
  exporters?: string[];
  /** limits.key.requestsPerMinute (null: unlimited). */
  keyRequestsPerMinute?: number | null;
}

export type Outcome =
  | { status: "pass"; detail: string; at?: number }
  | { status: "fail"; detail: string }
  | { status: "pending"; detail: string };

/** Pages read per query at most: a flood key has thousands of events, the evidence is in the first. */
const MAX_PAGES = 10;
const PAGE = 500;

/** One round of reads for one phase: each admin list is fetched once, whatever the checks need. */
export class PhaseView {
  private incidents?: Promise<DrillIncident[]>;
  private actions?: Promise<DrillAction[]>;
  private readonly events = new Map<string, Promise<DrillEvent[]>>();

  constructor(
    private readonly client: DrillClient,
    readonly run: PhaseRun,
  ) {}

  /** Events of the phase's key (newest first), optionally filtered by the server. */
  eventsFor(query: { activity?: string; decision?: string }): Promise<DrillEvent[]> {
    const params = new URLSearchParams({ key_id: this.run.keyId, limit: String(PAGE) });
    if (query.activity) params.set("activity", query.activity);
    if (query.decision) params.set("decision", query.decision);
    const id = params.toString();
    let found = this.events.get(id);
    if (!found) {
      found = (async () => {
        const all: DrillEvent[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < MAX_PAGES; page++) {
          if (cursor) params.set("cursor", cursor);
          const answer = await this.client.admin("GET", `/admin/v1/events?${params}`, eventPageSchema);
          all.push(...answer.data);
          cursor = answer.next_cursor;
          if (!cursor) break;
        }
        return all;
      })();
      this.events.set(id, found);
    }
    return found;
  }

  incidentList(): Promise<DrillIncident[]> {
    this.incidents ??= this.client
      .admin("GET", `/admin/v1/incidents?key_id=${encodeURIComponent(this.run.keyId)}`, incidentPageSchema)
      .then((page) => page.data);
    return this.incidents;
  }

  actionList(): Promise<DrillAction[]> {
    this.actions ??= this.client
      .admin(
        "GET",
        `/admin/v1/actions?limit=1000&key_id=${encodeURIComponent(this.run.keyId)}`,
        actionPageSchema,
      )
      .then((page) => page.data);
    return this.actions;
  }
}

const at = (iso: string) => Date.parse(iso);
const earliest = <T>(items: T[], time: (item: T) => number): T | undefined =>
  items.reduce<T | undefined>(
    (best, item) => (best === undefined || time(item) < time(best) ? item : best),
    undefined,
  );

/**
 * Evaluates one expectation. `final` is the last round: what is still missing then is a failure,
 * named with what would have produced it.
 */
export async function evaluate(
  expectation: Expectation,
  view: PhaseView,
  deployment: DeploymentFacts,
  final: boolean,
): Promise<Outcome> {
  const run = view.run;
  const missing = (detail: string): Outcome =>
    final ? { status: "fail", detail } : { status: "pending", detail };
  switch (expectation.kind) {
    case "detection": {
      const matches = (await view.eventsFor(expectation.query)).filter((e) => expectation.match(e));
      const first = earliest(matches, (e) => e.time);
      if (!first) {
        const off =
          expectation.query.activity?.startsWith("analytics.") && deployment.analytics === false
            ? " (analytics.enabled is false on this server)"
            : "";
        return missing(
          `no ${expectation.query.activity ?? "matching"} event for key ${run.keyId}${off}: ${expectation.hint}`,
        );
      }
      return {
        status: "pass",
        detail: `${matches.length} event${matches.length === 1 ? "" : "s"}, first ${first.activity} (${first.id})`,
        at: first.time,
      };
    }
    case "blocked": {
      const events = (await view.eventsFor({})).filter((e) => e.class === "api_activity");
      if (events.length < run.sent)
        return missing(`${events.length} of ${run.sent} request events recorded so far`);
      const allowed = events.filter((e) => e.decision.action === "allow" || e.decision.action === "error");
      if (allowed.length > 0)
        return {
          status: "fail",
          detail: `${allowed.length} of ${events.length} requests carrying a credential were allowed: ${expectation.hint}`,
        };
      const blocked = events.filter((e) => e.decision.action === "block").length;
      return {
        status: "pass",
        detail: `${blocked} blocked, ${events.length - blocked} redacted`,
        at: Math.min(...events.map((e) => e.time)),
      };
    }
    case "limited": {
      const limited = run.tally.get(429) ?? 0;
      if (limited === 0) {
        const rpm = deployment.keyRequestsPerMinute;
        const limit =
          rpm === null
            ? " (limits.key.requestsPerMinute is null: no per-key limit)"
            : rpm
              ? ` (limits.key.requestsPerMinute is ${rpm})`
              : "";
        return {
          status: "fail",
          detail: `none of ${run.sent} requests was refused${limit}: ${expectation.hint}`,
        };
      }
      return { status: "pass", detail: `${limited} of ${run.sent} requests answered 429` };
    }
    case "incident": {
      const incidents = (await view.incidentList()).filter((i) => expectation.types.includes(i.type));
      const first = earliest(incidents, (i) => at(i.created_at));
      if (!first) {
        let off = deployment.incidents === false ? " (incidents.enabled is false on this server)" : "";
        if (!off && expectation.detection && final) {
          const scores = (await view.eventsFor({ activity: expectation.detection }))
            .map((e) => e.details?.score)
            .filter((x): x is number => typeof x === "number");
          if (scores.length)
            off = ` although ${expectation.detection} was detected (score ${Math.max(...scores).toFixed(2)})`;
        }
        return missing(
          `no ${expectation.types.join(" or ")} incident for key ${run.keyId}${off}: ${expectation.hint}`,
        );
      }
      return {
        status: "pass",
        detail: `${first.severity} ${first.type} incident ${first.id} (rule ${first.rule_id})`,
        at: at(first.created_at),
      };
    }
    case "response": {
      const actions = (await view.actionList()).filter((a) => expectation.actions.includes(a.type));
      const done = actions.filter((a) => a.state !== "failed");
      const first = earliest(done, (a) => at(a.created_at));
      if (first)
        return {
          status: "pass",
          detail: `${first.type} (${first.state}) by playbook ${first.playbook ?? "?"}`,
          at: at(first.created_at),
        };
      const failed = actions[0];
      if (failed) return { status: "fail", detail: `${failed.type} failed: ${failed.detail ?? "no detail"}` };
      return missing(
        `no ${expectation.actions.join(" or ")} action on key ${run.keyId}: ${expectation.hint}`,
      );
    }
    case "notification": {
      const notices = (await view.actionList()).filter((a) => a.type === "notify");
      const sent = earliest(
        notices.filter((a) => a.state === "done"),
        (a) => at(a.created_at),
      );
      if (sent)
        return { status: "pass", detail: `notified: ${sent.detail ?? "delivered"}`, at: at(sent.created_at) };
      const failed = notices.find((a) => a.state === "failed");
      if (failed) return { status: "fail", detail: `notification failed: ${failed.detail ?? "no detail"}` };
      const incidents = await view.incidentList();
      if (incidents.length === 0) return missing("no incident was opened, so none was notified");
      const why =
        deployment.webhooks === undefined
          ? "check incidents.webhooks and the playbooks' notify actions"
          : deployment.webhooks.length === 0
            ? "incidents.webhooks is not configured"
            : `a playbook with a notify action must answer this incident (webhooks: ${deployment.webhooks.join(", ")})`;
      return missing(`no notification was sent for incident ${incidents[0]!.id}: ${why}`);
    }
  }
}
