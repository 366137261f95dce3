import { createVault, redact, type Vault } from "../../detect/index.js";
import type { Finding } from "../../detect/types.js";

/**
 * Applies redact and pseudonymise outcomes to one text in a single pass. Pseudonyms come from the
 * request's vault and are restored in the answer; masked values get `[REDACTED_<KIND>_n]`
 * placeholders from a throw-away vault, so a masked value can never be "restored" by accident.
 */
export function redactMixed(
  text: string,
  items: readonly { finding: Finding; pseudonymise: boolean }[],
  requestVault: Vault | undefined,
): string {
  if (items.length === 0) return text;
  const pseudonymised = new Set<string>();
  for (const { finding, pseudonymise } of items) {
    if (pseudonymise && finding.span) pseudonymised.add(text.slice(finding.span[0], finding.span[1]));
  }
  const masks = createVault();
  const router: Vault = {
    ...masks,
    placeholder: (label, value) =>
      pseudonymised.has(value) && requestVault
        ? requestVault.placeholder(label, value)
        : masks.placeholder(`REDACTED_${label}`, value),
  };
  return redact(
    text,
    items.map((i) => i.finding),
    "pseudonymise",
    { vault: router },
  );
}
