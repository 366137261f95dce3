import { literalPrefixes } from "../literals.js";
import { B62, B64URL, entropy, sample, tc, type SecretRule } from "../rule.js";

/*
 * Vendors change the length and alphabet of their tokens (Stripe keys grew from 24 to 99+
 * characters, Anthropic's `api03` is a version), and examples in the wild are often cut or padded.
 * The specific rules match the documented shape exactly; this rule catches the same vendor
 * prefixes followed by a token body of another length or alphabet, at a lower confidence. The
 * prefixes are read from the specific rules' patterns, so a new prefixed rule widens it without
 * a second list to keep.
 */

/** Prefixes too common in ordinary text or code to stand for one vendor on their own. */
const TOO_COMMON = new Set([
  "sk-",
  "sk_",
  "pk_",
  "rk_",
  "secret_",
  "live_",
  "pat-",
  "sl.",
  "px-",
  "key-",
  "re_",
  "dp.",
  "v1.0-",
  "api_org_",
  "da2-",
  "1//0",
  "hvb.",
  "ya29.",
]);

/** Case-sensitive literal prefixes that end in a separator: `ghp_`, `glpat-`, `sk-ant-`, `CFPAT-`. */
export function vendorPrefixes(rules: readonly SecretRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    if (r.generic || r.pattern.ignoreCase) continue;
    const lits = literalPrefixes(r.pattern.source);
    if (lits === null) continue;
    for (const l of lits) {
      if (/^[A-Za-z][A-Za-z0-9_.-]{1,14}[_.-]$/.test(l) && !TOO_COMMON.has(l)) out.add(l);
    }
  }
  // Longest first, so `sk-ant-` is tried before any shorter prefix it starts with.
  return [...out].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The rule for `prefixes`; the body must look random (entropy, digits or mixed case). */
export function loosePrefixRule(rules: readonly SecretRule[]): SecretRule {
  const prefixes = vendorPrefixes(rules);
  return {
    id: "prefix.vendor_token",
    kind: "vendor_token",
    description:
      "Token with a known vendor prefix (read from the specific rules) and a random body of another length or alphabet than documented",
    pattern: new RegExp(
      `(?<![A-Za-z0-9_-])(?:${prefixes.map(escapeRe).join("|")})([A-Za-z0-9_-]{16,256})(?![A-Za-z0-9_-])`,
      "g",
    ),
    group: 0,
    keywords: [...new Set(prefixes.map((p) => p.toLowerCase()))],
    severity: "high",
    // Below the specific rules: on the same span the specific one is reported.
    generic: true,
    validate: (secret) => {
      const body = secret.replace(/^[A-Za-z0-9]+[_.-]/, "");
      if (!/\d/.test(body) && !(/[a-z]/.test(body) && /[A-Z]/.test(body))) return false;
      return entropy(body) >= 3.2 ? 0.6 : false;
    },
    tp: [
      tc(`bkua_${sample(B62, 40, "lp1")}`, "Buildkite prefix, body outside the documented hex alphabet"),
      tc(`CFPAT-${sample(B64URL, 52, "lp2")}`, "Contentful prefix, longer body"),
      tc(`token: xai-${sample(B64URL, 90, "lp3")}`, "xAI prefix, body with separators"),
      tc(`sk-ant-api07-${sample(B64URL, 60, "lp4")}`, "Anthropic prefix, other version and length"),
    ],
    fp: [
      tc("bkua_not_a_real_token_value_here", "words, no digits, one case"),
      tc(`bkua_${"0".repeat(30)}`, "filler body"),
      tc("see the sk-ant- prefix in the docs", "prefix without a body"),
      tc(`mybkua_${sample(B62, 30, "lp5")}`, "prefix inside a longer identifier"),
    ],
  };
}
