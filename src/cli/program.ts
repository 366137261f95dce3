import { Command, Option } from "commander";

/**
 * The command tree. Each command lives in `src/cli/commands/<name>/` and is imported only when
 * it runs, so `portcullis --help` stays fast and one command's dependencies never load for another.
 */
export function buildProgram(): Command {
  const program = new Command("portcullis")
    .description("Security gateway and toolkit for LLM deployments")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    // Set before subcommands are added, so they inherit it: every exit goes through runCli.
    .exitOverride();

  const format = () =>
    new Option("--format <format>", "output format").choices(["text", "json"]).default("text");
  const serverOptions = (cmd: Command) =>
    cmd
      .option("--data-dir <dir>", "data directory (used when --server is not given)", ".portcullis")
      .option("--server <url>", "talk to a running gateway instead of the data directory")
      .option("--admin-key <key>", "admin key for --server (default: $PORTCULLIS_ADMIN_KEY)")
      .addOption(format());

  program
    .command("serve")
    .description("run the gateway")
    .option("--config <file>", "YAML configuration file (default: the embedded demo configuration)")
    .option("--host <host>", "address to bind")
    .option("--port <port>", "port to listen on")
    .option("--data-dir <dir>", "data directory")
    .action(async (opts) => {
      const { serve } = await import("./commands/serve/index.js");
      process.exitCode = await serve(opts);
    });

  const config = program.command("config").description("work with configuration files");
  config
    .command("check <file>")
    .description("validate a configuration file without starting the gateway")
    .addOption(format())
    .action(async (file, opts) => {
      const { configCheck } = await import("./commands/config-check/index.js");
      process.exitCode = await configCheck({ file, ...opts });
    });

  const keys = program.command("keys").description("manage API keys");
  serverOptions(
    keys
      .command("create")
      .description("create a key; prints the secret once")
      .requiredOption("--name <name>", "a name people will recognise")
      .option("--team <team>", "team the key belongs to", "default")
      .addOption(new Option("--role <role>", "role").choices(["user", "admin", "auditor"]).default("user"))
      .option("--models <list>", "comma-separated models the key may use (* for all)", "*")
      .option("--expires <when>", "expiry: an ISO-8601 time or a duration such as 30d, 12h"),
  ).action(async (opts) => {
    const { keysCreate } = await import("./commands/keys/index.js");
    process.exitCode = await keysCreate(opts);
  });
  serverOptions(keys.command("list").description("list keys (never their secrets)")).action(async (opts) => {
    const { keysList } = await import("./commands/keys/index.js");
    process.exitCode = await keysList(opts);
  });
  for (const action of ["suspend", "resume", "revoke"] as const) {
    serverOptions(keys.command(`${action} <id>`).description(`${action} a key`)).action(async (id, opts) => {
      const { keysSetStatus } = await import("./commands/keys/index.js");
      process.exitCode = await keysSetStatus({ id, action, ...opts });
    });
  }

  program
    .command("detect")
    .description("scan texts from a JSONL file: one JSON result line per input line, in order")
    .requiredOption("--input <file>", "JSONL input file, or - for standard input")
    .option("--field <name>", "field holding the text", "text")
    .option("--detectors <list>", "comma-separated detector ids (default: all)")
    .addOption(
      new Option("--context <context>", "where the texts come from")
        .choices(["prompt", "document", "output"])
        .default("prompt"),
    )
    .addOption(new Option("--format <format>", "output format").choices(["jsonl", "json"]).default("jsonl"))
    .action(async (opts) => {
      const { detect } = await import("./commands/detect/index.js");
      process.exitCode = await detect(opts);
    });

  const audit = program.command("audit").description("check the tamper-evident audit log (docs/audit.md)");
  audit
    .command("verify")
    .description("recompute the audit log and check every checkpoint: exit 0 intact, 1 tampered")
    .option("--data-dir <dir>", "data directory", ".portcullis")
    .option("--checkpoint <file>", "checkpoints kept outside the data directory, to check the log against")
    .option("--public-key <file>", "the log's public key from a trusted copy (default: the data directory's)")
    .addOption(format())
    .action(async (opts) => {
      const { auditVerify } = await import("./commands/audit/index.js");
      process.exitCode = await auditVerify(opts);
    });
  audit
    .command("proof")
    .description("print an inclusion proof for one record that anyone can check")
    .requiredOption("--index <n>", "the record's index (0 is the first)")
    .option("--size <s>", "tree size to prove against (default: the newest checkpoint covering the record)")
    .option("--data-dir <dir>", "data directory", ".portcullis")
    .option("--public-key <file>", "the log's public key from a trusted copy (default: the data directory's)")
    .addOption(format())
    .action(async (opts) => {
      const { auditProof } = await import("./commands/audit/index.js");
      process.exitCode = await auditProof(opts);
    });
  audit
    .command("config [file]")
    .description("check a configuration (and a running gateway) against the posture rules (docs/posture.md)")
    .option("--server <url>", "also audit a running gateway: its effective settings, keys, CORS and /metrics")
    .option("--admin-key <key>", "admin key for --server (default: $PORTCULLIS_ADMIN_KEY)")
    .option("--data-dir <dir>", "data directory the gateway runs with (default: the configuration's dataDir)")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"),
    )
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity exists")
        .choices(["critical", "high", "medium", "low", "info", "none"])
        .default("high"),
    )
    .action(async (file: string | undefined, opts) => {
      const { auditConfig } = await import("./commands/audit-config/index.js");
      process.exitCode = await auditConfig({ ...opts, ...(file ? { file } : {}) });
    });

  const crypto = program
    .command("crypto")
    .description("payload encryption keys: rotate, shred, read (docs/encryption.md)");
  const cryptoTarget = (cmd: Command) =>
    cmd
      .option("--config <file>", "configuration file (store, payloads.kek, payloads.previousKeks)")
      .option("--data-dir <dir>", "data directory (default: the configuration's dataDir)")
      .option("--kek-env <name>", "environment variable holding the KEK (instead of payloads.kek)")
      .option("--kek-file <path>", "file holding the KEK (instead of payloads.kek)")
      .option(
        "--old-kek-env <name>",
        "environment variable holding an earlier KEK (for reading and rewrapping)",
      )
      .option("--old-kek-file <path>", "file holding an earlier KEK")
      .addOption(format());
  cryptoTarget(
    crypto.command("status").description("show the key ring and what is stored under each version"),
  ).action(async (opts) => {
    const { cryptoStatus } = await import("./commands/crypto/index.js");
    process.exitCode = await cryptoStatus(opts);
  });
  cryptoTarget(
    crypto
      .command("rotate")
      .description(
        "make a new key ring version current (same KEK, or a new one); --rewrap re-wraps old team keys",
      )
      .option("--rewrap", "re-wrap every team key under the new version, in batches, while gateways run")
      .option("--batch <n>", "team keys per batch", "200"),
  ).action(async (opts) => {
    const { cryptoRotate } = await import("./commands/crypto/index.js");
    process.exitCode = await cryptoRotate(opts);
  });
  cryptoTarget(
    crypto
      .command("rewrap")
      .description("re-wrap every team key under the current key ring version")
      .option("--batch <n>", "team keys per batch", "200"),
  ).action(async (opts) => {
    const { cryptoRewrap } = await import("./commands/crypto/index.js");
    process.exitCode = await cryptoRewrap(opts);
  });
  cryptoTarget(
    crypto
      .command("shred")
      .description("crypto-shred payloads: a team's, everything before a date, or one")
      .option("--team <team>", "every payload and key of this team")
      .option("--before <date>", "payloads older than an ISO-8601 date or a number of days (90d)")
      .option("--ref <payload_ref>", "one payload"),
  ).action(async (opts) => {
    const { cryptoShred } = await import("./commands/crypto/index.js");
    process.exitCode = await cryptoShred(opts);
  });
  cryptoTarget(
    crypto
      .command("show <payload_ref>")
      .description("decrypt one payload for an investigation (recorded as an admin event)")
      .requiredOption("--reason <text>", "why you read it (recorded)"),
  ).action(async (ref: string, opts) => {
    const { cryptoShow } = await import("./commands/crypto/index.js");
    process.exitCode = await cryptoShow({ ref, ...opts });
  });

  const policy = program.command("policy").description("test and explain policies");
  policy
    .command("test [dir]")
    .description("run the policy test cases (*.test.yaml) beside the policies in DIR (default: policies)")
    .addOption(format())
    .action(async (dir: string | undefined, opts) => {
      const { policyTest } = await import("./commands/policy/index.js");
      process.exitCode = await policyTest({ dir: dir ?? "policies", ...opts });
    });
  policy
    .command("explain")
    .description("show which detectors and policy rules fire on a text, and why")
    .requiredOption("--text <text>", "the text to inspect")
    .option("--key <id>", "key id the text comes from (per-key policies and exceptions)", "key_explain")
    .option("--team <team>", "team of the key", "default")
    .option("--model <model>", "model the text is sent to", "demo-chat")
    .addOption(
      new Option("--direction <direction>", "where the text is")
        .choices(["prompt", "document", "output"])
        .default("prompt"),
    )
    .option("--system-prompt <text>", "the system prompt, for output leaks")
    .option("--config <file>", "take the policies from this configuration file")
    .option("--policy-dir <dir>", "take the policies from this folder (default: policies)")
    .addOption(format())
    .action(async (opts) => {
      const { policyExplain } = await import("./commands/policy/index.js");
      process.exitCode = await policyExplain(opts);
    });

  const manifest = program
    .command("manifest")
    .description("sign a folder's files and verify them (DSSE + in-toto, docs/scanning.md)");
  manifest
    .command("keygen")
    .description("make an Ed25519 key pair: PREFIX.key (private, 0600) and PREFIX.pub")
    .option("--out <prefix>", "file name prefix", "portcullis-manifest")
    .addOption(format())
    .action(async (opts) => {
      const { manifestKeygen } = await import("./commands/manifest/index.js");
      process.exitCode = await manifestKeygen(opts);
    });
  manifest
    .command("create <dir>")
    .description("hash every file of DIR (skipping .git) and write a signed manifest")
    .requiredOption("--key <file>", "Ed25519 private key (PKCS#8 PEM, from manifest keygen)")
    .option("--out <file>", "where to write the manifest", "manifest.json")
    .option("--allow-symlinks", "follow symbolic links to files inside DIR instead of refusing them")
    .addOption(format())
    .action(async (dir: string, opts) => {
      const { manifestCreate } = await import("./commands/manifest/index.js");
      process.exitCode = await manifestCreate({ dir, ...opts });
    });
  manifest
    .command("verify <dir>")
    .description("exit 0 only if the signature is valid and DIR holds exactly the signed files")
    .requiredOption("--manifest <file>", "the manifest (DSSE envelope)")
    .requiredOption("--pubkey <file>", "the signer's Ed25519 public key (PEM)")
    .option("--allow-symlinks", "follow symbolic links to files inside DIR instead of refusing them")
    .addOption(format())
    .action(async (dir: string, opts) => {
      const { manifestVerify } = await import("./commands/manifest/index.js");
      process.exitCode = await manifestVerify({ dir, ...opts });
    });

  // `scan` groups the offline scanners (docs/scanning.md); whichever scanner is declared first creates it.
  const scan =
    program.commands.find((c) => c.name() === "scan") ??
    program
      .command("scan")
      .description("offline scanners for models, datasets and manifests (docs/scanning.md)");
  scan
    .command("model <paths...>")
    .description("parse model files, archives and folders (never load them): exit 0 clean, 1 malicious")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"),
    )
    .option("--strict", "also fail (exit 1) on suspicious and invalid files")
    .action(async (paths: string[], opts) => {
      const { scanModel } = await import("./commands/scan-model/index.js");
      process.exitCode = await scanModel({ paths, ...opts });
    });

  // `scan dataset` (issue 6; docs/scanning-datasets.md). Finds or creates the `scan` group itself.
  const scanGroup =
    program.commands.find((c) => c.name() === "scan") ??
    program.command("scan").description("offline scanners for models and datasets (docs/scanning.md)");
  scanGroup
    .command("dataset <file>")
    .description(
      "scan a dataset (JSONL, CSV, Parquet, text, a folder of documents) for poisoning, PII, secrets and hidden instructions",
    )
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"),
    )
    .option("--field <name>", "field holding the text (dotted paths allowed; default: detected)")
    .option("--label-field <name>", "field holding the class label (backdoor and outlier tests per label)")
    .option("--input-format <format>", "jsonl, json, csv, tsv, parquet, text or folder (default: detected)")
    .option(
      "--checks <list>",
      "comma-separated: backdoor, duplicates, outliers, pii, secrets, injection, hidden_text",
    )
    .option(
      "--fail-on <rules>",
      "exit 1 when exceeded: CHECK, CHECK=N or CHECK=P% (comma-separated), or none",
      "flagged",
    )
    .option(
      "--manifest <file>",
      "verify this signed manifest before scanning (refuse to scan when it does not)",
    )
    .option("--pubkey <file>", "the manifest signer's public key")
    .option("--manifest-root <dir>", "the folder the manifest covers (default: the dataset's folder)")
    .option("--top <n>", "suspicious rows listed in the summary", "20")
    .option("--min-support <n>", "rows a trigger or flood needs at least (default: max(5, 0.1% of rows))")
    .option("--max-features <n>", "features kept in memory for the backdoor test (default 400000)")
    .option(
      "--workers <n>",
      "worker threads for the per-row work (default: one per core for inputs of 8 MB and more; 0: none)",
    )
    .option("--no-progress", "no progress bar (it is shown only on a terminal anyway)")
    .action(async (file: string, opts) => {
      const { scanDatasetCommand } = await import("./commands/scan-dataset/index.js");
      process.exitCode = await scanDatasetCommand({ file, ...opts });
    });

  program
    .command("replay <trace>")
    .description(
      "run the behaviour analytics over a recorded JSONL trace, without a server (docs/analytics.md)",
    )
    .option("--no-guards", "do not run the guards on the prompts (no findings reach the analytics)")
    .option("--config <file>", "take the analytics settings and policies from this configuration file")
    .option("--stats", "print events, identities, time and peak memory to standard error")
    .addOption(format())
    .action(async (trace: string, opts) => {
      const { replay } = await import("./commands/replay/index.js");
      process.exitCode = await replay({ trace, ...opts });
    });
  program
    .command("simulate")
    .description("write a labelled synthetic traffic trace (JSONL) for replay, benign and attackers")
    .option("--hours <n>", "hours of traffic", "48")
    .option("--seed <n>", "random seed (the same seed writes the same trace)", "1")
    .option("--users <n>", "office chat users; the other populations scale with it", "30")
    .option("--start <time>", "ISO-8601 start of the trace", "2025-03-03T00:00:00Z")
    .option("--benign-only", "leave the attackers out")
    .action(async (opts) => {
      const { simulate } = await import("./commands/simulate/index.js");
      process.exitCode = await simulate(opts);
    });

  const redteam = program
    .command("redteam")
    .description("attack an LLM endpoint with suites of probes (docs/redteam.md)");
  redteam
    .command("run")
    .description("run attack suites against a model or an application: exit 0 none succeeded, 1 some did")
    .option("--target <url>", "OpenAI-compatible or Anthropic endpoint (base URL or full endpoint)")
    .option("--model <model>", "model to attack")
    .addOption(
      new Option("--target-type <type>", "API of the target (auto: /messages is Anthropic, else OpenAI)")
        .choices(["auto", "openai", "anthropic", "http"])
        .default("auto"),
    )
    .option("--request-template <file>", "YAML request template for your own application's HTTP endpoint")
    .option("--suite <names...>", "suite names or YAML files (default: every shipped suite but demo)")
    .option(
      "--transforms <list>",
      "transforms for every probe: base64, leetspeak, homoglyphs, zero-width, tags, translate[-xx], all, none",
    )
    .addOption(
      new Option("--format <format>", "what to print on stdout")
        .choices(["text", "json", "junit", "sarif", "html"])
        .default("text"),
    )
    .option("--out <dir>", "write report.html, report.json, junit.xml, report.sarif and the run state here")
    .option("--api-key-env <name>", "environment variable holding the target's key", "OPENAI_API_KEY")
    .option("--system-prompt <file>", "system prompt template ({{canary}}, {{customer}}, {{secret}})")
    .option("--no-system-prompt", "send no system prompt (the application has its own)")
    .option("--canary <value>", "a canary you planted in your application's system prompt")
    .addOption(
      new Option("--document-via <how>", "how retrieved documents reach the model")
        .choices(["tool", "inline"])
        .default("tool"),
    )
    .option("--concurrency <n>", "requests in flight at once", "4")
    .option("--rate <r>", "requests per second at most")
    .option("--timeout <ms>", "per-request timeout in milliseconds", "60000")
    .option("--resume", "skip the cases the run state in --out already has")
    .option(
      "--compare-direct <url>",
      "also run against the model directly and report what the target stopped",
    )
    .option("--compare-model <model>", "model name for --compare-direct (default: --model)")
    .option("--compare-api-key-env <name>", "environment variable holding the direct endpoint's key")
    .option("--judge-url <url>", "OpenAI-compatible endpoint of an optional LLM judge")
    .option("--judge-model <model>", "model of the LLM judge")
    .option("--judge-api-key-env <name>", "environment variable holding the LLM judge's key")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when an attack at or above this severity succeeded")
        .choices(["low", "medium", "high", "critical"])
        .default("low"),
    )
    .action(async (opts) => {
      const { redteamRun } = await import("./commands/redteam/index.js");
      process.exitCode = await redteamRun(opts);
    });

  program
    .command("drill")
    .description(
      "run a scripted attack on a running gateway and check that it was detected, answered and alerted (docs/drill.md)",
    )
    .requiredOption("--server <url>", "the gateway to drill")
    .option("--admin-key <key>", "admin key (default: $PORTCULLIS_ADMIN_KEY)")
    .option("--model <model>", "model to attack (default: the first chat model)")
    .option(
      "--phases <list>",
      "phases to run, comma-separated: injection,leakage,extraction,flood (default: all)",
    )
    .option("--wait <seconds>", "how long to wait for detections, responses and notifications", "60")
    .option("--extraction-requests <n>", "requests of the extraction run (default 180)")
    .option("--flood-requests <n>", "requests of the key flood (default 2200)")
    .option("--keep-incidents", "leave the incidents the drill caused open")
    .addOption(format())
    .action(async (opts) => {
      const { drill } = await import("./commands/drill/index.js");
      process.exitCode = await drill(opts);
    });

  // Incident response (docs/incidents.md): lifecycle and actions through a running gateway.
  const incidents = program
    .command("incidents")
    .description("incidents and automated response actions of a running gateway (docs/incidents.md)");
  const remote = (cmd: Command) =>
    cmd
      .option("--server <url>", "the running gateway (required)")
      .option("--admin-key <key>", "admin key (default: $PORTCULLIS_ADMIN_KEY)")
      .addOption(format());
  const lazy = () => import("./commands/incidents/index.js");
  remote(
    incidents
      .command("list")
      .description("list incidents, newest first")
      .addOption(new Option("--status <status>").choices(["open", "acknowledged", "resolved"]))
      .addOption(new Option("--severity <severity>").choices(["low", "medium", "high", "critical"]))
      .option("--key <id>", "only this key's incidents")
      .option("--type <type>", "only this type (prompt_injection, model_extraction, …)")
      .option("--limit <n>", "at most this many (1-500)", "100"),
  ).action(async (opts) => {
    process.exitCode = await (await lazy()).incidentsList(opts);
  });
  remote(incidents.command("show <id>").description("one incident with its history and actions")).action(
    async (id, opts) => {
      process.exitCode = await (await lazy()).incidentsShow({ id, ...opts });
    },
  );
  for (const [step, what] of [
    ["ack", "acknowledge an open incident"],
    ["resolve", "resolve an incident"],
  ] as const) {
    remote(incidents.command(`${step} <id>`).description(what).option("--note <text>", "why")).action(
      async (id, opts) => {
        process.exitCode = await (await lazy()).incidentsStep({ id, step, ...opts });
      },
    );
  }
  remote(
    incidents
      .command("actions")
      .description("list response actions (suspensions, throttles, policies, notifications)")
      .addOption(
        new Option("--state <state>").choices([
          "active",
          "done",
          "expired",
          "reverted",
          "superseded",
          "failed",
        ]),
      )
      .option("--key <id>", "only actions on this key")
      .option("--incident <id>", "only this incident's actions")
      .option("--limit <n>", "at most this many (1-1000)", "100"),
  ).action(async (opts) => {
    process.exitCode = await (await lazy()).incidentsActions(opts);
  });
  remote(
    incidents
      .command("revert <action-id>")
      .description("revert an active suspension, throttle or required policy")
      .option("--note <text>", "why"),
  ).action(async (id, opts) => {
    process.exitCode = await (await lazy()).incidentsRevert({ id, ...opts });
  });
  remote(
    incidents.command("feedback").description("feedback reports counted per detector, policy and rule"),
  ).action(async (opts) => {
    process.exitCode = await (await lazy()).incidentsFeedback(opts);
  });

  return program;
}
