import type { SecretRule } from "../rule.js";
import { aiRules } from "./ai.js";
import { chatRules } from "./chat.js";
import { cloudRules } from "./cloud.js";
import { connectionRules } from "./connections.js";
import { forgeRules } from "./forges.js";
import { genericRules } from "./generic.js";
import { keyRules } from "./keys.js";
import { loosePrefixRule } from "./loose.js";
import { messagingRules } from "./messaging.js";
import { paymentRules } from "./payments.js";
import { prefixedRules } from "./prefixed.js";
import { registryRules } from "./registries.js";
import { saasRules } from "./saas.js";

const SPECIFIC: readonly SecretRule[] = [
  ...cloudRules,
  ...forgeRules,
  ...chatRules,
  ...paymentRules,
  ...messagingRules,
  ...registryRules,
  ...aiRules,
  ...saasRules,
  ...prefixedRules,
  ...keyRules,
  ...connectionRules,
];

/**
 * The rule index: one line per provider family file. Specific rules come first; then the vendor
 * prefixes of the specific rules with a body of any length, and the generic assignment rules
 * (both give way to any specific rule that reports an overlapping span).
 */
export const RULES: readonly SecretRule[] = [...SPECIFIC, loosePrefixRule(SPECIFIC), ...genericRules];
