import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventToCefSyslog } from "../../src/siem/encode/cef-syslog.js";
import { eventToOcsf } from "../../src/siem/encode/ocsf.js";
import { eventToHec } from "../../src/siem/encode/splunk.js";
import { eventToSyslog } from "../../src/siem/encode/syslog-event.js";
import { samples } from "./helpers/samples.js";

/**
 * Golden files for every format (STYLE.md: "golden files for report formats under test/fixtures/").
 * Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run test/siem/golden.test.ts`,
 * then run prettier on the .json files and review the diff.
 */

const FIXTURES = new URL("../fixtures/siem/", import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function fixture(name: string): URL {
  return new URL(name, FIXTURES);
}

/** Text formats are compared byte for byte. */
function goldenText(name: string, actual: string): void {
  const file = fixture(name);
  if (UPDATE) writeFileSync(file, actual);
  expect(existsSync(file), `missing golden file ${name}; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

/** JSON is compared as data, so formatting the file with prettier does not break the test. */
function goldenJson(name: string, actual: unknown): void {
  const file = fixture(name);
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  expect(existsSync(file), `missing golden file ${name}; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(file, "utf8")));
}

const HOST = "gw.example.net";
const VERSION = "0.1.0";
const syslogOptions = {
  facility: "local0" as const,
  hostname: HOST,
  appName: "portcullis",
  procId: "4242",
  sdId: "portcullis@32473",
  maxBytes: 8192,
};
const cefOptions = { ...syslogOptions, productVersion: VERSION };

describe("golden encodings", () => {
  for (const [name, event] of Object.entries(samples)) {
    it(`${name}: RFC 5424 syslog`, () => {
      goldenText(`${name}.syslog`, `${eventToSyslog(event, syslogOptions).text}\n`);
    });
    it(`${name}: CEF over syslog`, () => {
      goldenText(`${name}.cef`, `${eventToCefSyslog(event, cefOptions).text}\n`);
    });
    it(`${name}: OCSF`, () => {
      goldenJson(`${name}.ocsf.json`, eventToOcsf(event, { productVersion: VERSION }));
    });
    it(`${name}: Splunk HEC envelopes`, () => {
      const lines = eventToHec(event, {
        format: "ocsf",
        host: HOST,
        source: "portcullis",
        index: "security",
        productVersion: VERSION,
      });
      goldenText(`${name}.hec.jsonl`, `${lines.join("\n")}\n`);
    });
  }

  it("hostile: shrunk to 1024 octets, the summary and long fields first", () => {
    const syslog = eventToSyslog(samples.hostile, { ...syslogOptions, maxBytes: 1024 });
    const cef = eventToCefSyslog(samples.hostile, { ...cefOptions, maxBytes: 1024 });
    expect(syslog.truncated && cef.truncated).toBe(true);
    expect(Buffer.byteLength(syslog.text)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(cef.text)).toBeLessThanOrEqual(1024);
    goldenText("hostile.1k.syslog", `${syslog.text}\n`);
    goldenText("hostile.1k.cef", `${cef.text}\n`);
  });

  it("raw event format drops evidence", () => {
    const lines = eventToHec(samples.blocked, {
      format: "event",
      host: HOST,
      source: "portcullis",
      productVersion: VERSION,
    });
    goldenText("blocked.event.hec.jsonl", `${lines.join("\n")}\n`);
    expect(lines.join("")).not.toContain("AKIA");
  });
});
