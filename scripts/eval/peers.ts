/**
 * Offline npm libraries measured beside Portcullis (dev dependencies of the eval only). Each is
 * loaded with a dynamic import, so a peer that is missing or fails to load is reported as such in
 * EVAL.md instead of stopping the run. Every adapter uses the library's documented public API
 * with its default or documented preset configuration: no tuning to this data.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { locateValues, spansFromRedaction, type PredSpan } from "./metrics.js";

export type TextContext = "prompt" | "document";

export interface InjectionPeer {
  name: string;
  version: string;
  /** How the peer was configured and what counts as "flagged". */
  setup: string;
  flag(text: string, context: TextContext): boolean | Promise<boolean>;
}

export interface PiiPeer {
  name: string;
  version: string;
  setup: string;
  /** Our kinds the peer can report at all. */
  kinds: readonly string[];
  spans(text: string): PredSpan[] | Promise<PredSpan[]>;
}

export interface SecretPeer {
  name: string;
  version: string;
  setup: string;
  flag(text: string): boolean | Promise<boolean>;
}

export interface PeerFailure {
  name: string;
  error: string;
}

export interface Peers {
  injection: InjectionPeer[];
  pii: PiiPeer[];
  secrets: SecretPeer[];
  failed: PeerFailure[];
}

