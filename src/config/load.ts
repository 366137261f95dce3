import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";
import { policySchema, type PolicyConfig } from "./sections/policy.js";

/** A configuration that cannot be used, with one precise line per problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: Config;
  /** Where the configuration came from ("<embedded default>" or a file path). */
  source: string;
  /** Directory that relative paths in the file (file: secrets, TLS files) are resolved against. */
  baseDir: string;
  /** Things that are valid but unwise (certificate verification off, …). */
  warnings: string[];
}

/** The embedded default: SQLite, in-memory state, and the built-in demo model. No network needed. */
export const EMBEDDED_CONFIG = {
  providers: { demo: { type: "demo" } },
  models: [
    { name: "demo-chat", provider: "demo" },
    { name: "demo-embed", provider: "demo", kind: "embedding" },
  ],
} as const;

export function loadEmbeddedConfig(): LoadedConfig {
  return validate(EMBEDDED_CONFIG, "<embedded default>", process.cwd());
}

export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? error}`]);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, source: string): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map(
        (e) => `YAML ${e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : ""}${e.message.split("\n")[0]}`,
      ),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  return validate(raw ?? {}, source, dirname(resolve(source)));
}

function validate(raw: unknown, source: string, baseDir: string): LoadedConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  const config = result.data;
  if (config.policyDir) config.policies.push(...loadPolicyDir(resolvePath(config.policyDir, baseDir)));
  const names = new Set<string>();
  for (const policy of config.policies) {
    if (names.has(policy.name))
      throw new ConfigError(source, [`policies: the name "${policy.name}" is used twice`]);
    names.add(policy.name);
  }
  return { config, source, baseDir, warnings: collectWarnings(config) };
}

/** True for the policy test files that live beside policies (`portcullis policy test`). */
export function isPolicyTestFile(name: string): boolean {
  return /\.test\.ya?ml$/.test(name);
}

/**
 * Policies from a folder: every `*.yaml` / `*.yml` except `*.test.yaml`, each holding one policy,
 * a list of them, or `{ policies: [...] }`. Problems name the file.
 */
export function loadPolicyDir(dir: string): PolicyConfig[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n) && !isPolicyTestFile(n))
      .sort();
  } catch (error) {
    throw new ConfigError(dir, [
      `cannot read the policy folder: ${(error as NodeJS.ErrnoException).code ?? error}`,
    ]);
  }
  const policies: PolicyConfig[] = [];
  for (const name of names) {
    const file = resolve(dir, name);
    const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        file,
        doc.errors.map((e) => `YAML ${e.message.split("\n")[0]}`),
      );
    }
    const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
    const list = Array.isArray(raw)
      ? raw
      : raw && typeof raw === "object" && "policies" in raw
        ? (raw as { policies: unknown }).policies
        : [raw];
    if (!Array.isArray(list)) throw new ConfigError(file, ["policies: expected a list"]);
    list.forEach((item, index) => {
      const parsed = policySchema.safeParse(item);
      if (!parsed.success) {
        throw new ConfigError(
          file,
          parsed.error.issues.map((issue) => describeIssue({ ...issue, path: [index, ...issue.path] })),
        );
      }
      policies.push(parsed.data);
    });
  }
  return policies;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") return `${path}: unknown setting(s) ${issue.keys.join(", ")}`;
  return `${path}: ${issue.message}`;
}

function collectWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.type === "demo") continue;
    if (!provider.tls.rejectUnauthorized) {
      warnings.push(
        `providers.${name}.tls.rejectUnauthorized is false: upstream certificates are not verified`,
      );
    }
    if (
      provider.baseUrl.startsWith("http:") &&
      !/^http:\/\/(127\.|localhost|\[::1\])/.test(provider.baseUrl)
    ) {
      warnings.push(
        `providers.${name}.baseUrl uses plain http to a non-local host: prompts and keys travel unencrypted`,
      );
    }
  }
  if (config.server.host !== "127.0.0.1" && config.server.host !== "localhost" && !config.tls) {
    warnings.push(
      `server.host is ${config.server.host} without tls: keys would cross the network in clear text`,
    );
  }
  return warnings;
}

/**
 * Resolves `env:NAME` and `file:PATH` references. Called once at start-up; a missing secret is a
 * start-up error naming the reference, never the value.
 */
export function resolveSecret(ref: string, baseDir: string, where: string): string {
  if (ref.startsWith("env:")) {
    const name = ref.slice(4);
    const value = process.env[name];
    if (!value) throw new ConfigError(where, [`environment variable ${name} is not set or empty`]);
    return value;
  }
  if (ref.startsWith("file:")) {
    const path = ref.slice(5);
    const full = isAbsolute(path) ? path : resolve(baseDir, path);
    try {
      return readFileSync(full, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      throw new ConfigError(where, [
        `cannot read secret file ${full}: ${(error as NodeJS.ErrnoException).code}`,
      ]);
    }
  }
  throw new ConfigError(where, ["not a secret reference (expected env:NAME or file:PATH)"]);
}

/** Resolves a path that may be relative to the configuration file. */
export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
