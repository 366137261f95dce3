import { isAbsolute, relative, resolve } from "node:path";
import type { PostureInput, PostureRule, RuleHit } from "../types.js";

function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function payloadsOn(input: PostureInput): boolean {
  const { payloads } = input.config;
  return payloads.mode !== "off" || Object.values(payloads.teams).some((t) => t.mode && t.mode !== "off");
}

export const payloadsKekExposed: PostureRule = {
  id: "payloads-kek-exposed",
  title: "Payload logging without a protected key (KEK stored in the data directory)",
  severity: "high",
  why:
    "Payloads are sealed under keys wrapped by the KEK. A KEK file inside the data directory is copied " +
    "by every backup and snapshot of the data it protects: whoever has one has both, and the " +
    "encryption is decoration. (Payload logging without any KEK is refused by the schema.)",
  fix:
    "Keep the KEK outside the data directory: a secret mount (payloads.kek.file on /run/secrets), an " +
    "environment variable, or a KMS client (payloads.kek.command).",
  refs: ["CWE-320", "CWE-312", "NIST SP 800-57 Part 1 §6.2"],
  check(input) {
    const { payloads } = input.config;
    const hits: RuleHit[] = [];
    if (payloadsOn(input) && !payloads.kek) {
      hits.push({ message: "payload logging is on without a KEK", path: ["payloads", "kek"] });
    }
    const sources = [
      ...(payloads.kek ? [{ source: payloads.kek, path: ["payloads", "kek"] }] : []),
      ...payloads.previousKeks.map((source, i) => ({ source, path: ["payloads", "previousKeks", i] })),
    ];
    for (const { source, path } of sources) {
      if (!("file" in source)) continue;
      const file = resolve(input.baseDir, source.file);
      if (inside(input.dataDir, file)) {
        hits.push({
          message: `the KEK file ${source.file} is inside the data directory ${input.dataDir}`,
          path: [...path, "file"],
        });
      }
    }
    return hits;
  },
};

export const payloadsFull: PostureRule = {
  id: "payloads-full",
  title: "Payloads recorded in full",
  severity: "medium",
  why:
    "mode: full keeps prompts and answers as sent, with every secret and personal value in them: the " +
    "payload store becomes the most valuable thing to steal, and a subject-access or erasure request " +
    "has to reach into it.",
  fix: "Use payloads.mode: redacted (secrets and personal data masked before sealing); keep full for a team that needs it, for a short time.",
  refs: ["CWE-532", "GDPR Art. 5(1)(c)"],
  check(input) {
    const { payloads } = input.config;
    const hits: RuleHit[] = [];
    if (payloads.mode === "full") {
      hits.push({ message: "payloads.mode is full", path: ["payloads", "mode"] });
    }
    for (const [team, settings] of Object.entries(payloads.teams)) {
      if (settings.mode === "full" && payloads.mode !== "full") {
        hits.push({
          message: `team ${team} records payloads in full`,
          path: ["payloads", "teams", team, "mode"],
        });
      }
    }
    return hits;
  },
};

export const payloadsKeptForever: PostureRule = {
  id: "payloads-kept-forever",
  title: "Payloads kept without a retention limit",
  severity: "low",
  why: "Payloads with no retention are kept until someone shreds them by hand: the exposure grows every day.",
  fix: "Set payloads.retentionDays (default 30) and per-team retention instead of null.",
  refs: ["GDPR Art. 5(1)(e)"],
  check(input) {
    if (!payloadsOn(input)) return [];
    const { payloads } = input.config;
    const hits: RuleHit[] = [];
    if (payloads.retentionDays === null)
      hits.push({ message: "payloads.retentionDays is null", path: ["payloads", "retentionDays"] });
    for (const [team, settings] of Object.entries(payloads.teams)) {
      if (settings.retentionDays === null)
        hits.push({
          message: `team ${team} keeps payloads forever`,
          path: ["payloads", "teams", team, "retentionDays"],
        });
    }
    return hits;
  },
};

export const auditOff: PostureRule = {
  id: "audit-off",
  title: "Audit log off",
  severity: "high",
  why:
    "Without the tamper-evident log, an intruder with access to the store can delete or rewrite the " +
    "events that show what they did, and nobody can prove otherwise.",
  fix: "Remove audit.enabled: false (the audit log is on by default) and restart the gateway.",
  refs: ["CWE-778", "OWASP LLM Top 10 2025 (logging)"],
  check(input) {
    if (input.config.audit.enabled) return [];
    return [{ message: "audit.enabled is false", path: ["audit", "enabled"] }];
  },
};

export const auditNotExported: PostureRule = {
  id: "audit-not-exported",
  title: "Audit checkpoints not exported",
  severity: "medium",
  why:
    "Signed checkpoints prove the log was not rewritten only if a copy lives where the attacker cannot " +
    "reach. Kept only in audit.db (or in a file in the data directory), they are rewritten along with the log.",
  fix:
    "Set audit.export.file on other storage (another disk, a write-once mount), audit.export.syslog or " +
    "audit.export.webhook, and check with portcullis audit verify --checkpoint.",
  refs: ["RFC 9162 §8.1 (gossip)", "CWE-778"],
  check(input) {
    const { audit } = input.config;
    if (!audit.enabled) return [];
    const { file, syslog, webhook } = audit.export;
    if (syslog || webhook) return [];
    if (!file) {
      return [
        { message: "no audit.export target: checkpoints stay in audit.db only", path: ["audit", "export"] },
      ];
    }
    const path = resolve(input.baseDir, file.path);
    if (inside(input.dataDir, path)) {
      return [
        {
          message: `audit.export.file.path ${file.path} is inside the data directory ${input.dataDir}`,
          path: ["audit", "export", "file", "path"],
        },
      ];
    }
    return [];
  },
};

export const siemNotConfigured: PostureRule = {
  id: "siem-not-configured",
  title: "SIEM not configured",
  severity: "medium",
  why:
    "Without an exporter, blocked attacks and leaks are recorded only in the gateway's own store: " +
    "nobody is alerted, nothing is correlated with the rest of the estate, and an intruder on the host " +
    "can erase the only copy.",
  fix: "Add at least one siem.exporters entry (syslog over tls, splunk_hec, ocsf, or a signed webhook) that receives detection findings.",
  refs: ["CWE-778", "NIST SP 800-92"],
  check(input) {
    const exporters = input.config.siem.exporters;
    if (exporters.length === 0) {
      return [{ message: "siem.exporters is empty", path: ["siem", "exporters"] }];
    }
    const remote = exporters.filter((e) => e.type !== "file");
    const hearing = remote.filter(
      (e) =>
        (e.filter.classes.length === 0 ||
          e.filter.classes.includes("api_activity") ||
          e.filter.classes.includes("detection_finding")) &&
        e.filter.minSeverity !== "critical",
    );
    if (hearing.length === 0) {
      return [
        {
          message:
            remote.length === 0
              ? "only file exporters: events never leave this host"
              : "no exporter receives high-severity detections (every one filters them out)",
          path: ["siem", "exporters"],
        },
      ];
    }
    return [];
  },
};
