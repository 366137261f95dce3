import { M } from "../../state.js";
import { logRamp, ramp } from "../../sketch.js";
import { ignored, int } from "../common.js";
import { NONE, type Detector } from "../types.js";

/**
 * Key sharing or theft (MITRE ATLAS AML.T0012 valid accounts; OWASP LLM10:2025 when the shared
 * key burns someone else's budget): one key used from many places at once. Signals: IPs active
 * within the same 10 minutes (concurrency), IPs and user agents new to the key within 2 h, and
 * requests alternating between IPs within a minute. A pool of a few application servers is
 * ordinary (declare it with `expected.ips`); a key posted in a public repository is not.
 */

const CONCURRENT_MS = 600_000;

export const keySharing: Detector = {
  category: "key_sharing",
  description: "one key used from many places at once",
  atlas: ["AML.T0012"],
  owasp: ["LLM10:2025"],
  evaluate(input) {
    if (ignored(input, "key_sharing")) return NONE;
    const s = input.state;
    const now = input.now;
    const allowance = input.expected?.ips ?? 0;
    const ips = s.activeIps(now, CONCURRENT_MS);
    const uas = s.activeUas(now, CONCURRENT_MS);
    const newIps = s.count(M.newIp, 1, now);
    const newUas = s.count(M.newUa, 1, now);
    const switches = s.count(M.ipSwitch, 0, now);
    if (ips - allowance < 3 && newIps - allowance < 4) return NONE;
    const concurrency = ramp(ips - allowance, 3, 7) * (0.8 + 0.2 * ramp(uas, 1, 3));
    const spread = logRamp(newIps - allowance, 4, 15) * ramp(newUas, 0.5, 3);
    const score = Math.max(concurrency, spread) * (0.85 + 0.15 * ramp(switches, 2, 20));
    return {
      score,
      scale: 1,
      reasons: () => [
        `${ips} source IPs and ${uas} user agents active within 10 min`,
        `${int(newIps)} IPs and ${int(newUas)} user agents new to this key in 2 h (${Math.round(s.distinctIps())} IPs ever)`,
        ...(switches >= 2 ? [`${int(switches)} switches between IPs within a minute in 10 min`] : []),
      ],
    };
  },
};
