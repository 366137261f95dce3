/**
 * Loading suites: the shipped ones from the `suites/` folder of the package, or any YAML file a
 * user names. Every file is validated as a whole when it is loaded; a bad probe stops the run
 * before the first request, with the file, the probe and the field named.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { suiteSchema, type Probe, type Suite } from "./schema.js";
import { RedteamError } from "../errors.js";

export { judgeSpecSchema, probeSchema, suiteSchema, TOOL_CATALOGUE } from "./schema.js";
export type { JudgeSpec, Probe, ProbeSpec, Suite, SuiteSpec, ToolName } from "./schema.js";

/** A suite file that cannot be used; the message names the file and the problems. */
export class SuiteError extends RedteamError {}

/**
 * The package's `suites/` folder. Walks up from this module (src/redteam/suites when run from
 * source, dist/src/redteam/suites when built) to the folder that holds package.json.
 */
export function shippedSuitesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "suites"))) return join(dir, "suites");
    dir = dirname(dir);
  }
  throw new SuiteError("cannot find the shipped suites/ folder next to package.json");
}

/** The package's version, from the package.json next to the shipped suites. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(shippedSuitesDir()), "package.json"), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Names of the shipped suites (every `*.yaml` in suites/ that is a suite, not the phrase table). */
export function shippedSuiteNames(dir = shippedSuitesDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "translations.yaml")
    .map((f) => basename(f, ".yaml"))
    .sort();
}

/** Largest suite file read: suites are hand-written; anything bigger is a mistake or an attack on the runner. */
export const MAX_SUITE_BYTES = 2 * 1024 * 1024;

/** Parses and validates one suite file's text. `file` is used in messages and reports. */
export function parseSuite(text: string, file: string): Suite {
  if (text.length > MAX_SUITE_BYTES)
    throw new SuiteError(
      `${file}: larger than ${MAX_SUITE_BYTES / 1024 / 1024} MB; split it into several suites`,
    );
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new SuiteError(`${file}: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}`);
  }
  let raw: unknown;
  try {
    // An unresolved alias (`*x` without `&x`) or an alias bomb is an error here, not in parseDocument.
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    throw new SuiteError(`${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const result = suiteSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new SuiteError(`${file}: invalid suite\n${problems.join("\n")}`);
  }
  const spec = result.data;
  // Line of each probe, for SARIF locations.
  const lines: number[] = [];
  const probesNode = doc.get("probes", true);
  if (isSeq(probesNode)) {
    for (const item of probesNode.items) {
      const offset = isMap(item) && item.range ? item.range[0] : 0;
      lines.push(lineCounter.linePos(offset).line);
    }
  }
  const d = spec.defaults;
  const probes: Probe[] = spec.probes.map((p, i) => ({
    suite: spec.suite,
    id: p.id,
    title: p.title,
    goal: p.goal,
    owasp: p.owasp ?? d.owasp,
    atlas: p.atlas ?? d.atlas,
    severity: p.severity ?? d.severity,
    ...(p.prompt !== undefined ? { prompt: p.prompt } : {}),
    ...(p.turns !== undefined ? { turns: p.turns } : {}),
    ...(p.document !== undefined ? { document: p.document } : {}),
    tools: p.tools ?? [],
    ...(p.flood ? { flood: p.flood } : {}),
    ...(p.maxTokens !== undefined ? { maxTokens: p.maxTokens } : {}),
    ...(p.timeoutMs !== undefined ? { timeoutMs: p.timeoutMs } : {}),
    transforms: p.transforms ?? d.transforms,
    transformable: !(p.transforms && p.transforms.length === 0),
    judges: p.judges,
    line: lines[i] ?? 1,
  }));
  return { name: spec.suite, title: spec.title, description: spec.description, file, probes };
}

/**
 * Loads suites by name (a shipped suite) or by path (a `.yaml`/`.yml` file of the user's).
 * No names: every shipped suite except `demo`, which only makes sense against the demo model.
 */
export function loadSuites(names: readonly string[] = [], dir?: string): Suite[] {
  const root = dir ?? shippedSuitesDir();
  const wanted = names.length ? names : shippedSuiteNames(root).filter((n) => n !== "demo");
  const suites: Suite[] = [];
  for (const name of wanted) {
    const isPath = /\.ya?ml$/i.test(name) || name.includes("/");
    const file = isPath ? resolve(name) : join(root, `${name}.yaml`);
    if (!existsSync(file)) {
      throw new SuiteError(
        isPath
          ? `suite file ${name} does not exist`
          : `unknown suite "${name}" (shipped: ${shippedSuiteNames(root).join(", ")}; or give a path to a .yaml file)`,
      );
    }
    const shown = isPath ? name : `suites/${name}.yaml`;
    if (statSync(file).size > MAX_SUITE_BYTES)
      throw new SuiteError(
        `${shown}: larger than ${MAX_SUITE_BYTES / 1024 / 1024} MB; split it into several suites`,
      );
    const suite = parseSuite(readFileSync(file, "utf8"), shown);
    if (suites.some((s) => s.name === suite.name))
      throw new SuiteError(`suite "${suite.name}" is named twice`);
    suites.push(suite);
  }
  return suites;
}
