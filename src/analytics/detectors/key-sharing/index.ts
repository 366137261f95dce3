import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int } from "../common.js";
import { NONE, type Detector } from "../types.js";

/**
 * Key sharing or theft (MITRE ATLAS AML.T0012 valid accounts; OWASP LLM10:2025 when the shared
 * key burns someone else's budget): one key used from many places at once. Signals: IPs active
 * within the same 10 minutes (concurrency); distinct networks (IPv4 /16, IPv6 /32 — a stand-in for
 * the provider) active within the same hour (spread); IPs and user agents new to the key within
 * 2 h; and requests alternating between IPs within a minute. A pool of a few application servers
 * is ordinary (declare it with `expected.ips`); a key posted in a public repository is not.
 */

const CONCURRENT_MS = 600_000;
/**
 * Networks are counted over an hour, not 10 minutes: the people sharing a leaked key do not all
 * call within the same 10 minutes, but one person does not work from more than a few networks in
 * an hour either (home, office, phone; twice that on dual-stack IPv4 + IPv6).
 */
const PLACES_MS = 3_600_000;
/** Networks active within an hour where the spread score starts and where it is full. */
const NETWORKS: [number, number] = [3, 8];

export const keySharing: Detector = {
  category: "key_sharing",
  description: "one key used from many places at once",
  atlas: ["AML.T0012"],
  owasp: ["LLM10:2025"],
  evaluate(input) {
    if (ignored(input, "key_sharing")) return NONE;
    const s = input.state;
    const now = input.now;
    // A declared pool of N servers may sit in up to N networks.
    const allowance = input.expected?.ips ?? 0;
    const ips = s.activeIps(now, CONCURRENT_MS);
    const nets = s.activeNets(now, PLACES_MS);
    const newIps = s.count(M.newIp, 1, now);
    if (ips - allowance < 3 && newIps - allowance < 4 && nets - allowance <= NETWORKS[0]) return NONE;
    const uas = s.activeUas(now, CONCURRENT_MS);
    const newUas = s.count(M.newUa, 1, now);
    const switches = s.count(M.ipSwitch, 0, now);
    const concurrency = ramp(ips - allowance, 3, 7) * (0.8 + 0.2 * ramp(uas, 1, 3));
    const places = ramp(nets - allowance, NETWORKS[0], NETWORKS[1]);
    const fresh = logRamp(newIps - allowance, 4, 15) * ramp(newUas, 0.5, 3);
    const score = Math.max(concurrency, places, fresh) * (0.85 + 0.15 * ramp(switches, 2, 20));
    return {
      score,
      scale: 1,
      reasons: () => [
        `${ips} source IPs and ${uas} user agents active within 10 min`,
        `${nets} networks (IPv4 /16 or IPv6 /32) active within 1 h`,
        `${int(newIps)} IPs and ${int(newUas)} user agents new to this key in 2 h (${Math.round(s.distinctIps())} IPs ever)`,
        ...(switches >= 2 ? [`${int(switches)} switches between IPs within a minute in 10 min`] : []),
      ],
    };
  },
};
