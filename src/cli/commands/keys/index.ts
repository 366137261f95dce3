import { request } from "undici";
import { KeyTransitionError, keyJson, openLocalKeys, parseExpiry } from "../../../app/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface Target {
  dataDir: string;
  server?: string;
  adminKey?: string;
  format: "text" | "json";
}

export interface KeysCreateOptions extends Target {
  name: string;
  team: string;
  role: "user" | "admin" | "auditor";
  models: string;
  expires?: string;
}

type KeyJson = ReturnType<typeof keyJson>;

/** Calls the admin API of a running gateway. The admin key travels only in the header. */
export async function adminApi<T>(
  target: Target,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const adminKey = target.adminKey ?? process.env.PORTCULLIS_ADMIN_KEY;
  if (!adminKey) throw new CliError("--server needs an admin key: --admin-key KEY or PORTCULLIS_ADMIN_KEY");
  let response;
  try {
    response = await request(new URL(path, target.server).toString(), {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (error) {
    throw new CliError(`cannot reach ${target.server}: ${(error as Error).message}`);
  }
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${target.server} answered HTTP ${response.statusCode} with a body that is not JSON`);
  }
  if (response.statusCode >= 400) {
    const error = (json as { error?: { message?: string; code?: string } }).error;
    throw new CliError(
      `${error?.code ?? `HTTP ${response.statusCode}`}: ${error?.message ?? "request failed"}`,
      EXIT_FINDINGS,
    );
  }
  return json as T;
}

/**
 * Offline changes go straight into the data directory's database: no gateway is there to put them
 * on the event bus, so they never reach the audit log. Say so, every time, on stderr.
 */
function warnUnaudited(dataDir: string): void {
  process.stderr.write(
    `note: changed the keys in ${dataDir} directly; this change is not in the audit log ` +
      "(use --server URL --admin-key K against the running gateway for an audited change)\n",
  );
}

function print(target: Target, json: unknown, text: string): void {
  process.stdout.write(target.format === "json" ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function describe(key: KeyJson): string {
  const expiry = key.expires_at ? ` expires ${key.expires_at}` : "";
  return `${key.id}  ${key.prefix}  ${key.status.padEnd(9)} ${key.role.padEnd(7)} team=${key.team} name=${key.name} models=${key.models.join(",")}${expiry}`;
}

export async function keysCreate(opts: KeysCreateOptions): Promise<number> {
  const models = opts.models
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  if (models.length === 0) throw new CliError("--models needs at least one model name or *");
  let created: { key: string } & KeyJson;
  if (opts.server) {
    created = await adminApi(opts, "POST", "/admin/v1/keys", {
      name: opts.name,
      team: opts.team,
      role: opts.role,
      models,
      ...(opts.expires ? { expires: opts.expires } : {}),
    });
  } else {
    let expiresAt: number | null = null;
    if (opts.expires) {
      const parsed = parseExpiry(opts.expires);
      if (parsed === undefined || parsed <= Date.now())
        throw new CliError("--expires must be a future ISO-8601 time or a duration like 30d");
      expiresAt = parsed;
    }
    const local = openLocalKeys(opts.dataDir);
    try {
      const { key, record } = await local.service.create({
        name: opts.name,
        team: opts.team,
        role: opts.role,
        models,
        expiresAt,
      });
      created = { key, ...keyJson(record) };
    } finally {
      await local.close();
    }
    warnUnaudited(opts.dataDir);
  }
  print(opts, created, `${describe(created)}\n\nkey: ${created.key}\n(shown once: store it now)`);
  return EXIT_OK;
}

export async function keysList(opts: Target): Promise<number> {
  let keys: KeyJson[];
  if (opts.server) {
    keys = (await adminApi<{ data: KeyJson[] }>(opts, "GET", "/admin/v1/keys")).data;
  } else {
    const local = openLocalKeys(opts.dataDir);
    try {
      keys = (await local.service.list()).map(keyJson);
    } finally {
      await local.close();
    }
  }
  print(opts, { data: keys }, keys.length ? keys.map(describe).join("\n") : "no keys");
  return EXIT_OK;
}

export interface KeysSetStatusOptions extends Target {
  id: string;
  action: "suspend" | "resume" | "revoke";
}

export async function keysSetStatus(opts: KeysSetStatusOptions): Promise<number> {
  if (!/^key_[A-Za-z0-9_-]{1,64}$/.test(opts.id)) throw new CliError(`"${opts.id}" is not a key id (key_…)`);
  let key: KeyJson;
  if (opts.server) {
    key = await adminApi<KeyJson>(opts, "POST", `/admin/v1/keys/${opts.id}/${opts.action}`);
  } else {
    const local = openLocalKeys(opts.dataDir);
    try {
      const record = await local.service.setStatus(opts.id, opts.action);
      if (!record) throw new CliError(`no key ${opts.id}`, EXIT_FINDINGS);
      key = keyJson(record);
    } catch (error) {
      if (error instanceof KeyTransitionError) throw new CliError(error.message, EXIT_FINDINGS);
      throw error;
    } finally {
      await local.close();
    }
    warnUnaudited(opts.dataDir);
  }
  print(opts, key, describe(key));
  return EXIT_OK;
}
