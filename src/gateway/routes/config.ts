import type { FastifyInstance } from "fastify";
import { uuidv7 } from "../../events/index.js";
import type { GatewayRuntime } from "../runtime.js";
import { requireRole } from "./require-role.js";

/** What stands in for a value the route does not show. */
export const REDACTED = "<redacted>";

const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

/** Maps whose values may be literal credentials (provider headers, OCSF headers, Azure query keys). */
const LITERAL_MAPS = new Set(["headers", "query"]);

/**
 * Credentials a URL can carry: `https://user:password@host/` → `https://redacted@host/`, and the
 * query (`?token=…`, `?sig=…`) → `?redacted`. The result is still a valid URL.
 */
function maskUrlCredentials(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1redacted@").replace(/\?[^#]*/, "?redacted");
}

/**
 * A notification URL written literally (a Slack incoming webhook, say) is a secret in its path:
 * only its origin is shown.
 */
function maskWholeUrl(value: string): string {
  try {
    return `${new URL(value).origin}/redacted`;
  } catch {
    return REDACTED;
  }
}

/** incidents.webhooks.<name>.url */
const isNotificationUrl = (path: readonly string[]) =>
  path.length === 4 && path[0] === "incidents" && path[1] === "webhooks" && path[3] === "url";

/**
 * The configuration as the admin API shows it. Secrets are references in the configuration and
 * stay references here (the resolved values live only inside the components that use them); what
 * else could hold a credential is masked: literal header and query values, credentials in URLs,
 * literal notification URLs, and the arguments of a KEK command (argv may carry a token).
 */
export function redactConfig(value: unknown, path: readonly string[] = []): unknown {
  const parentKey = path[path.length - 1] ?? "";
  if (Array.isArray(value)) {
    if (parentKey === "command") return value.map((arg, i) => (i === 0 ? arg : REDACTED));
    return value.map((item, i) => redactConfig(item, [...path, String(i)]));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (LITERAL_MAPS.has(key) && child && typeof child === "object" && !Array.isArray(child)) {
        out[key] = Object.fromEntries(
          Object.entries(child).map(([name, v]) => [
            name,
            typeof v === "string" && SECRET_REF.test(v) ? v : REDACTED,
          ]),
        );
      } else {
        out[key] = redactConfig(child, [...path, key]);
      }
    }
    return out;
  }
  if (typeof value === "string") {
    if (SECRET_REF.test(value)) return value;
    return isNotificationUrl(path) ? maskWholeUrl(value) : maskUrlCredentials(value);
  }
  return value;
}

/**
 * GET /admin/v1/config: the validated configuration this instance runs with, defaults filled in,
 * for `portcullis audit config --server` and the dashboard. Admins only; each read is an admin event.
 */
export function registerConfigRoutes(app: FastifyInstance, runtime: GatewayRuntime): void {
  app.get("/admin/v1/config", async (request) => {
    const actor = requireRole(runtime, request, ["admin"]);
    runtime.bus.publish({
      id: uuidv7(),
      time: Date.now(),
      class: "admin_activity",
      activity: "config.read",
      severity: "info",
      actor: { key_id: actor.keyId, key_name: actor.keyName, team: actor.team, role: actor.role },
      src_endpoint: { ip: request.ip },
      decision: { action: "allow", monitor_only: false, reasons: [] },
      findings: [],
    });
    return { config: redactConfig(runtime.config) };
  });
}
