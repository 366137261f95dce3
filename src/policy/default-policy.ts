import type { PolicyConfig } from "../config/sections/policy.js";

/**
 * The policy that ships (issue "Guards in the gateway…"): applies when the configuration names no
 * policy of its own. Thresholds of 0 defer to each detector's calibrated threshold: a detector
 * reports a finding only when it is confident enough.
 */
export const DEFAULT_POLICY: PolicyConfig = {
  name: "portcullis-default",
  mode: "enforce",
  match: {},
  canary: false,
  allow: [],
  rules: [
    { category: "prompt_injection", directions: ["prompt", "document"], threshold: 0, action: "block" },
    { category: "jailbreak", directions: ["prompt", "document"], threshold: 0, action: "block" },
    { category: "secret", directions: ["prompt", "document"], threshold: 0, action: "redact" },
    { category: "pii", directions: ["prompt", "document"], threshold: 0, action: "pseudonymise" },
    { category: "secret", directions: ["output"], threshold: 0, action: "block" },
    { category: "system_prompt_leak", directions: ["output"], threshold: 0, action: "block" },
    { category: "exfiltration", directions: ["output"], threshold: 0, action: "redact" },
    { category: "hidden_text", directions: ["prompt", "document"], threshold: 0, action: "alert" },
    { category: "obfuscation", directions: ["prompt", "document"], threshold: 0, action: "alert" },
  ],
};
