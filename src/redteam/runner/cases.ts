/**
 * Cases: each probe once as written, and once per transform it accepts. A transform that does not
 * apply to a probe's text (a translation the phrase table cannot cover) produces no case.
 */
import type { Probe, Suite } from "../suites/schema.js";
import { RedteamError } from "../errors.js";
import { expandTransformNames, type Transform } from "../transforms/index.js";

export interface Case {
  /** `suite/probe` or `suite/probe~transform`. */
  id: string;
  probe: Probe;
  transform: string | null;
  /** User turns to send, transformed. */
  turns: string[];
  /** The retrieved document, transformed (indirect probes put the attack here). */
  document?: string;
  /** The probe's own text, untransformed (echo discounting compares against both). */
  original: string;
}

/**
 * Words a flood is made of: ordinary English, varied so that no cache or compression makes the
 * prompt cheap, in a fixed order so that runs are repeatable.
 */
const FILLER =
  "account balance statement branch transfer payment card interest savings mortgage deposit withdrawal limit overdraft loan rate customer service opening hours address online banking mobile app security notice fee schedule currency exchange cheque standing order direct debit beneficiary reference".split(
    " ",
  );

export function filler(words: number): string {
  const out: string[] = [];
  let x = 2463534242;
  for (let i = 0; i < words; i++) {
    // xorshift32: a cheap, repeatable sequence.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(FILLER[(x >>> 0) % FILLER.length] as string);
  }
  return out.join(" ");
}

function materialise(
  probe: Probe,
  transform: Transform | null,
): Omit<Case, "id" | "probe" | "transform"> | null {
  const turns = probe.turns ?? [probe.prompt as string];
  const original = [...turns, probe.document ?? ""].join("\n");
  let sent = turns;
  let document = probe.document;
  if (transform) {
    if (document !== undefined) {
      const t = transform.apply(document);
      if (t === null) return null;
      document = t;
    } else {
      const t = turns.map((turn) => transform.apply(turn));
      if (t.some((x) => x === null)) return null;
      sent = t as string[];
    }
  }
  if (probe.flood) {
    const last = sent.length - 1;
    sent = sent.map((turn, i) => (i === last ? `${filler(probe.flood!.words)}\n\n${turn}` : turn));
  }
  return { turns: sent, ...(document !== undefined ? { document } : {}), original };
}

/**
 * Every case of these suites. `runTransforms`, when given, replaces the transforms the suites
 * declare (for probes that accept transforms at all).
 */
export function buildCases(
  suites: readonly Suite[],
  available: Map<string, Transform>,
  runTransforms?: readonly string[],
): Case[] {
  const cases: Case[] = [];
  for (const suite of suites) {
    for (const probe of suite.probes) {
      const base = `${suite.name}/${probe.id}`;
      const plain = materialise(probe, null);
      if (plain) cases.push({ id: base, probe, transform: null, ...plain });
      if (!probe.transformable) continue;
      let names: string[];
      try {
        names = expandTransformNames(runTransforms ?? probe.transforms, available);
      } catch (error) {
        throw new RedteamError(`${suite.file}: probe ${probe.id}: ${(error as Error).message}`);
      }
      for (const name of names) {
        const transform = available.get(name) as Transform;
        const variant = materialise(probe, transform);
        if (variant) cases.push({ id: `${base}~${name}`, probe, transform: name, ...variant });
      }
    }
  }
  return cases;
}
