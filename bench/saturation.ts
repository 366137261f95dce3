import autocannon from "autocannon";
import { CHAT_PATH, chatBody, type PromptId, type Target } from "./workload.js";

export interface SaturationResult {
  /** Mean completed requests per second over the run. */
  rps: number;
  /** Whole milliseconds (autocannon's histogram resolution); at saturation these are queueing times. */
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  durationS: number;
}

/**
 * Closed-loop saturation with autocannon: `connections` clients each send their next request as
 * soon as the previous answer arrives, so the figure is the most the path can serve while the
 * load generator shares the same cores. Every request carries a prompt of its own (request
 * numbers from `firstRequest` on), as in the fixed-rate runs.
 */
export function saturate(
  target: Target,
  durationS: number,
  connections: number,
  prompt: PromptId = "1k",
  firstRequest = 0,
): Promise<SaturationResult> {
  let next = firstRequest;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: target.origin + CHAT_PATH,
        method: "POST",
        headers: target.headers,
        requests: [{ setupRequest: (request) => ({ ...request, body: chatBody(prompt, false, next++) }) }],
        connections,
        duration: durationS,
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          errors: result.errors,
          non2xx: result.non2xx,
          durationS: result.duration,
        });
      },
    );
  });
}
