import { request } from "undici";
import type { IncidentRecord, IncidentSeverity, ResponseActionRecord } from "../../store/index.js";
import { SEVERITY_RANK, type Trigger, type WebhookSigner, type WebhookTarget } from "../types.js";

/**
 * The `notify` action: one POST per webhook, signed like the SIEM webhook (HMAC-SHA-256 over
 * `<timestamp>.<body>`, docs/siem.md), so one receiver check serves both. `format: slack` sends a
 * Slack-compatible `{text, blocks}` message instead of the JSON document.
 */

export interface Notification {
  /** `incident.opened`, `incident.escalated`, or `response.triggered` when no incident was opened. */
  kind: "incident.opened" | "incident.escalated" | "response.triggered";
  incident: IncidentRecord | undefined;
  trigger: Trigger;
  /** What was done about it, in order. */
  actions: ResponseActionRecord[];
  severity: IncidentSeverity;
}

export interface DeliveryResult {
  webhook: string;
  ok: boolean;
  /** HTTP status of the last attempt, or the transport error; never the URL (it may hold a token). */
  detail: string;
  attempts: number;
}

export interface Notifier {
  readonly webhooks: readonly string[];
  /** Sends to the named webhooks (all when undefined) whose minimum severity the notification meets. */
  send(names: readonly string[] | undefined, notification: Notification): Promise<DeliveryResult[]>;
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** The JSON document a webhook receives (docs/incidents.md shows an example). */
export function notificationDocument(n: Notification, publicUrl?: string): Record<string, unknown> {
  const t = n.trigger;
  const incident = n.incident;
  return {
    type: n.kind,
    version: 1,
    sent_at: new Date().toISOString(),
    severity: n.severity,
    incident: incident
      ? {
          id: incident.id,
          type: incident.type,
          title: incident.title,
          severity: incident.severity,
          status: incident.status,
          key_id: incident.keyId,
          team: incident.team,
          owasp: incident.owasp,
          atlas: incident.atlas,
          first_seen: iso(incident.firstSeen),
          last_seen: iso(incident.lastSeen),
          event_count: incident.eventCount,
          ...(publicUrl ? { url: `${publicUrl.replace(/\/+$/, "")}/admin/v1/incidents/${incident.id}` } : {}),
        }
      : null,
    trigger: {
      rule: t.rule.id,
      description: t.rule.description,
      type: t.rule.type,
      severity: t.rule.severity,
      key_id: t.keyId,
      key_name: t.keyName ?? null,
      team: t.team,
      time: iso(t.time),
      score: t.score ?? null,
      reasons: t.reasons,
      owasp: t.owasp,
      atlas: t.atlas,
      request_ids: t.requestIds,
    },
    actions: n.actions.map((a) => ({
      id: a.id,
      type: a.type,
      state: a.state,
      playbook: a.playbook,
      expires_at: iso(a.expiresAt),
      detail: a.detail,
    })),
  };
}

/** Slack mrkdwn treats &, < and > as control characters (api.slack.com, "Formatting text"). */
const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function describeAction(a: ResponseActionRecord): string {
  const until = a.expiresAt ? ` until ${new Date(a.expiresAt).toISOString()}` : "";
  if (a.state === "failed") return `${a.type} failed${a.detail ? `: ${a.detail}` : ""}`;
  if (a.type === "suspend_key")
    return a.state === "active"
      ? `key suspended${until || " until resumed"}`
      : `suspend_key: ${a.detail ?? a.state}`;
  if (a.type === "throttle") return `key throttled${until}`;
  if (a.type === "require_policy") return `key under policy ${String(a.params.policy)}${until}`;
  return a.type;
}

/** A Slack incoming-webhook message: a fallback `text` and Block Kit sections. */
export function slackMessage(n: Notification, publicUrl?: string): Record<string, unknown> {
  const t = n.trigger;
  const headline = `${n.kind === "incident.escalated" ? "Escalated" : "Security incident"} [${n.severity.toUpperCase()}]: ${t.rule.description}`;
  const who = `key ${t.keyName ? `${t.keyName} (${t.keyId})` : t.keyId}${t.team ? `, team ${t.team}` : ""}`;
  const mapping = [...t.owasp, ...t.atlas].join(", ");
  const done = n.actions.filter((a) => a.type !== "open_incident" && a.type !== "notify").map(describeAction);
  const lines = [
    `*${slackEscape(headline)}*`,
    slackEscape(who),
    ...t.reasons.slice(0, 5).map((r) => `• ${slackEscape(r)}`),
    ...(mapping ? [`Mapping: ${slackEscape(mapping)}`] : []),
    ...(done.length ? [`Response: ${slackEscape(done.join("; "))}`] : []),
  ];
  const link =
    n.incident && publicUrl
      ? `${publicUrl.replace(/\/+$/, "")}/admin/v1/incidents/${n.incident.id}`
      : n.incident
        ? `incident ${n.incident.id}`
        : undefined;
  return {
    text: `${headline} — ${who}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
      ...(link ? [{ type: "context", elements: [{ type: "mrkdwn", text: slackEscape(link) }] }] : []),
    ],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface NotifierOptions {
  signer: WebhookSigner;
  publicUrl?: string;
  /** Base delay between attempts (doubled each time); tests shorten it. */
  retryDelayMs?: number;
}

export function createNotifier(targets: readonly WebhookTarget[], options: NotifierOptions): Notifier {
  const { signer } = options;
  const retryDelay = options.retryDelayMs ?? 500;

  async function deliver(target: WebhookTarget, n: Notification): Promise<DeliveryResult> {
    const document =
      target.format === "slack"
        ? slackMessage(n, options.publicUrl)
        : notificationDocument(n, options.publicUrl);
    const body = Buffer.from(JSON.stringify(document), "utf8");
    let detail = "";
    for (let attempt = 1; attempt <= target.attempts; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "portcullis-incidents",
        "x-portcullis-event": n.kind,
      };
      if (target.secret) {
        headers[signer.timestampHeader] = String(timestamp);
        headers[signer.signatureHeader] = signer.sign(target.secret, timestamp, body);
      }
      try {
        const response = await request(target.url, {
          method: "POST",
          headers,
          body,
          headersTimeout: target.timeoutMs,
          bodyTimeout: target.timeoutMs,
        });
        await response.body.dump();
        detail = `HTTP ${response.statusCode}`;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          return { webhook: target.name, ok: true, detail, attempts: attempt };
        }
        // A 4xx other than 408/429 will not get better by trying again.
        if (response.statusCode < 500 && response.statusCode !== 408 && response.statusCode !== 429) {
          return { webhook: target.name, ok: false, detail, attempts: attempt };
        }
      } catch (error) {
        detail = (error as { code?: string }).code ?? (error as Error).name ?? "transport error";
      }
      if (attempt < target.attempts) await sleep(retryDelay * 2 ** (attempt - 1));
    }
    return { webhook: target.name, ok: false, detail, attempts: target.attempts };
  }

  return {
    webhooks: targets.map((t) => t.name),
    async send(names, n) {
      const chosen = targets.filter(
        (t) =>
          (!names || names.includes(t.name)) && SEVERITY_RANK[n.severity] >= SEVERITY_RANK[t.minSeverity],
      );
      return Promise.all(chosen.map((t) => deliver(t, n)));
    },
  };
}
