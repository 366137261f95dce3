import { createVault, type Engine } from "../../detect/index.js";
import type { Finding } from "../../detect/types.js";
import type { EventFinding } from "../../events/index.js";
import type { DirectedFinding, FindingOutcome, PolicySet } from "../../policy/index.js";
import { GatewayError } from "../errors.js";
import { CONTINUE, type RequestStage, type ResponseStage } from "../stages/types.js";
import { insertCanary, newCanary } from "./canary.js";
import { inspectableTexts, systemPrompt } from "./extract.js";
import { redactMixed } from "./mixed-redaction.js";
import { createOutputGuard } from "./output-guard.js";
import type { GuardState } from "./state.js";

export interface GuardOptions {
  engine: Engine;
  policies: PolicySet;
}

function eventFinding(outcome: FindingOutcome): EventFinding {
  const f = outcome.finding;
  return {
    detector: f.detector,
    kind: f.kind,
    category: f.category,
    severity: f.severity,
    score: Math.round(f.score * 1000) / 1000,
    direction: outcome.direction,
    ...(f.span ? { span: f.span } : {}),
    ...(f.evidence ? { evidence: f.evidence } : {}),
    action: outcome.monitor ? `monitor:${outcome.action}` : outcome.action,
    ...(outcome.policy ? { policy: outcome.policy } : {}),
  };
}

function blockMessage(outcomes: readonly FindingOutcome[], where: string): string {
  const blocked = outcomes.filter((o) => o.action === "block" && !o.monitor);
  const what = [...new Set(blocked.map((o) => `${o.finding.category} (${o.finding.kind})`))].join(", ");
  return `Blocked by policy: ${what} in the ${where}.`;
}

/**
 * Scans one text; when allowed phrases or patterns occur in it and touch a finding, scans it again
 * with those ranges blanked (offsets kept), and takes the categories the entries cover from the
 * second scan. An allowed phrase is then no evidence, while anything else in the same sentence
 * still is: appending an allowed phrase to an attack does not launder it.
 */
function scanWithAllowances(
  engine: Engine,
  policies: PolicySet,
  subject: GuardState["subject"],
  text: string,
  direction: "prompt" | "document",
): Finding[] {
  const findings = engine.scan(text, { context: direction });
  if (findings.length === 0) return findings;
  const ranges = policies.allowedRanges(subject, text);
  if (ranges.length === 0) return findings;
  const touched = ranges.filter((r) =>
    findings.some((f) => !f.span || (f.span[0] < r.end && r.start < f.span[1])),
  );
  if (touched.length === 0) return findings;
  const chars = [...text];
  let blanked = "";
  let offset = 0;
  for (const ch of chars) {
    const inside = touched.some((r) => offset >= r.start && offset < r.end);
    blanked += inside ? " ".repeat(ch.length) : ch;
    offset += ch.length;
  }
  const affects = (category: string) => touched.some((r) => !r.categories || r.categories.has(category));
  const rescanned = engine.scan(blanked, { context: direction });
  return [...findings.filter((f) => !affects(f.category)), ...rescanned.filter((f) => affects(f.category))];
}

/** Inbound inspection: every inspectable text of the request, by role, through the engine. */
export function inspectInStage({ engine, policies }: GuardOptions): RequestStage {
  return {
    name: "inspect-in",
    run(ctx) {
      const items = inspectableTexts(ctx.api, ctx.body);
      const subject = { keyId: ctx.identity!.keyId, team: ctx.identity!.team, model: ctx.model!.name };
      const findings: DirectedFinding[] = [];
      for (const item of items) {
        for (const finding of scanWithAllowances(engine, policies, subject, item.text, item.direction)) {
          findings.push({ finding, direction: item.direction, text: item.text, item } as DirectedFinding);
        }
      }
      ctx.guard = {
        subject,
        items,
        findings,
        systemPrompt: systemPrompt(ctx.api, ctx.body),
      } satisfies GuardState;
      return CONTINUE;
    },
  };
}

/**
 * The inbound decision: block (the request never reaches the provider), or redact and
 * pseudonymise in place, and insert a canary when a policy asks for one.
 */
export function policyInStage({ policies }: GuardOptions): RequestStage {
  return {
    name: "policy",
    run(ctx) {
      const guard = ctx.guard!;
      const decision = policies.decide(guard.subject, guard.findings);
      ctx.findings.push(...decision.outcomes.map(eventFinding));
      ctx.decision = {
        action: decision.action,
        reasons: decision.reasons,
        monitorOnly: decision.monitorOnly,
      };
      if (decision.action === "block") {
        return {
          action: "stop",
          error: new GatewayError("PCX_POLICY_BLOCKED", blockMessage(decision.outcomes, "request")),
        };
      }
      if (decision.action === "redact") applyRedactions(guard, decision.outcomes);
      if (policies.applicable(guard.subject).some((p) => p.canary && p.mode === "enforce")) {
        const canary = newCanary();
        if (insertCanary(ctx.api, ctx.body, canary)) guard.canary = canary;
      }
      return CONTINUE;
    },
  };
}

