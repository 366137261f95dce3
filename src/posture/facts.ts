import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { measureSecret, type SecretSite } from "./secrets.js";
import type { SecretFacts } from "./types.js";

export interface ProbeOptions {
  /** Directory `file:` references are relative to (the configuration file's). */
  baseDir: string;
  /** Where `env:` references are looked up; absent: env references are not probed. */
  env?: NodeJS.ProcessEnv;
  /** Read file secrets' contents (their permissions are always checked when they exist). */
  readFiles?: boolean;
}

/**
 * Looks at each secret from where the audit runs: file permissions, and a measurement of the value
 * (length, variety, placeholder) that is all that leaves this function — never the value.
 * Run it on the gateway's host, with its environment, for the answer to mean something.
 */
export function probeSecrets(sites: readonly SecretSite[], options: ProbeOptions): SecretFacts[] {
  return sites.map((site) => probe(site, options));
}

function probe(site: SecretSite, options: ProbeOptions): SecretFacts {
  if (site.ref.startsWith("env:")) {
    if (!options.env) return { ...site, status: "skipped" };
    const value = options.env[site.ref.slice(4)];
    if (!value) return { ...site, status: "unset" };
    return { ...site, status: "read", strength: measureSecret(value) };
  }
  if (site.ref.startsWith("file:")) {
    const path = site.ref.slice(5);
    const file = isAbsolute(path) ? path : resolve(options.baseDir, path);
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      return { ...site, status: "unreadable", file };
    }
    if (site.purpose === "private-key" || options.readFiles === false)
      return { ...site, status: "read", file, mode };
    try {
      const value = readFileSync(file, "utf8").replace(/\r?\n$/, "");
      return { ...site, status: "read", file, mode, strength: measureSecret(value) };
    } catch {
      return { ...site, status: "unreadable", file, mode };
    }
  }
  return { ...site, status: "skipped" };
}

/** A secret handed to the audit directly (the `--admin-key` it was run with): measured, not kept. */
export function givenSecret(site: SecretSite, value: string): SecretFacts {
  return { ...site, status: "read", strength: measureSecret(value) };
}
