import type { PolicyAction } from "./types.js";

/**
 * Higher is stricter: when several rules match one finding, the strictest wins. Redact outranks
 * pseudonymise: both keep the value from the model, but redact also keeps it from the answer.
 */
export const STRICTNESS: Record<PolicyAction, number> = {
  allow: 0,
  alert: 1,
  pseudonymise: 2,
  redact: 3,
  block: 4,
};

export function stricter(a: PolicyAction, b: PolicyAction): PolicyAction {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}
