import { CliError, EXIT_OK } from "../../errors.js";
import { adminApi, type Target } from "../keys/index.js";

/**
 * `portcullis incidents …` (docs/cli.md, docs/incidents.md): the incident lifecycle and the
 * response actions through a running gateway's admin API. The responder lives in the server, so
 * every step goes through it (audited there, with this admin key as who did it); there is no
 * data-directory mode.
 */

/** What the admin API answers (src/gateway/routes/incidents.ts); only the fields printed here. */
interface IncidentJson {
  id: string;
  type: string;
  title: string;
  severity: string;
  status: string;
  key_id: string;
  team: string | null;
  owasp: string[];
  atlas: string[];
  first_seen: string;
  last_seen: string;
  event_count: number;
  evidence: { rules: string[]; reasons: string[] };
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}
interface ActionJson {
  id: string;
  type: string;
  state: string;
  key_id: string;
  playbook: string;
  expires_at: string | null;
  ended_at: string | null;
  ended_by: string | null;
  detail: string | null;
}
type NoteJson = { id: string; time: string; author: string; kind: string; text: string };
type IncidentDetailJson = IncidentJson & { notes: NoteJson[]; actions: ActionJson[] };

export type IncidentsTarget = Omit<Target, "dataDir"> & { dataDir?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOTE_MAX = 4000;

function server(target: IncidentsTarget): Target {
  if (!target.server) {
    throw new CliError(
      "incidents commands talk to a running gateway: give --server URL (and --admin-key KEY)",
    );
  }
  return { ...target, dataDir: target.dataDir ?? "" };
}

function checkId(id: string, what: string): string {
  if (!UUID.test(id)) throw new CliError(`"${id}" is not ${what} id (a UUID such as 0190…)`);
  return id;
}

function checkNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined;
  if (note.trim().length === 0 || note.length > NOTE_MAX) {
    throw new CliError(`--note must be 1 to ${NOTE_MAX} characters`);
  }
  return note;
}

function print(target: IncidentsTarget, json: unknown, text: string): void {
  process.stdout.write(target.format === "json" ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function line(i: IncidentJson): string {
  return `${i.id}  ${i.severity.padEnd(8)} ${i.status.padEnd(12)} ${i.type.padEnd(24)} key=${i.key_id} events=${i.event_count} last=${i.last_seen}`;
}

function actionLine(a: ActionJson): string {
  const until = a.expires_at ? ` until ${a.expires_at}` : "";
  const ended = a.ended_at ? ` ended ${a.ended_at}${a.ended_by ? ` by ${a.ended_by}` : ""}` : "";
  return `${a.id}  ${a.type.padEnd(14)} ${a.state.padEnd(10)} key=${a.key_id} playbook=${a.playbook}${until}${ended}${a.detail ? ` (${a.detail})` : ""}`;
}

function detail(d: IncidentDetailJson): string {
  const mapping = [...d.owasp, ...d.atlas].join(", ") || "—";
  return [
    `${d.title}`,
    `id:        ${d.id}`,
    `status:    ${d.status}${d.acknowledged_by ? ` (acknowledged by ${d.acknowledged_by} at ${d.acknowledged_at})` : ""}${d.resolved_by ? ` (resolved by ${d.resolved_by} at ${d.resolved_at})` : ""}`,
    `severity:  ${d.severity}`,
    `type:      ${d.type} (rules: ${d.evidence.rules.join(", ")})`,
    `key:       ${d.key_id}${d.team ? `, team ${d.team}` : ""}`,
    `mapping:   ${mapping}`,
    `seen:      ${d.first_seen} … ${d.last_seen}, ${d.event_count} events`,
    "reasons:",
    ...d.evidence.reasons.map((r) => `  - ${r}`),
    "actions:",
    ...(d.actions.length ? d.actions.map((a) => `  ${actionLine(a)}`) : ["  (none)"]),
    "history:",
    ...d.notes.map((n) => `  ${n.time}  ${n.kind.padEnd(12)} ${n.author}: ${n.text}`),
  ].join("\n");
}

export interface IncidentsListOptions extends IncidentsTarget {
  status?: string;
  severity?: string;
  key?: string;
  type?: string;
  limit?: string;
}

export async function incidentsList(opts: IncidentsListOptions): Promise<number> {
  const query = new URLSearchParams();
  if (opts.status) query.set("status", opts.status);
  if (opts.severity) query.set("severity", opts.severity);
  if (opts.key) query.set("key_id", opts.key);
  if (opts.type) query.set("type", opts.type);
  if (opts.limit) query.set("limit", opts.limit);
  const path = `/admin/v1/incidents${query.size ? `?${query}` : ""}`;
  const page = await adminApi<{ data: IncidentJson[]; next_cursor: string | null }>(
    server(opts),
    "GET",
    path,
  );
  print(opts, page, page.data.length ? page.data.map(line).join("\n") : "no incidents");
  return EXIT_OK;
}

export async function incidentsShow(opts: IncidentsTarget & { id: string }): Promise<number> {
  const id = checkId(opts.id, "an incident");
  const found = await adminApi<IncidentDetailJson>(server(opts), "GET", `/admin/v1/incidents/${id}`);
  print(opts, found, detail(found));
  return EXIT_OK;
}

export async function incidentsStep(
  opts: IncidentsTarget & { id: string; step: "ack" | "resolve"; note?: string },
): Promise<number> {
  const id = checkId(opts.id, "an incident");
  const note = checkNote(opts.note);
  const updated = await adminApi<IncidentJson>(
    server(opts),
    "POST",
    `/admin/v1/incidents/${id}/${opts.step}`,
    note ? { note } : {},
  );
  print(opts, updated, line(updated));
  return EXIT_OK;
}

export interface IncidentsActionsOptions extends IncidentsTarget {
  state?: string;
  key?: string;
  incident?: string;
  limit?: string;
}

export async function incidentsActions(opts: IncidentsActionsOptions): Promise<number> {
  const query = new URLSearchParams();
  if (opts.state) query.set("state", opts.state);
  if (opts.key) query.set("key_id", opts.key);
  if (opts.incident) query.set("incident_id", checkId(opts.incident, "an incident"));
  if (opts.limit) query.set("limit", opts.limit);
  const path = `/admin/v1/actions${query.size ? `?${query}` : ""}`;
  const page = await adminApi<{ data: ActionJson[] }>(server(opts), "GET", path);
  print(opts, page, page.data.length ? page.data.map(actionLine).join("\n") : "no actions");
  return EXIT_OK;
}

export async function incidentsRevert(
  opts: IncidentsTarget & { id: string; note?: string },
): Promise<number> {
  const id = checkId(opts.id, "an action");
  const note = checkNote(opts.note);
  const reverted = await adminApi<ActionJson>(
    server(opts),
    "POST",
    `/admin/v1/actions/${id}/revert`,
    note ? { note } : {},
  );
  print(opts, reverted, actionLine(reverted));
  return EXIT_OK;
}

export async function incidentsFeedback(opts: IncidentsTarget): Promise<number> {
  const summary = await adminApi<{
    data: { subject: string; false_positive: number; missed_attack: number; total: number }[];
  }>(server(opts), "GET", "/admin/v1/feedback/summary");
  const text = summary.data.length
    ? [
        `${"subject".padEnd(40)} false_positive  missed_attack`,
        ...summary.data.map(
          (r) =>
            `${r.subject.padEnd(40)} ${String(r.false_positive).padStart(14)}  ${String(r.missed_attack).padStart(13)}`,
        ),
      ].join("\n")
    : "no feedback";
  print(opts, summary, text);
  return EXIT_OK;
}
