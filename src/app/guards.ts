import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import { createEngine } from "../detect/index.js";
import {
  inspectInStage,
  outputGuardStage,
  policyInStage,
  restorePseudonymsStage,
  type GatewayOptions,
} from "../gateway/index.js";
import { compilePolicies, DEFAULT_POLICY, type PolicyOverrides, type PolicySet } from "../policy/index.js";

/**
 * The policies in force: the configured ones, or the shipped default when there are none; with
 * `overrides`, keys can be put under a policy at run time (incident response's `require_policy`).
 */
export function policiesFor(config: Config, overrides?: PolicyOverrides): PolicySet {
  return compilePolicies(config.policies.length > 0 ? config.policies : [DEFAULT_POLICY], overrides);
}

/**
 * The guard stages, built once: the detection engine (patterns compiled, model loaded) and the
 * compiled policies, shared by the inbound and outbound stages.
 */
export function buildGuardStages(
  config: Config,
  logger: Logger,
  overrides?: PolicyOverrides,
): NonNullable<GatewayOptions["stages"]> {
  if (!config.guards.enabled) {
    logger.warn("guards are disabled: prompts and answers are not inspected");
    return {};
  }
  const engine = createEngine(config.guards.detectors ? { detectors: config.guards.detectors } : {});
  const policies = policiesFor(config, overrides);
  for (const label of policies.expired())
    logger.warn({ allow: label }, "allow-list entry has expired and no longer applies");
  logger.info(
    {
      policies: policies.policies.map((p) => `${p.name}${p.mode === "monitor" ? " (monitor)" : ""}`),
      detectors: engine.detectors,
    },
    "guards enabled",
  );
  return {
    inspectIn: inspectInStage({ engine, policies }),
    policyIn: policyInStage({ engine, policies }),
    // Outbound: inspect the model's own words first, then put the caller's pseudonymised values back.
    response: [outputGuardStage({ engine, policies }), restorePseudonymsStage()],
  };
}
