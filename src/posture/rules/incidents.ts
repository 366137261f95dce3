import type { PostureRule, RuleHit } from "../types.js";

export const incidentsNotNotified: PostureRule = {
  id: "incidents-not-notified",
  title: "Incident response off or telling nobody",
  severity: "medium",
  why:
    "Incidents group attacks and playbooks answer them (suspend, throttle), but a person hears of it " +
    "only through a notify action's webhook. With incident response off, or on without any " +
    "incidents.webhooks, a model-extraction run or an injection campaign is handled, or not, in " +
    "silence, and nobody looks until the bill or the leak arrives.",
  fix:
    "Keep incidents.enabled: true and add an incidents.webhooks entry (a signed json webhook to the " +
    "on-call tool, or format: slack with the URL as a secret reference); check it end to end with " +
    "portcullis drill.",
  refs: ["CWE-778", "NIST SP 800-61r2 §3.2.7"],
  check(input) {
    const { incidents } = input.config;
    const hits: RuleHit[] = [];
    if (!incidents.enabled) {
      hits.push({
        message: "incidents.enabled is false: no incident is opened, no playbook answers",
        path: ["incidents", "enabled"],
      });
    } else if (Object.keys(incidents.webhooks).length === 0) {
      hits.push({
        message: "incidents.webhooks is empty: notify actions reach nobody",
        path: ["incidents", "webhooks"],
      });
    }
    return hits;
  },
};
