import type { EventFinding, SecurityEvent } from "../../events/index.js";
import { effectiveSeverity, findingSeverity, type Severity } from "../severity.js";
import { bounded } from "./text.js";

/**
 * Open Cybersecurity Schema Framework records (schema 1.3.0): each request becomes one API Activity
 * (class 6003, category 6 Application Activity) and each of its findings one Detection Finding
 * (class 2004, category 2 Findings), linked by `metadata.correlation_uid` and
 * `finding_info.related_events`. Both carry the Security Control profile (action and disposition).
 */

export const OCSF_VERSION = "1.3.0";

export type OcsfRecord = Record<string, unknown>;

export interface OcsfOptions {
  productVersion: string;
}

/** Longest string copied into a record; JSON escapes everything else losslessly. */
const MAX_STRING = 2048;
const s = (value: string | undefined | null) =>
  value === undefined || value === null ? undefined : bounded(value, MAX_STRING);

/** severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
const SEVERITY_ID: Record<Severity, [number, string]> = {
  info: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

/** API Activity activity_id: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other. */
function apiActivity(event: SecurityEvent): [number, string] {
  // A model call creates a completion (the providers' own API names it "create").
  if (event.class === "api_activity") return [1, "Create"];
  const verb = event.activity.slice(event.activity.lastIndexOf(".") + 1);
  if (/^(created|issued|added)$/.test(verb)) return [1, "Create"];
  if (/^(read|listed|viewed|exported)$/.test(verb)) return [2, "Read"];
  if (/^(updated|changed|suspended|resumed|reactivated|rotated|renamed)$/.test(verb)) return [3, "Update"];
  if (/^(deleted|revoked|removed)$/.test(verb)) return [4, "Delete"];
  return [99, event.activity];
}

/**
 * Security Control profile. action_id: 1 Allowed, 2 Denied. disposition_id: 1 Allowed, 2 Blocked,
 * 11 Corrected (content was changed: redaction), 15 Detected (monitor mode: seen, not enforced).
 */
function control(event: SecurityEvent): OcsfRecord {
  const { action, monitor_only: monitor } = event.decision;
  let result: [number, string, number, string];
  if (monitor && event.findings.length > 0) result = [1, "Allowed", 15, "Detected"];
  else if (action === "block") result = [2, "Denied", 2, "Blocked"];
  else if (action === "redact") result = [1, "Allowed", 11, "Corrected"];
  else result = [1, "Allowed", 1, "Allowed"];
  return { action_id: result[0], action: result[1], disposition_id: result[2], disposition: result[3] };
}

function metadata(event: SecurityEvent, options: OcsfOptions, uid: string): OcsfRecord {
  return {
    version: OCSF_VERSION,
    product: { name: "Portcullis", vendor_name: "Portcullis", version: options.productVersion },
    profiles: ["security_control"],
    uid,
    correlation_uid: s(event.request_id) ?? event.id,
    event_code: s(event.activity),
  };
}

function actor(event: SecurityEvent): OcsfRecord {
  const { key_id: uid, key_name: name, team, role } = event.actor;
  // user.type_id: 0 Unknown (no key), 1 User, 2 Admin.
  const [typeId, type] = !uid ? [0, "Unknown"] : role === "admin" ? [2, "Admin"] : [1, "User"];
  return {
    user: {
      ...(uid ? { uid: s(uid) } : {}),
      ...(name ? { name: s(name) } : {}),
      type_id: typeId,
      type,
      ...(team ? { groups: [{ name: s(team) }] } : {}),
    },
  };
}

function srcEndpoint(event: SecurityEvent): OcsfRecord {
  return event.src_endpoint?.ip ? { ip: s(event.src_endpoint.ip) } : {};
}

function httpRequest(event: SecurityEvent): OcsfRecord | undefined {
  if (!event.http && !event.src_endpoint?.user_agent) return undefined;
  return {
    ...(event.http ? { http_method: s(event.http.method), url: { path: s(event.http.path) } } : {}),
    ...(event.src_endpoint?.user_agent ? { user_agent: s(event.src_endpoint.user_agent) } : {}),
  };
}

function api(event: SecurityEvent): OcsfRecord {
  return {
    operation: s(event.activity),
    service: { name: s(event.provider) ?? "portcullis" },
    ...(event.request_id ? { request: { uid: s(event.request_id) } } : {}),
    ...(event.http || event.error_code
      ? {
          response: {
            ...(event.http ? { code: event.http.status } : {}),
            ...(event.error_code ? { error: s(event.error_code) } : {}),
          },
        }
      : {}),
  };
}

function resources(event: SecurityEvent): OcsfRecord[] | undefined {
  return event.model ? [{ type: "ai_model", name: s(event.model), uid: s(event.model) }] : undefined;
}

/** observables: type_id 2 IP Address, 4 User Name. */
function observables(event: SecurityEvent): OcsfRecord[] {
  const list: OcsfRecord[] = [];
  if (event.src_endpoint?.ip)
    list.push({ name: "src_endpoint.ip", type_id: 2, value: s(event.src_endpoint.ip) });
  if (event.actor.key_name)
    list.push({ name: "actor.user.name", type_id: 4, value: s(event.actor.key_name) });
  return list;
}

function succeeded(event: SecurityEvent): boolean {
  if (event.http) return event.http.status < 400;
  return event.decision.action !== "block" && event.decision.action !== "error";
}

