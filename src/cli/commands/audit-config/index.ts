import { relative } from "node:path";
import { readFileSync } from "node:fs";
import { ConfigError } from "../../../app/index.js";
import {
  atOrAbove,
  auditPosture,
  collectServerFacts,
  effectiveDataDir,
  givenSecret,
  isSeverity,
  loadAuditedConfig,
  probeSecrets,
  renderText,
  secretSites,
  ServerFactsError,
  toSarif,
  type PostureInput,
  type SecretFacts,
  type ServerFacts,
} from "../../../posture/index.js";
import { CliError, EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface AuditConfigOptions {
  /** The configuration file; the embedded default when absent (and no --server). */
  file?: string;
  /** A running gateway: its effective configuration, keys, CORS and metrics answers. */
  server?: string;
  adminKey?: string;
  /** The data directory the gateway runs with, when it is not the configuration's dataDir. */
  dataDir?: string;
  format: "text" | "json" | "sarif";
  /** Exit 1 when a finding at or above this severity exists; `none` never fails. */
  failOn: string;
  /** Environment the secrets are looked up in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

const ADMIN_KEY_SITE = { path: ["PORTCULLIS_ADMIN_KEY"], purpose: "admin-key" } as const;

/**
 * `portcullis audit config [FILE] [--server URL --admin-key K]`: the posture audit (docs/posture.md).
 * With FILE the configuration is the file's; without FILE but with --server, the running
 * instance's effective one. Exit 0 clean, 1 a finding at or above --fail-on, 2 cannot run.
 */
export async function auditConfig(opts: AuditConfigOptions): Promise<number> {
  const failOn = opts.failOn;
  if (failOn !== "none" && !isSeverity(failOn))
    throw new CliError(`--fail-on must be one of critical, high, medium, low, info, none (got "${failOn}")`);
  const env = opts.env ?? process.env;

  let server: ServerFacts | undefined;
  let serverConfig: PostureInput["config"] | undefined;
  let adminKey: string | undefined;
  if (opts.server) {
    adminKey = opts.adminKey ?? env.PORTCULLIS_ADMIN_KEY;
    if (!adminKey) throw new CliError("--server needs an admin key: --admin-key KEY or PORTCULLIS_ADMIN_KEY");
    try {
      const collected = await collectServerFacts(opts.server, adminKey);
      server = collected.facts;
      serverConfig = collected.config;
    } catch (error) {
      if (error instanceof ServerFactsError) throw new CliError(error.message);
      throw error;
    }
    if (!opts.file && !serverConfig)
      throw new CliError(
        `${opts.server} does not expose GET /admin/v1/config: give the configuration FILE it runs with`,
      );
  }

  let loaded;
  try {
    loaded = opts.file || !serverConfig ? loadAuditedConfig(opts.file) : undefined;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const config = loaded?.config ?? serverConfig!;
  const baseDir = loaded?.baseDir ?? process.cwd();
  const source = loaded?.source ?? `${opts.server} (effective configuration)`;

  // Secrets are probed only where the configuration's references mean something: the file's own
  // host. A server's references point at its environment and files, not this machine's.
  const sites = secretSites(config);
  const secrets: SecretFacts[] = loaded
    ? probeSecrets(sites, { baseDir, env })
    : sites.map((site) => ({ ...site, status: "skipped" as const }));
  if (adminKey)
    secrets.push(
      givenSecret(
        { ref: opts.adminKey ? "--admin-key" : "env:PORTCULLIS_ADMIN_KEY", ...ADMIN_KEY_SITE },
        adminKey,
      ),
    );
  else if (loaded && env.PORTCULLIS_ADMIN_KEY)
    secrets.push(...probeSecrets([{ ref: "env:PORTCULLIS_ADMIN_KEY", ...ADMIN_KEY_SITE }], { baseDir, env }));

  const report = auditPosture({
    config,
    source,
    baseDir,
    dataDir: effectiveDataDir(config.dataDir, opts.dataDir),
    secrets,
    ...(server ? { server } : {}),
  });

  if (opts.format === "json") {
    process.stdout.write(`${JSON.stringify({ ...report, fail_on: failOn })}\n`);
  } else if (opts.format === "sarif") {
    const sarif = toSarif(report, {
      ...(opts.file
        ? {
            uri: relative(process.cwd(), opts.file).split("\\").join("/"),
            text: readFileSync(opts.file, "utf8"),
          }
        : {}),
      toolVersion: process.env.npm_package_version ?? "0.1.0",
    });
    process.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else {
    process.stdout.write(renderText(report));
  }
  if (failOn === "none") return EXIT_OK;
  return atOrAbove(report.findings, failOn).length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
