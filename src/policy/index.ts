export type * from "./types.js";
export { compilePolicies, type AllowedRange, type PolicySet } from "./engine.js";
export { DEFAULT_POLICY } from "./default-policy.js";
export { PolicyOverrides } from "./overrides.js";
export { STRICTNESS, stricter } from "./strictness.js";
