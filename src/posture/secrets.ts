import type { Config } from "../config/index.js";
import type { ConfigPath, SecretFacts } from "./types.js";

/** A secret the configuration points at, before anything is read. */
export type SecretSite = Pick<SecretFacts, "ref" | "path" | "purpose">;

const REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

/**
 * Every secret the configuration references, with what it is for. Provider headers may hold
 * references or plain values; only references are secrets here (a plain value is not a secret by
 * the schema's own rule for credential headers).
 */
export function secretSites(config: Config): SecretSite[] {
  const sites: SecretSite[] = [];
  const add = (ref: string | undefined, path: ConfigPath, purpose: SecretSite["purpose"]) => {
    if (ref !== undefined && REF.test(ref)) sites.push({ ref, path, purpose });
  };
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.type === "demo") continue;
    add(provider.apiKey, ["providers", name, "apiKey"], "credential");
    for (const [header, value] of Object.entries(provider.headers))
      add(value, ["providers", name, "headers", header], "credential");
  }
  config.siem.exporters.forEach((exporter, i) => {
    const path = ["siem", "exporters", i];
    switch (exporter.type) {
      case "webhook":
        add(exporter.secret, [...path, "secret"], "signing");
        break;
      case "splunk_hec":
        add(exporter.token, [...path, "token"], "credential");
        break;
      case "ocsf":
        add(exporter.authorization, [...path, "authorization"], "credential");
        for (const [header, value] of Object.entries(exporter.headers))
          add(value, [...path, "headers", header], "credential");
        break;
      case "syslog":
      case "cef":
        if (exporter.tls?.key)
          add(`file:${exporter.tls.key.replace(/^file:/, "")}`, [...path, "tls", "key"], "private-key");
        break;
      default:
        break;
    }
  });
  add(config.audit.export.webhook?.hmacSecret, ["audit", "export", "webhook", "hmacSecret"], "signing");
  for (const [name, hook] of Object.entries(config.incidents.webhooks)) {
    add(hook.url, ["incidents", "webhooks", name, "url"], "credential");
    add(hook.secret, ["incidents", "webhooks", name, "secret"], "signing");
  }
  if (config.analytics.state.type === "redis")
    add(config.analytics.state.url, ["analytics", "state", "url"], "credential");
  if (config.store.type === "postgres") add(config.store.url, ["store", "url"], "credential");
  if (config.limits.store.type === "redis")
    add(config.limits.store.url, ["limits", "store", "url"], "credential");
  const keks = [
    ...(config.payloads.kek ? [{ source: config.payloads.kek, path: ["payloads", "kek"] }] : []),
    ...config.payloads.previousKeks.map((source, i) => ({ source, path: ["payloads", "previousKeks", i] })),
  ];
  for (const { source, path } of keks) {
    if ("env" in source) add(`env:${source.env}`, [...path, "env"], "kek");
    if ("file" in source) add(`file:${source.file}`, [...path, "file"], "kek");
  }
  if (config.tls) add(`file:${config.tls.key.replace(/^file:/, "")}`, ["tls", "key"], "private-key");
  return sites;
}

/**
 * Well-known placeholders and defaults: what people type when a template asks for a secret.
 * Compared case-insensitively against the whole value, and against the value after a `pcx_` prefix.
 */
const PLACEHOLDERS =
  /^(change[-_ ]?me.*|changeit|secret|s3cr3t|password|passw0rd|admin|root|test|testing|example.*|default|dummy|placeholder|todo|fixme|xxx+|your[-_ ].*|replace[-_ ]?me.*|insert[-_ ].*|none|null|0+|1234567.*|qwerty.*|letmein)$/i;

/** Measures a secret for the rules; the value is not kept. */
export function measureSecret(value: string): { length: number; distinct: number; placeholder: boolean } {
  const body = value.startsWith("pcx_") ? value.slice(4) : value;
  return {
    length: value.length,
    distinct: new Set(body).size,
    placeholder: PLACEHOLDERS.test(value.trim()) || PLACEHOLDERS.test(body.trim()),
  };
}
