import { describe, expect, it } from "vitest";
import { EXPECTED, runSeed, type IdentityOutcome } from "../../scripts/eval/analytics.js";

/**
 * The detectors on simulated populations (`portcullis simulate`), replayed as `portcullis replay`
 * does (guards on). Seeds 1–5 are the tuning seeds; the evaluation in EVAL.md uses others.
 */

function summary(outcomes: IdentityOutcome[]): string {
  return outcomes
    .filter((o) => o.attacker || o.flagged)
    .map((o) => `${o.actor}:${o.flagged ? `${o.category}@${o.score}` : `missed(${o.score})`}`)
    .join(", ");
}

describe("detectors on a simulated 48 h trace with every attacker type", () => {
  it("flag every attacker with its own category, extraction within 300 requests, and no benign identity", async () => {
    const outcomes = await runSeed(4, 48);
    const why = summary(outcomes);
    const attackers = outcomes.filter((o) => o.attacker);
    // Every attacker type of the simulator is present.
    expect(new Set(attackers.map((o) => o.actor))).toEqual(new Set(Object.keys(EXPECTED)));
    for (const a of attackers) {
      expect(a.flagged, why).toBe(true);
      expect(a.category, `${a.actor}: ${why}`).toBe(EXPECTED[a.actor]);
      expect(a.reasons.length).toBeGreaterThan(0);
      if (EXPECTED[a.actor] === "model_extraction")
        expect(a.attackRequestsBeforeFlag!).toBeLessThanOrEqual(300);
    }
    const benign = outcomes.filter((o) => !o.attacker);
    expect(benign.length).toBeGreaterThan(30);
    // Heavy steady use (batch jobs, support bots, nightly jobs, CI) is among them and stays quiet.
    for (const actor of ["batch_job", "support_bot", "nightly_job", "developer", "chat_user"])
      expect(benign.some((o) => o.actor === actor)).toBe(true);
    expect(
      benign.filter((o) => o.flagged),
      why,
    ).toEqual([]);
  }, 120_000);
});
