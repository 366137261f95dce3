import type { Config } from "../../config/index.js";
import type { LimitOverride } from "../../config/sections/limits.js";
import { isLoopbackHost } from "../net.js";
import type { PostureRule, RuleHit } from "../types.js";

/** The limits that bound consumption; the prompt and completion caps bound one request only. */
const BOUNDING = [
  "requestsPerSecond",
  "requestsPerMinute",
  "tokensPerMinute",
  "tokensPerDay",
  "tokensPerMonth",
  "maxConcurrent",
] as const;

type Limits = Partial<Record<(typeof BOUNDING)[number], number | null>>;

function bounded(limits: Limits): boolean {
  return BOUNDING.some((name) => limits[name] !== null && limits[name] !== undefined);
}

function merged(defaults: Limits, override: LimitOverride | undefined): Limits {
  return { ...defaults, ...(override ?? {}) };
}

/** Teams the configuration (and, with --server, the key list) names. */
function knownTeams(config: Config, keyTeams: readonly string[]): string[] {
  const teams = new Set<string>([
    ...Object.keys(config.limits.teams),
    ...Object.keys(config.payloads.teams),
    ...config.policies.flatMap((p) => p.match.teams ?? []),
    ...keyTeams,
  ]);
  return [...teams].sort();
}

export const teamWithoutLimits: PostureRule = {
  id: "team-without-limits",
  title: "No limits on a team",
  severity: "medium",
  why:
    "Per-key limits stop one runaway key; a team that can mint keys (or whose keys all leak together) " +
    "can still spend without bound. Team aggregates are off unless configured (OWASP LLM10, unbounded consumption).",
  fix:
    "Set a budget or rate for every team's aggregate in limits.team (e.g. tokensPerDay, requestsPerMinute), " +
    "and per team in limits.teams.<team> where it differs; never null them all out for a team.",
  refs: ["OWASP LLM10:2025", "CWE-770"],
  check(input) {
    const { limits } = input.config;
    const keyTeams = (input.server?.keys ?? [])
      .filter((k) => k.status === "active" && k.role === "user")
      .map((k) => k.team);
    const unlimited = knownTeams(input.config, keyTeams).filter(
      (team) => !bounded(merged(limits.team, limits.teams[team])),
    );
    if (!bounded(limits.team)) {
      const named = unlimited.length ? ` (teams seen: ${unlimited.join(", ")})` : "";
      return [
        {
          message: `limits.team sets no rate, budget or concurrency limit: every team without its own limits is unlimited as a whole${named}`,
          path: ["limits", "team"],
        },
      ];
    }
    return unlimited.map((team) => ({
      message: `limits.teams.${team} switches every limit of the team off`,
      path: ["limits", "teams", team],
    }));
  },
};

export const keyLimitsOff: PostureRule = {
  id: "key-limits-off",
  title: "Keys without any limit",
  severity: "high",
  why:
    "A key with no rate, token or concurrency limit can be used (or stolen and used) to run up the " +
    "provider bill, to starve every other client, or to extract the model by sheer volume.",
  fix:
    "Keep at least requestsPerMinute, tokensPerMinute and maxConcurrent in limits.key (the defaults set " +
    "them); override per key in limits.keys.<id> with higher values rather than null.",
  refs: ["OWASP LLM10:2025", "MITRE ATLAS AML.T0029", "CWE-770"],
  check(input) {
    const { limits } = input.config;
    const hits: RuleHit[] = [];
    if (!bounded(limits.key)) {
      hits.push({ message: "limits.key switches every per-key limit off", path: ["limits", "key"] });
    }
    for (const [id, override] of Object.entries(limits.keys)) {
      if (bounded(limits.key) && !bounded(merged(limits.key, override))) {
        hits.push({
          message: `limits.keys.${id} switches every limit of that key off`,
          path: ["limits", "keys", id],
        });
      }
    }
    return hits;
  },
};

export const unauthenticatedUnlimited: PostureRule = {
  id: "unauthenticated-unlimited",
  title: "No limit on requests with a bad key",
  severity: "low",
  why:
    "Requests with a missing or wrong key cost a key lookup each; without the per-IP limit one client " +
    "can flood the gateway with them, and probe for keys without ever being slowed down.",
  fix: "Keep limits.unauthenticated.requestsPerMinute set (default 300 per minute per IP).",
  refs: ["CWE-307", "CWE-770"],
  check(input) {
    const { limits, server } = input.config;
    if (limits.unauthenticated.requestsPerMinute !== null || isLoopbackHost(server.host)) return [];
    return [
      {
        message: `limits.unauthenticated.requestsPerMinute is null while server.host is ${server.host}`,
        path: ["limits", "unauthenticated", "requestsPerMinute"],
      },
    ];
  },
};

/** The per-request caps: they bound what a single call may cost, whatever the rates allow. */
type Caps = { maxPromptTokens?: number | null; maxCompletionTokens?: number | null };

function capped(caps: Caps): boolean {
  return [caps.maxPromptTokens, caps.maxCompletionTokens].some((v) => v !== null && v !== undefined);
}

export const requestSizeUnbounded: PostureRule = {
  id: "request-size-unbounded",
  title: "No cap on the size of one request",
  severity: "low",
  why:
    "Rate and token limits bound a key over time; without a prompt or completion cap one request can " +
    "still fill the model's whole context and ask for the longest answer it can give, which is what " +
    "token floods and cost harvesting do (OWASP LLM10, unbounded consumption). The defaults set neither " +
    "cap, so that long-context applications work out of the box.",
  fix:
    "Set limits.key.maxPromptTokens to the longest prompt your applications send and " +
    "limits.key.maxCompletionTokens to the longest answer they need (e.g. 32000 and 4096); give " +
    "long-context keys higher caps in limits.keys.<id> rather than none.",
  refs: ["OWASP LLM10:2025", "MITRE ATLAS AML.T0029", "CWE-770"],
  check(input) {
    const { limits } = input.config;
    const hits: RuleHit[] = [];
    if (!capped(limits.key)) {
      hits.push({
        message:
          "limits.key sets neither maxPromptTokens nor maxCompletionTokens: one request may be as large as the model allows",
        path: ["limits", "key"],
      });
    }
    for (const [id, override] of Object.entries(limits.keys)) {
      if (capped(limits.key) && !capped({ ...limits.key, ...override })) {
        hits.push({
          message: `limits.keys.${id} removes both per-request caps of that key`,
          path: ["limits", "keys", id],
        });
      }
    }
    return hits;
  },
};

export const penaltyBoxOff: PostureRule = {
  id: "penalty-box-off",
  title: "Refusals of a flooding key take the full path",
  severity: "low",
  why:
    "With the penalty box off, every request a key sends past its rate is read, parsed, validated and " +
    "written as its own durable security event before it is refused, which costs about as much as " +
    "serving it: one key flooding at ten times its limit slows every other key on the gateway and turns " +
    "its request rate into the same rate of disk writes and audit leaves (OWASP LLM10, denial of service).",
  fix:
    "Leave limits.penaltyBox.enabled at true (the default): such refusals are answered before the body " +
    "is read and counted in one summary event per key, address and route per second.",
  refs: ["OWASP LLM10:2025", "MITRE ATLAS AML.T0029", "CWE-400"],
  check(input) {
    if (input.config.limits.penaltyBox.enabled) return [];
    return [
      {
        message:
          "limits.penaltyBox.enabled is false: refusals of a key over its rate are processed in full, one event each",
        path: ["limits", "penaltyBox", "enabled"],
      },
    ];
  },
};
