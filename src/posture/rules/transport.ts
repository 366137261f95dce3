import { isCleartextRemote, isLoopbackHost, urlHost } from "../net.js";
import type { PostureInput, PostureRule, RuleHit } from "../types.js";

const publicBind = (input: PostureInput) => !isLoopbackHost(input.config.server.host);

export const tlsOffPublicBind: PostureRule = {
  id: "tls-off-public-bind",
  title: "TLS off on a non-loopback bind",
  severity: "critical",
  why:
    "Every request carries a Portcullis key in its Authorization header, and prompts and answers travel " +
    "with it. Without TLS anyone on the network path reads the keys and replays them, and reads or " +
    "alters the traffic.",
  fix:
    "Set tls.cert and tls.key (TLS 1.2 or newer is enforced), or bind server.host to 127.0.0.1 and " +
    "put a TLS-terminating proxy on the same host in front.",
  refs: ["CWE-319", "RFC 9325"],
  check(input) {
    const { server, tls } = input.config;
    // trustProxy says a proxy the operator controls is in front: that case is admin-api-cleartext's.
    if (!publicBind(input) || tls || server.trustProxy) return [];
    return [
      {
        message: `server.host is ${server.host} and no tls section is set: keys, prompts and answers cross the network in clear text`,
        path: ["server", "host"],
      },
    ];
  },
};

export const adminApiCleartext: PostureRule = {
  id: "admin-api-cleartext",
  title: "Admin API reachable without TLS",
  severity: "high",
  why:
    "The admin API (/admin/v1) shares the gateway's listener: an admin key that crosses a network in " +
    "clear text can create keys, read every event and switch keys off. Behind a proxy that terminates " +
    "TLS, the hop from the proxy to a gateway bound beyond loopback still carries admin keys in clear.",
  fix:
    "Give the gateway its own tls section even behind a proxy (re-encrypt the last hop), or bind it to " +
    "127.0.0.1 with the proxy on the same host; let the proxy refuse /admin/ from outside the admin " +
    "network; use https:// URLs for --server.",
  refs: ["CWE-319", "CWE-523"],
  check(input) {
    const hits: RuleHit[] = [];
    const { server, tls } = input.config;
    if (publicBind(input) && !tls && server.trustProxy) {
      hits.push({
        message: `server.host is ${server.host} behind a proxy (server.trustProxy) and the gateway has no tls: the proxy-to-gateway hop carries admin keys in clear text`,
        path: ["server", "trustProxy"],
      });
    }
    if (input.server && isCleartextRemote(input.server.url)) {
      hits.push({
        message: `the admin API answered at ${input.server.url} over plain http from another host: the admin key just crossed the network in clear text`,
        path: ["server"],
      });
    }
    return hits;
  },
};

export const metricsOpen: PostureRule = {
  id: "metrics-open",
  title: "Metrics without authentication on a non-loopback bind",
  severity: "medium",
  why:
    "/metrics names every model and route, traffic and block rates per decision, queue backlogs and " +
    "provider latency: a map of the deployment and a live view of which attacks are being stopped.",
  fix: "Set metrics.requireAuth: true (scrape with an auditor key), or metrics.enabled: false.",
  refs: ["CWE-200"],
  check(input) {
    const { metrics, server } = input.config;
    if (input.server?.metricsOpen && !isLoopbackHost(urlHost(input.server.url) ?? "localhost")) {
      return [{ message: `${input.server.url}/metrics answered without credentials`, path: ["metrics"] }];
    }
    if (!metrics.enabled || metrics.requireAuth || !publicBind(input)) return [];
    return [
      {
        message: `metrics are on without metrics.requireAuth while server.host is ${server.host}`,
        path: ["metrics", "requireAuth"],
      },
    ];
  },
};

/** Keys under which a CORS allow-list could live, now or in a later version of the schema. */
const CORS_KEYS = /^(cors|origins?|allowedOrigins|allowOrigins?)$/i;

function permissiveOrigins(value: unknown, path: (string | number)[], out: RuleHit[], inCors: boolean): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => permissiveOrigins(item, [...path, i], out, inCors));
  } else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      permissiveOrigins(child, [...path, key], out, inCors || CORS_KEYS.test(key));
    }
  } else if (inCors && (value === "*" || value === true)) {
    out.push({ message: `${path.join(".")} allows every origin`, path });
  }
}

export const corsPermissive: PostureRule = {
  id: "cors-permissive",
  title: "Permissive CORS",
  severity: "high",
  why:
    "A gateway that tells browsers any origin may call it lets any web page a user visits drive the " +
    "model API and the admin API with whatever credentials the browser holds, and read the answers.",
  fix:
    "Portcullis sends no CORS headers (it has no CORS setting): remove the Access-Control-Allow-Origin " +
    "header a proxy in front adds, or list the dashboard's exact origin there, never *.",
  refs: ["CWE-942", "OWASP ASVS V14.5.3"],
  check(input) {
    const hits: RuleHit[] = [];
    permissiveOrigins(input.config, [], hits, false);
    const cors = input.server?.cors;
    if (cors?.allowOrigin === "*" || (cors?.allowOrigin !== undefined && cors.allowOrigin === cors.origin)) {
      hits.push({
        message: `${input.server!.url} answered a preflight from ${cors.origin} with Access-Control-Allow-Origin: ${cors.allowOrigin}${cors.allowCredentials ? " and credentials allowed" : ""}`,
        path: ["server"],
      });
    }
    return hits;
  },
};