/** Drops undefined members so golden files and receivers see only what is known. */
function compact(record: OcsfRecord): OcsfRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

export function apiActivityRecord(event: SecurityEvent, options: OcsfOptions): OcsfRecord {
  const [activityId, activityName] = apiActivity(event);
  const [severityId, severity] = SEVERITY_ID[effectiveSeverity(event)];
  const ok = succeeded(event);
  return compact({
    activity_id: activityId,
    activity_name: activityName,
    category_uid: 6,
    category_name: "Application Activity",
    class_uid: 6003,
    class_name: "API Activity",
    // type_uid = class_uid × 100 + activity_id.
    type_uid: 6003 * 100 + activityId,
    type_name: `API Activity: ${activityName}`,
    severity_id: severityId,
    severity,
    time: event.time,
    // status_id: 1 Success, 2 Failure.
    status_id: ok ? 1 : 2,
    status: ok ? "Success" : "Failure",
    status_code: event.http ? String(event.http.status) : undefined,
    status_detail: s(event.error_code),
    ...control(event),
    duration: event.latency_ms ? Math.round(event.latency_ms.total) : undefined,
    // An aggregate (penalty-box refusals): OCSF's count, with the period it covers.
    count: event.count,
    start_time:
      typeof event.details?.first_at === "string" && event.count
        ? Date.parse(event.details.first_at)
        : undefined,
    end_time: event.count ? event.time : undefined,
    metadata: metadata(event, options, event.id),
    actor: actor(event),
    api: api(event),
    // cloud is required by API Activity; the model provider is the service the call went to.
    cloud: { provider: s(event.provider) ?? "unknown" },
    src_endpoint: srcEndpoint(event),
    http_request: httpRequest(event),
    http_response: event.http ? { code: event.http.status } : undefined,
    resources: resources(event),
    observables: observables(event),
    unmapped: compact({
      decision: event.decision.action,
      reasons: event.decision.reasons.length > 0 ? event.decision.reasons.map((r) => s(r)) : undefined,
      monitor_only: event.decision.monitor_only,
      stream: event.stream,
      route: s(event.route),
      role: s(event.actor.role),
      usage: event.usage,
      latency_ms: event.latency_ms,
      findings: event.findings.length,
      payload_ref: s(event.payload_ref),
      details: event.details,
    }),
  });
}

/**
 * MITRE ATLAS techniques for the categories that name one (FINDINGS.md, "Taxonomies"), in the
 * attack object's technique slot.
 */
const ATLAS: Record<string, { uid: string; name: string }> = {
  prompt_injection: { uid: "AML.T0051", name: "LLM Prompt Injection" },
  jailbreak: { uid: "AML.T0054", name: "LLM Jailbreak" },
  system_prompt_leak: { uid: "AML.T0056", name: "LLM Meta Prompt Extraction" },
  exfiltration: { uid: "AML.T0057", name: "LLM Data Leakage" },
};

export function detectionFindingRecord(
  event: SecurityEvent,
  finding: EventFinding,
  index: number,
  options: OcsfOptions,
): OcsfRecord {
  const [severityId, severity] = SEVERITY_ID[findingSeverity(finding.severity)];
  const uid = `${event.id}/${index}`;
  const where = finding.direction ? ` in the ${finding.direction}` : "";
  const technique = ATLAS[finding.category];
  const score = Number.isFinite(finding.score) ? Math.min(1, Math.max(0, finding.score)) : 0;
  return compact({
    activity_id: 1,
    activity_name: "Create",
    category_uid: 2,
    category_name: "Findings",
    class_uid: 2004,
    class_name: "Detection Finding",
    type_uid: 2004 * 100 + 1,
    type_name: "Detection Finding: Create",
    severity_id: severityId,
    severity,
    time: event.time,
    // status_id 1: New (not yet reviewed).
    status_id: 1,
    status: "New",
    is_alert: true,
    confidence_score: Math.round(score * 100),
    ...control(event),
    metadata: metadata(event, options, uid),
    finding_info: compact({
      uid,
      title: s(`${finding.category}: ${finding.kind}`),
      desc: s(`${finding.detector} detected ${finding.kind}${where}`),
      types: [s(finding.category)],
      analytic: {
        name: s(finding.detector),
        uid: s(`${finding.detector}/${finding.kind}`),
        type_id: 1,
        type: "Rule",
      },
      attacks: technique ? [{ technique }] : undefined,
      related_events:
        event.class === "detection_finding"
          ? undefined
          : [{ uid: event.id, type_uid: 6003 * 100 + apiActivity(event)[0] }],
    }),
    resources: resources(event),
    evidences: [
      compact({
        actor: actor(event),
        api: api(event),
        src_endpoint: srcEndpoint(event),
        http_request: httpRequest(event),
      }),
    ],
    observables: observables(event),
    unmapped: compact({
      detector: s(finding.detector),
      kind: s(finding.kind),
      category: s(finding.category),
      direction: finding.direction,
      span: finding.span,
      score: finding.score,
    }),
  });
}

/** All records of one event: its API Activity (unless it is itself a finding) and one finding each. */
export function eventToOcsf(event: SecurityEvent, options: OcsfOptions): OcsfRecord[] {
  const records = event.class === "detection_finding" ? [] : [apiActivityRecord(event, options)];
  event.findings.forEach((finding, index) =>
    records.push(detectionFindingRecord(event, finding, index, options)),
  );
  return records;
}
