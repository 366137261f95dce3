import { existsSync } from "node:fs";
import { ConfigError, PolicyTools, loadConfigFile } from "../../../app/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface PolicyTestOptions {
  dir: string;
  format: "text" | "json";
}

/** Runs the `*.test.yaml` cases beside the policies. Exit 0 when all pass, 1 when any fails. */
export async function policyTest(opts: PolicyTestOptions): Promise<number> {
  if (!existsSync(opts.dir)) throw new CliError(`no policy folder at ${opts.dir}`);
  let results;
  try {
    results = PolicyTools.fromDir(opts.dir).runTests(opts.dir);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const failed = results.filter((r) => !r.passed);
  if (opts.format === "json") {
    process.stdout.write(
      `${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results })}\n`,
    );
  } else {
    for (const r of results) {
      process.stdout.write(
        `${r.passed ? "PASS" : "FAIL"}  ${r.file}: ${r.name}${r.passed ? "" : ` — expected ${r.expected}, got ${r.actual}`}\n`,
      );
      if (!r.passed) for (const reason of r.reasons) process.stdout.write(`        ${reason}\n`);
    }
    process.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed\n`);
  }
  if (results.length === 0) throw new CliError(`no test cases (*.test.yaml) in ${opts.dir}`, EXIT_FINDINGS);
  return failed.length ? EXIT_FINDINGS : EXIT_OK;
}

export interface PolicyExplainOptions {
  text: string;
  key: string;
  team: string;
  model: string;
  direction: "prompt" | "document" | "output";
  systemPrompt?: string;
  config?: string;
  policyDir?: string;
  format: "text" | "json";
}

/** Shows which detectors fire on a text, which policy rules decide, and the final decision. */
export async function policyExplain(opts: PolicyExplainOptions): Promise<number> {
  let tools: PolicyTools;
  try {
    tools = opts.config
      ? PolicyTools.fromConfig(loadConfigFile(opts.config).config)
      : PolicyTools.fromDir(opts.policyDir ?? "policies");
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const explanation = tools.explain(
    opts.text,
    { keyId: opts.key, team: opts.team, model: opts.model },
    opts.direction,
    opts.systemPrompt,
  );
  if (opts.format === "json") {
    process.stdout.write(`${JSON.stringify(explanation)}\n`);
    return EXIT_OK;
  }
  const { decision, findings } = explanation;
  process.stdout.write(
    `decision: ${decision.action}${decision.monitorOnly ? " (monitor rules would act more strictly)" : ""}\n`,
  );
  process.stdout.write(
    `policies: ${
      tools.policies
        .applicable({ keyId: opts.key, team: opts.team, model: opts.model })
        .map((p) => p.name)
        .join(", ") || "none apply"
    }\n`,
  );
  if (findings.length === 0) process.stdout.write("no findings\n");
  for (const f of findings) {
    const rule = f.allowedBy
      ? `allowed by ${f.allowedBy}`
      : f.policy
        ? `${f.policy} rule ${f.rule}`
        : "no rule";
    process.stdout.write(
      `- ${f.category}/${f.kind} (${f.detector}, score ${f.score.toFixed(2)}${f.span ? `, at ${f.span[0]}–${f.span[1]}` : ""}) → ${f.monitor ? "monitor: would " : ""}${f.action} [${rule}]\n`,
    );
    if (f.reason) process.stdout.write(`    ${f.reason}\n`);
  }
  return EXIT_OK;
}
