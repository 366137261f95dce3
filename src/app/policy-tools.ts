import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { ConfigError, isPolicyTestFile, loadPolicyDir, type Config } from "../config/index.js";
import { createEngine, type Engine } from "../detect/index.js";
import {
  compilePolicies,
  DEFAULT_POLICY,
  type Decision,
  type Direction,
  type PolicySet,
} from "../policy/index.js";

/** One policy test case, written beside the policies in `*.test.yaml` (the way OPA keeps tests). */
const testCaseSchema = z
  .object({
    name: z.string().min(1),
    input: z.string(),
    direction: z.enum(["prompt", "document", "output"]).default("prompt"),
    key: z.string().default("key_policy_test"),
    team: z.string().default("default"),
    model: z.string().default("demo-chat"),
    /** The system prompt, for output cases about leaks. */
    systemPrompt: z.string().optional(),
    expect: z.enum(["allow", "redact", "block"]),
    /** Categories that must appear among the acted-on findings. */
    categories: z.array(z.string()).optional(),
  })
  .strict();

export type PolicyTestCase = z.infer<typeof testCaseSchema>;

export interface PolicyTestResult {
  file: string;
  name: string;
  passed: boolean;
  expected: string;
  actual: string;
  reasons: string[];
}

export interface Explanation {
  decision: Decision;
  findings: {
    detector: string;
    kind: string;
    category: string;
    score: number;
    span?: [number, number];
    reason?: string;
    action: string;
    policy?: string;
    rule?: number;
    monitor: boolean;
    allowedBy?: string;
  }[];
}

export class PolicyTools {
  readonly engine: Engine;
  readonly policies: PolicySet;

  constructor(policies: PolicySet, engine: Engine = createEngine()) {
    this.policies = policies;
    this.engine = engine;
  }

  /** Policies from a folder, or the shipped default policy when the folder holds none. */
  static fromDir(dir: string): PolicyTools {
    const policies = existsSync(dir) ? loadPolicyDir(dir) : [];
    return new PolicyTools(compilePolicies(policies.length ? policies : [DEFAULT_POLICY]));
  }

  static fromConfig(config: Config): PolicyTools {
    return new PolicyTools(compilePolicies(config.policies.length ? config.policies : [DEFAULT_POLICY]));
  }

  explain(
    text: string,
    subject: { keyId: string; team: string; model: string },
    direction: Direction = "prompt",
    systemPrompt?: string,
  ): Explanation {
    const findings = this.engine.scan(text, {
      context: direction,
      ...(systemPrompt ? { systemPrompt } : {}),
    });
    const decision = this.policies.decide(
      subject,
      findings.map((finding) => ({ finding, direction, text })),
    );
    return {
      decision,
      findings: decision.outcomes.map((o) => ({
        detector: o.finding.detector,
        kind: o.finding.kind,
        category: o.finding.category,
        score: o.finding.score,
        ...(o.finding.span ? { span: o.finding.span } : {}),
        ...(o.finding.reason ? { reason: o.finding.reason } : {}),
        action: o.action,
        ...(o.policy ? { policy: o.policy, rule: o.rule! } : {}),
        monitor: o.monitor,
        ...(o.allowedBy ? { allowedBy: o.allowedBy } : {}),
      })),
    };
  }

  /** Runs every `*.test.yaml` case in the folder against the folder's policies. */
  runTests(dir: string): PolicyTestResult[] {
    const results: PolicyTestResult[] = [];
    const files = readdirSync(dir).filter(isPolicyTestFile).sort();
    for (const name of files) {
      const file = join(dir, name);
      const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
      if (doc.errors.length)
        throw new ConfigError(
          file,
          doc.errors.map((e) => `YAML ${e.message.split("\n")[0]}`),
        );
      const raw = doc.toJS() as unknown;
      const list = Array.isArray(raw) ? raw : ((raw as { tests?: unknown[] } | null)?.tests ?? []);
      list.forEach((item, index) => {
        const parsed = testCaseSchema.safeParse(item);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new ConfigError(file, [`${[index, ...issue.path].join(".")}: ${issue.message}`]);
        }
        const c = parsed.data;
        const { decision, findings } = this.explain(
          c.input,
          { keyId: c.key, team: c.team, model: c.model },
          c.direction,
          c.systemPrompt,
        );
        const acted = new Set(
          findings
            .filter((f) => !f.monitor && f.action !== "allow" && f.action !== "alert")
            .map((f) => f.category),
        );
        const categoriesOk = !c.categories || c.categories.every((cat) => acted.has(cat));
        results.push({
          file: name,
          name: c.name,
          passed: decision.action === c.expect && categoriesOk,
          expected: c.expect + (c.categories ? ` [${c.categories.join(", ")}]` : ""),
          actual: decision.action + (c.categories ? ` [${[...acted].join(", ")}]` : ""),
          reasons: decision.reasons,
        });
      });
    }
    return results;
  }
}
