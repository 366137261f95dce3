/**
 * Policies a key is judged by at run time on top of those whose `match` selects it: incident
 * response's `require_policy` puts a suspicious key under a stricter policy without a restart. The
 * policy set consults this on every decision, so it is a plain map: empty (the usual case) costs
 * one size check.
 */
export class PolicyOverrides {
  private readonly byKey = new Map<string, ReadonlySet<string>>();

  get size(): number {
    return this.byKey.size;
  }

  /** The key is judged by these policies as well; an empty list or undefined lifts it. */
  set(keyId: string, policies: readonly string[] | undefined): void {
    if (policies && policies.length > 0) this.byKey.set(keyId, new Set(policies));
    else this.byKey.delete(keyId);
  }

  /** Whether the key must be judged by the named policy. */
  requires(keyId: string, policy: string): boolean {
    return this.byKey.size > 0 && this.byKey.get(keyId)?.has(policy) === true;
  }

  /** The policies required of one key (for the admin API and tests). */
  of(keyId: string): string[] {
    return [...(this.byKey.get(keyId) ?? [])];
  }
}