function applyRedactions(guard: GuardState, outcomes: readonly FindingOutcome[]): void {
  const byItem = new Map<object, { finding: Finding; pseudonymise: boolean }[]>();
  guard.findings.forEach((directed, i) => {
    const outcome = outcomes[i]!;
    if (outcome.monitor || (outcome.action !== "redact" && outcome.action !== "pseudonymise")) return;
    const item = (directed as DirectedFinding & { item: object }).item;
    const list = byItem.get(item) ?? [];
    list.push({ finding: directed.finding, pseudonymise: outcome.action === "pseudonymise" });
    byItem.set(item, list);
  });
  if (byItem.size === 0) return;
  if ([...byItem.values()].some((list) => list.some((x) => x.pseudonymise))) guard.vault = createVault();
  for (const item of guard.items) {
    const list = byItem.get(item);
    if (list) item.replace(redactMixed(item.text, list, guard.vault));
  }
}

/**
 * Outbound inspection of the answer, streamed or not: secrets, leaks of the system prompt or its
 * canary, exfiltration links, PII — judged by the same policies in the "output" direction.
 */
export function outputGuardStage({ engine, policies }: GuardOptions): ResponseStage {
  return {
    name: "inspect-out",
    open(ctx) {
      const guard = ctx.guard;
      if (!guard) return undefined;
      const canaries = guard.canary ? [guard.canary] : [];
      // Only the detectors whose categories a policy acts on in answers: each streamed word is
      // judged, so running the injection classifier or name recognition here for nothing would
      // cost more than the rest of the gateway together.
      const categories = policies.categoriesFor(guard.subject, "output");
      if (guard.canary && !categories.includes("system_prompt_leak")) categories.push("system_prompt_leak");
      const detectors = engine.detectorsFor(categories);
      if (detectors.length === 0) return undefined;
      const scanOptions = {
        context: "output" as const,
        detectors,
        ...(guard.systemPrompt ? { systemPrompt: guard.systemPrompt } : {}),
        canaries,
      };
      return createOutputGuard({
        scan: (window) => engine.scan(window, scanOptions),
        judge(findings, window) {
          const decision = policies.decide(
            guard.subject,
            findings.map((finding) => ({ finding, direction: "output" as const, text: window })),
          );
          for (const outcome of decision.outcomes) ctx.findings.push(eventFinding(outcome));
          if (decision.monitorOnly) ctx.decision.monitorOnly = true;
          ctx.decision.reasons.push(...decision.reasons);
          // A policy that asked for a canary blocks any answer containing it, rule or no rule.
          const canaryLeak = guard.canary !== undefined && findings.some((f) => f.kind === "canary_token");
          if (canaryLeak && decision.action !== "block")
            ctx.decision.reasons.push("canary token in the answer");
          if (decision.action === "block" || canaryLeak) {
            ctx.decision.action = "block";
            return {
              block: new GatewayError(
                "PCX_OUTPUT_BLOCKED",
                decision.action === "block"
                  ? blockMessage(decision.outcomes, "answer")
                  : "Blocked by policy: system_prompt_leak (canary_token) in the answer.",
              ),
              redact: [],
            };
          }
          const redact = decision.outcomes
            .filter((o) => !o.monitor && (o.action === "redact" || o.action === "pseudonymise"))
            .map((o) => o.finding);
          if (redact.length && ctx.decision.action === "allow") ctx.decision.action = "redact";
          return { redact };
        },
        redact: (text, findings) =>
          redactMixed(
            text,
            findings.map((finding) => ({ finding, pseudonymise: false })),
            undefined,
          ),
        cannotRedact: (finding) =>
          new GatewayError(
            "PCX_OUTPUT_BLOCKED",
            `Blocked by policy: ${finding.category} (${finding.kind}) in the answer could not be redacted in time.`,
          ),
      });
    },
  };
}

/** Puts pseudonymised values back into the answer, holding back at most a partial placeholder. */
export function restorePseudonymsStage(): ResponseStage {
  return {
    name: "restore-pseudonyms",
    open(ctx) {
      const vault = ctx.guard?.vault;
      if (!vault) return undefined;
      const restorers = new Map<number, ReturnType<typeof vault.restorer>>();
      const of = (channel: number) => {
        let r = restorers.get(channel);
        if (!r) {
          r = vault.restorer();
          restorers.set(channel, r);
        }
        return r;
      };
      return {
        // The longest placeholder a vault issues.
        maxHoldback: 64,
        pending: (channel) => restorers.get(channel)?.pending ?? 0,
        write: (channel, text) => ({ action: "continue", release: of(channel).push(text) }),
        end(channel) {
          const release = of(channel).end();
          restorers.delete(channel);
          return { action: "continue", release };
        },
      };
    },
  };
}