function versionOf(root: string, pkg: string): string {
  try {
    const json = JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as {
      version?: string;
    };
    return json.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

/** Imports a module by a name held in a variable, so the build does not need its types. */
async function load(pkg: string): Promise<Record<string, unknown>> {
  const name: string = pkg;
  return (await import(name)) as Record<string, unknown>;
}

type Fn = (...args: unknown[]) => unknown;
const isFn = (v: unknown): v is Fn => typeof v === "function";
type Ctor = new (...args: unknown[]) => unknown;

function must<T>(cond: T | undefined | null | false, what: string): T {
  if (!cond) throw new Error(`unexpected API: ${what}`);
  return cond;
}

// ---------------------------------------------------------------- @andersmyrmel/vard

interface VardBuilder {
  maxLength(n: number): VardBuilder;
  safeParse(input: string): { safe: boolean };
}

async function loadVard(root: string, peers: Peers): Promise<void> {
  const pkg = "@andersmyrmel/vard";
  try {
    const mod = await load(pkg);
    const vard = must((mod.vard ?? mod.default) as Record<string, unknown> | undefined, "vard export");
    const version = versionOf(root, pkg);
    for (const preset of ["strict", "moderate"] as const) {
      const make = must(isFn(vard[preset]) && (vard[preset] as () => VardBuilder), `vard.${preset}()`);
      // The default 10,000-character cap would reject long texts outright; judge the content.
      const guard = make().maxLength(50_000_000);
      peers.injection.push({
        name: `vard (${preset})`,
        version,
        setup: `\`vard.${preset}().maxLength(5e7).safeParse(text)\`; flagged when \`safe\` is false`,
        flag: (text) => !guard.safeParse(text).safe,
      });
    }
  } catch (e) {
    peers.failed.push({ name: pkg, error: errorText(e) });
  }
}

// ---------------------------------------------------------------- llm-guard

interface LlmGuardResponse {
  isValid: boolean;
  results: { valid: boolean; details?: { rule: string; message: string; matched?: string | null }[] }[];
}
interface LlmGuard {
  validate(text: string): Promise<LlmGuardResponse>;
}

/** llm-guard's PII guard messages read "Found <type>: <value>". */
const LLM_GUARD_PII: Record<string, string> = {
  email: "email",
  phone: "phone",
  ssn: "us_ssn",
  credit_card: "credit_card",
  ip_address: "ip_address",
};

async function loadLlmGuard(root: string, peers: Peers): Promise<void> {
  const pkg = "llm-guard";
  try {
    const mod = await load(pkg);
    const ctor = must(
      (mod.LLMGuard ?? (mod.default as Record<string, unknown> | undefined)?.LLMGuard) as Ctor | undefined,
      "LLMGuard class",
    );
    const version = versionOf(root, pkg);
    const off = { pii: false, jailbreak: false, profanity: false, promptInjection: false, relevance: false };
    const guard = new ctor({ ...off, toxicity: false, promptInjection: true, jailbreak: true }) as LlmGuard;
    peers.injection.push({
      name: "llm-guard",
      version,
      setup:
        "`new LLMGuard({ promptInjection: true, jailbreak: true }, others off).validate(text)`; flagged when `isValid` is false",
      flag: async (text) => !(await guard.validate(text)).isValid,
    });
    const piiGuard = new ctor({ ...off, toxicity: false, pii: true }) as LlmGuard;
    peers.pii.push({
      name: "llm-guard",
      version,
      setup: "`new LLMGuard({ pii: true }, others off)`; matched values located in the text in order",
      kinds: Object.values(LLM_GUARD_PII),
      spans: async (text) => {
        const res = await piiGuard.validate(text);
        const values: { kind: string; value: string }[] = [];
        for (const r of res.results) {
          for (const d of r.details ?? []) {
            const m = /^Found ([a-z_]+):/.exec(d.message);
            const kind = m ? LLM_GUARD_PII[m[1] as string] : undefined;
            if (kind && typeof d.matched === "string") values.push({ kind, value: d.matched });
          }
        }
        return locateValues(text, values);
      },
    });
  } catch (e) {
    peers.failed.push({ name: pkg, error: errorText(e) });
  }
}

// ---------------------------------------------------------------- llm_guardrail

interface GuardrailResult {
  detected: boolean;
}

async function loadLlmGuardrail(root: string, peers: Peers): Promise<void> {
  const pkg = "llm_guardrail";
  try {
    const mod = await load(pkg);
    const inj = must(isFn(mod.checkInjection) && mod.checkInjection, "checkInjection");
    const jb = must(isFn(mod.checkJailbreak) && mod.checkJailbreak, "checkJailbreak");
    // Load the bundled models now (they are read from the package on first use).
    await inj("warm up");
    await jb("warm up");
    peers.injection.push({
      name: "llm_guardrail",
      version: versionOf(root, pkg),
      setup:
        "`checkInjection(text)` and `checkJailbreak(text)` (bundled TF-IDF + logistic-regression models); flagged when either `detected`",
      flag: async (text) =>
        ((await inj(text)) as GuardrailResult).detected || ((await jb(text)) as GuardrailResult).detected,
    });
  } catch (e) {
    peers.failed.push({ name: pkg, error: errorText(e) });
  }
}

// ---------------------------------------------------------------- @redactpii/node

interface Redactor {
  redact(text: string): string;
}

/** Rules in the library's own order of application; an earlier rule's match wins an overlap. */
const REDACTPII_RULES: [string, string][] = [
  ["CREDIT_CARD", "credit_card"],
  ["EMAIL", "email"],
  ["NAME", "person"],
  ["PHONE", "phone"],
  ["SSN", "us_ssn"],
];

/** A marker that cannot occur in the data (a noncharacter). */
const MARK = "\uFDD0";

async function loadRedactPii(root: string, peers: Peers): Promise<void> {
  const pkg = "@redactpii/node";
  try {
    const mod = await load(pkg);
    const ctor = must(mod.Redactor as Ctor | undefined, "Redactor class");
    const redactors = REDACTPII_RULES.map(([rule, kind]) => ({
      kind,
      r: new ctor({ rules: { [rule]: true }, globalReplaceWith: MARK }) as Redactor,
    }));
    peers.pii.push({
      name: "@redactpii/node",
      version: versionOf(root, pkg),
      setup:
        "`new Redactor({ rules: { <one rule> }, globalReplaceWith })` per rule (default, non-aggressive patterns); spans recovered from the redacted text",
      kinds: REDACTPII_RULES.map(([, k]) => k),
      spans: (text) => {
        const out: PredSpan[] = [];
        for (const { kind, r } of redactors) {
          const spans = spansFromRedaction(text, r.redact(text), MARK) ?? [];
          for (const [start, end] of spans) {
            if (out.some((p) => p.start < end && start < p.end)) continue;
            out.push({ kind, start, end });
          }
        }
        return out;
      },
    });
  } catch (e) {
    peers.failed.push({ name: pkg, error: errorText(e) });
  }
}

// ---------------------------------------------------------------- secretlint

interface LintResult {
  messages: { ruleId: string; type?: string }[];
}

async function loadSecretlint(root: string, peers: Peers): Promise<void> {
  const pkg = "@secretlint/core";
  try {
    const core = await load(pkg);
    const preset = await load("@secretlint/secretlint-rule-preset-recommend");
    const lintSource = must(isFn(core.lintSource) && core.lintSource, "lintSource");
    const creator = must(preset.creator, "preset creator");
    const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: creator }] };
    // secretlint's always-on profiler observes every performance mark and, for each, searches all
    // marks it has kept so far; its observer only runs when the event loop turns. In a long batch
    // of awaited calls that work piles up and grows quadratically (and Node warns of a leak); the
    // CLI lints a few files per process and never meets it. So after each call the event loop is
    // let turn once, the profiler's pending measures are awaited, and its buffers are emptied:
    // the profiler's real per-call work stays in the timing, its backlog does not.
    type Profiler = {
      entries?: unknown[];
      measures?: unknown[];
      waifForExecutionPromises?: () => Promise<unknown>;
    };
    let profiler: Profiler | undefined;
    try {
      profiler = (await load("@secretlint/profiler")).secretLintProfiler as Profiler | undefined;
    } catch {
      profiler = undefined;
    }
    const settle = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await profiler?.waifForExecutionPromises?.();
      if (profiler?.entries) profiler.entries.length = 0;
      if (profiler?.measures) profiler.measures.length = 0;
      performance.clearMarks();
      performance.clearMeasures();
    };
    peers.secrets.push({
      name: "secretlint",
      version: `${versionOf(root, pkg)} (preset-recommend ${versionOf(root, "@secretlint/secretlint-rule-preset-recommend")})`,
      setup:
        "`lintSource()` with `@secretlint/secretlint-rule-preset-recommend`, text as a plain-text source; flagged when any message " +
        "(its profiler's mark buffer is emptied after each call, see peers.ts)",
      flag: async (text) => {
        const res = (await lintSource({
          source: { filePath: "/eval/input.txt", content: text, contentType: "text" },
          options: { config, maskSecrets: true, noPhysicFilePath: true },
        })) as LintResult;
        await settle();
        return res.messages.length > 0;
      },
    });
  } catch (e) {
    peers.failed.push({ name: pkg, error: errorText(e) });
  }
}

export async function loadPeers(root: string): Promise<Peers> {
  const peers: Peers = { injection: [], pii: [], secrets: [], failed: [] };
  await loadVard(root, peers);
  await loadLlmGuard(root, peers);
  await loadLlmGuardrail(root, peers);
  await loadRedactPii(root, peers);
  await loadSecretlint(root, peers);
  return peers;
}
