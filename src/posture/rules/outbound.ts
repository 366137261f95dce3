import { isCleartextRemote, isLoopbackHost } from "../net.js";
import type { PostureRule, RuleHit } from "../types.js";

export const upstreamTlsOff: PostureRule = {
  id: "upstream-tls-off",
  title: "Upstream certificate verification off or plain http to a provider",
  severity: "high",
  why:
    "The provider connection carries every prompt and answer and the provider API key. Without " +
    "certificate verification, or over plain http beyond loopback, anyone on the path can read it, " +
    "steal the key and rewrite answers after the output guards have passed them.",
  fix:
    "Use https:// base URLs and keep providers.<name>.tls.rejectUnauthorized: true; for a private CA set " +
    "providers.<name>.tls.ca instead of turning verification off.",
  refs: ["CWE-295", "CWE-319", "OWASP LLM03:2025"],
  check(input) {
    const hits: RuleHit[] = [];
    for (const [name, provider] of Object.entries(input.config.providers)) {
      if (provider.type === "demo") continue;
      if (!provider.tls.rejectUnauthorized) {
        hits.push({
          message: `providers.${name} does not verify the provider's certificate`,
          path: ["providers", name, "tls", "rejectUnauthorized"],
        });
      }
      if (isCleartextRemote(provider.baseUrl)) {
        hits.push({
          message: `providers.${name}.baseUrl is plain http to a host other than loopback (${provider.baseUrl})`,
          path: ["providers", name, "baseUrl"],
        });
      }
    }
    return hits;
  },
};

export const exportTlsOff: PostureRule = {
  id: "export-tls-off",
  title: "Events or checkpoints leave in clear text or unverified",
  severity: "medium",
  why:
    "Security events name keys, teams, models and masked evidence; an exporter in clear text or " +
    "without certificate verification lets anyone on the path read them, or drop and forge the alerts " +
    "the SOC relies on.",
  fix:
    "Use https:// URLs and protocol: tls for syslog and cef exporters, keep tls.rejectUnauthorized: true " +
    "(set tls.ca for a private CA); for the PostgreSQL store keep ssl.rejectUnauthorized: true.",
  refs: ["CWE-319", "CWE-295", "RFC 5425"],
  check(input) {
    const { siem, store } = input.config;
    const hits: RuleHit[] = [];
    siem.exporters.forEach((exporter, i) => {
      const path = ["siem", "exporters", i];
      if (exporter.type === "syslog" || exporter.type === "cef") {
        if (exporter.protocol !== "tls" && !isLoopbackHost(exporter.host)) {
          hits.push({
            message: `exporter ${exporter.name} sends syslog over ${exporter.protocol} to ${exporter.host}`,
            path: [...path, "protocol"],
          });
        }
        if (exporter.tls && !exporter.tls.rejectUnauthorized) {
          hits.push({
            message: `exporter ${exporter.name} does not verify the receiver's certificate`,
            path: [...path, "tls", "rejectUnauthorized"],
          });
        }
      } else if (exporter.type !== "file") {
        if (isCleartextRemote(exporter.url)) {
          hits.push({ message: `exporter ${exporter.name} posts over plain http`, path: [...path, "url"] });
        }
        if (exporter.tls && !exporter.tls.rejectUnauthorized) {
          hits.push({
            message: `exporter ${exporter.name} does not verify the receiver's certificate`,
            path: [...path, "tls", "rejectUnauthorized"],
          });
        }
      }
    });
    if (store.type === "postgres" && typeof store.ssl === "object" && !store.ssl.rejectUnauthorized) {
      hits.push({
        message: "the PostgreSQL store does not verify the server's certificate",
        path: ["store", "ssl", "rejectUnauthorized"],
      });
    }
    return hits;
  },
};
