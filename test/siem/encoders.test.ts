import { describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/events/index.js";
import { escapeExtensionValue, escapeHeader, eventToCef } from "../../src/siem/encode/cef.js";
import { eventToCefSyslog } from "../../src/siem/encode/cef-syslog.js";
import { eventToOcsf } from "../../src/siem/encode/ocsf.js";
import { escapeParamValue, formatSyslog, headerField, priority } from "../../src/siem/encode/syslog.js";
import { eventToSyslog } from "../../src/siem/encode/syslog-event.js";
import { clean, truncateCodePoints, truncateUtf8 } from "../../src/siem/encode/text.js";
import { chunkRecords } from "../../src/siem/transport/chunks.js";
import { octetCountedFrame, parseOctetCountedFrames } from "../../src/siem/transport/framing.js";
import { parseCef, parseSyslog, sdParam } from "./helpers/parse.js";
import { samples } from "./helpers/samples.js";

const syslogOptions = {
  facility: "local0" as const,
  hostname: "gw.example.net",
  appName: "portcullis",
  procId: "4242",
  sdId: "portcullis@32473",
  maxBytes: 8192,
};

describe("text hygiene", () => {
  it.each([
    ["CR/LF and tab become spaces", "a\r\nb\tc", "a  b c"],
    ["other controls become U+FFFD", "a\u0000b\u001bc\u007fd\u0085e", "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe"],
    ["a lone surrogate becomes U+FFFD", "x\ud800y\udc00z", "x\uFFFDy\uFFFDz"],
    ["a surrogate pair is kept", "🙂", "🙂"],
  ])("%s", (_, input, output) => {
    expect(clean(input, 100)).toBe(output);
  });

  it("truncates by code points, never inside a surrogate pair, and marks the cut", () => {
    expect(truncateCodePoints("🙂🙂🙂🙂", 3)).toBe("🙂🙂…");
    expect(truncateCodePoints("abc", 3)).toBe("abc");
  });

  it("cuts UTF-8 on a character boundary", () => {
    const { text, truncated } = truncateUtf8("aé🙂", 4);
    expect(truncated).toBe(true);
    expect(text).toBe("aé");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4);
  });
});

describe("RFC 5424", () => {
  it("PRI is facility × 8 + severity (§6.2.1)", () => {
    expect(priority("local0", "info")).toBe(134);
    expect(priority("kern", "critical")).toBe(2);
    expect(priority("authpriv", "high")).toBe(83);
    expect(priority("local7", "low")).toBe(189);
  });

  it('escapes exactly ", \\ and ] in PARAM-VALUE (§6.3.3)', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
  });

  it("header fields are PRINTUSASCII and bounded, NILVALUE when empty", () => {
    expect(headerField("host name\n", 255)).toBe("host_name_");
    expect(headerField("", 48)).toBe("-");
    expect(headerField("x".repeat(40), 32)).toHaveLength(32);
  });

  it("BOM only before a non-ASCII MSG (§6.4)", () => {
    const base = {
      facility: "user" as const,
      severity: "info" as const,
      time: 0,
      hostname: "h",
      appName: "a",
      procId: "1",
      msgId: "m",
      structuredData: [],
    };
    expect(formatSyslog({ ...base, msg: "plain" })).toBe("<14>1 1970-01-01T00:00:00.000Z h a 1 m - plain");
    expect(formatSyslog({ ...base, msg: "grüße" })).toContain("- \uFEFFgrüße");
    expect(formatSyslog({ ...base, msg: "grüße", bom: false })).toContain("- grüße");
  });

  it("hostile values read back as written (after control-character hygiene)", () => {
    const event = samples.hostile;
    const parsed = parseSyslog(eventToSyslog(event, syslogOptions).text);
    const sd = "portcullis@32473";
    expect(parsed.pri).toBe(132);
    expect(parsed.version).toBe(1);
    expect(parsed.msgId).toBe("chat.completions");
    expect(sdParam(parsed, sd, "request_id")).toBe(event.request_id);
    expect(sdParam(parsed, sd, "key_id")).toBe(event.actor.key_id);
    expect(sdParam(parsed, sd, "key_name")).toBe(clean(event.actor.key_name!, 512));
    expect(sdParam(parsed, sd, "team")).toBe(event.actor.team);
    expect(sdParam(parsed, sd, "provider")).toBe(event.provider);
    expect(sdParam(parsed, sd, "model")!.length).toBeLessThanOrEqual(512);
    expect(sdParam(parsed, sd, "model")!.endsWith("…")).toBe(true);
    expect(parsed.sd[1]!.id).toBe("findings@32473");
  });

  it("many findings: a bounded number of repeated finding params and a count of the rest", () => {
    const parsed = parseSyslog(eventToSyslog(samples.manyFindings, syslogOptions).text);
    const findings = parsed.sd.find((e) => e.id === "findings@32473")!;
    expect(findings.params.filter(([n]) => n === "finding")).toHaveLength(20);
    expect(findings.params.find(([n]) => n === "omitted")?.[1]).toBe("10");
  });

  it("shrinks to the limit: drops MSG, then shortens fields, then cuts", () => {
    for (const maxBytes of [480, 700, 1024, 2048]) {
      const { text } = eventToSyslog(samples.hostile, { ...syslogOptions, maxBytes });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
      expect(text).not.toContain("\uFFFD\uFFFD\uFFFD"); // no broken UTF-8 at the cut
    }
    expect(() =>
      parseSyslog(eventToSyslog(samples.hostile, { ...syslogOptions, maxBytes: 1024 }).text),
    ).not.toThrow();
  });

  it("the severity is the worst of the event and its findings", () => {
    expect(parseSyslog(eventToSyslog(samples.blocked, syslogOptions).text).pri).toBe(16 * 8 + 2);
  });
});

describe("CEF", () => {
  it("escapes | and \\ in the header, and allows no line breaks there", () => {
    expect(escapeHeader("a|b\\c\r\nd", 100)).toBe("a\\|b\\\\c  d");
  });

  it("escapes =, \\, CR and LF in extension values, and not the pipe", () => {
    expect(escapeExtensionValue("a=b\\c\r\nd|e", 100)).toBe("a\\=b\\\\c\\r\\nd|e");
  });

  it("hostile values read back exactly (line breaks survive as \\n)", () => {
    const event = samples.hostile;
    const parsed = parseCef(eventToCef(event, { productVersion: "1|2\\3", maxBytes: 8192 }).text);
    expect(parsed.version).toBe("CEF:0");
    expect(parsed.deviceVersion).toBe("1|2\\3");
    expect(parsed.signatureId).toBe("chat.completions.redact");
    expect(parsed.severity).toBe("5");
    expect(parsed.extension.cs1).toBe(event.request_id);
    expect(parsed.extension.suid).toBe(event.actor.key_id);
    expect(parsed.extension.cs3).toBe(event.provider);
    expect(parsed.extension.cs6).toBe(event.actor.team);
    expect(parsed.extension.request).toBe(event.http!.path);
    // CR/LF are kept (escaped); NUL, ESC and the lone surrogate are replaced.
    expect(parsed.extension.suser).toBe(
      event.actor
        .key_name!.replace("\u0000", "\uFFFD")
        .replace("\u001b", "\uFFFD")
        .replace("\ud800", "\uFFFD"),
    );
    expect(parsed.extension.reason).toContain("pii: email\nsecond line");
    expect(parsed.extension.cs2!.length).toBeLessThanOrEqual(1023);
    expect(parsed.extension.externalId).toBe(event.id);
    expect(parsed.extension.rt).toBe(String(event.time));
  });

  it("IPv4 goes to src, IPv6 to c6a2 with its label, anything else nowhere", () => {
    const v4 = parseCef(eventToCef(samples.allowed, { productVersion: "1", maxBytes: 8192 }).text);
    const v6 = parseCef(eventToCef(samples.blocked, { productVersion: "1", maxBytes: 8192 }).text);
    const bad = parseCef(eventToCef(samples.anonymous, { productVersion: "1", maxBytes: 8192 }).text);
    expect(v4.extension.src).toBe("192.0.2.10");
    expect(v6.extension.c6a2).toBe("2001:db8::7");
    expect(v6.extension.c6a2Label).toBe("Source IPv6 Address");
    expect(bad.extension.src).toBeUndefined();
    expect(bad.extension.c6a2).toBeUndefined();
  });

  it("severity 0–10 from our five levels", () => {
    const at = (severity: SecurityEvent["severity"]) =>
      parseCef(eventToCef({ ...samples.allowed, severity }, { productVersion: "1", maxBytes: 8192 }).text)
        .severity;
    expect(
      ["info", "low", "medium", "high", "critical"].map((s) => at(s as SecurityEvent["severity"])),
    ).toEqual(["1", "3", "5", "8", "10"]);
  });

  it("a cut message never ends in half an escape sequence", () => {
    for (let maxBytes = 400; maxBytes < 700; maxBytes += 7) {
      const { text } = eventToCef(samples.hostile, { productVersion: "1", maxBytes });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
      expect((/\\+$/.exec(text)?.[0].length ?? 0) % 2).toBe(0);
    }
  });

  it("over syslog: RFC 5424 header, no structured data, the CEF line as MSG without BOM", () => {
    const line = eventToCefSyslog(samples.hostile, { ...syslogOptions, productVersion: "1" }).text;
    const parsed = parseSyslog(line);
    expect(parsed.sd).toEqual([]);
    expect(line).toContain(" - CEF:0|Portcullis|Portcullis|1|");
    expect(parsed.msg.startsWith("CEF:0|")).toBe(true);
  });
});

describe("OCSF", () => {
  const records = Object.values(samples).flatMap((event) => eventToOcsf(event, { productVersion: "1" }));

  it("type_uid = class_uid × 100 + activity_id, with the category of the class", () => {
    for (const record of records) {
      expect(record.type_uid).toBe((record.class_uid as number) * 100 + (record.activity_id as number));
      expect(record.category_uid).toBe(record.class_uid === 6003 ? 6 : 2);
    }
  });

  it("API Activity carries its required attributes; Detection Finding its finding_info", () => {
    for (const record of records.filter((r) => r.class_uid === 6003)) {
      for (const key of ["actor", "api", "cloud", "src_endpoint", "metadata", "severity_id", "time"]) {
        expect(record, key).toHaveProperty(key);
      }
      expect(record).toHaveProperty("api.operation");
    }
    const findings = records.filter((r) => r.class_uid === 2004);
    expect(findings.length).toBe(2 + 1 + 30);
    for (const record of findings) {
      expect(record).toHaveProperty("finding_info.uid");
      expect(record).toHaveProperty("finding_info.title");
      expect(record.severity_id).toBeGreaterThanOrEqual(1);
    }
  });

  it("one API Activity per request and one Detection Finding per finding, linked", () => {
    const [activity, ...findings] = eventToOcsf(samples.blocked, { productVersion: "1" });
    expect(activity!.class_uid).toBe(6003);
    expect(findings.map((f) => f.class_uid)).toEqual([2004, 2004]);
    for (const finding of findings) {
      expect((finding.metadata as { correlation_uid: string }).correlation_uid).toBe("req_0002");
      expect(finding).toHaveProperty("finding_info.related_events.0.uid", samples.blocked.id);
    }
    expect(findings[0]).toHaveProperty("finding_info.attacks.0.technique.uid", "AML.T0051");
  });

  it("admin actions map to CRUD activities", () => {
    const activity = (name: string) =>
      eventToOcsf({ ...samples.adminAction, activity: name }, { productVersion: "1" })[0]!.activity_id;
    expect(
      ["key.created", "key.suspended", "key.deleted", "key.listed", "policy.reloaded"].map(activity),
    ).toEqual([1, 3, 4, 2, 99]);
  });

  it("never exports finding evidence", () => {
    expect(JSON.stringify(eventToOcsf(samples.blocked, { productVersion: "1" }))).not.toContain("AKIA");
  });

  it("disposition: blocked, corrected (redact), detected (monitor mode), allowed", () => {
    const disposition = (event: SecurityEvent) => eventToOcsf(event, { productVersion: "1" })[0]!.disposition;
    expect(disposition(samples.blocked)).toBe("Blocked");
    expect(disposition(samples.hostile)).toBe("Corrected");
    expect(disposition(samples.manyFindings)).toBe("Detected");
    expect(disposition(samples.allowed)).toBe("Allowed");
  });
});

describe("aggregated events (penalty-box summaries)", () => {
  const summary: SecurityEvent = {
    ...samples.blocked,
    http: { method: "POST", path: "/v1/chat/completions", status: 429 },
    error_code: "PCX_RATE_LIMITED",
    findings: [],
    count: 37,
    details: { summarised: true, first_at: new Date(samples.blocked.time - 900).toISOString() },
  };

  it("carry their count in every format: OCSF count and period, CEF cnt, syslog count, the summary line", () => {
    const [ocsf] = eventToOcsf(summary, { productVersion: "1" });
    expect(ocsf).toMatchObject({ count: 37, start_time: summary.time - 900, end_time: summary.time });
    const cef = parseCef(eventToCef(summary, { productVersion: "1", maxBytes: 8192 }).text);
    expect(cef.extension.cnt).toBe("37");
    expect(cef.extension.msg).toMatch(/ ×37 /);
    const syslog = parseSyslog(eventToSyslog(summary, syslogOptions).text);
    expect(sdParam(syslog, "portcullis@32473", "count")).toBe("37");
  });

  it("a single event says nothing of a count", () => {
    const [ocsf] = eventToOcsf(samples.blocked, { productVersion: "1" });
    expect(ocsf).not.toHaveProperty("count");
    expect(ocsf).not.toHaveProperty("start_time");
    expect(
      parseCef(eventToCef(samples.blocked, { productVersion: "1", maxBytes: 8192 }).text).extension.cnt,
    ).toBeUndefined();
  });
});

describe("RFC 6587 octet counting", () => {
  it("counts octets, not characters, and frames any content", () => {
    const message = "<14>1 - - - - - - grüße\nzweite Zeile";
    const frame = octetCountedFrame(message);
    expect(frame.toString("utf8")).toBe(`${Buffer.byteLength(message)} ${message}`);
    const { messages, rest } = parseOctetCountedFrames(Buffer.concat([frame, frame, frame.subarray(0, 5)]));
    expect(messages).toEqual([message, message]);
    expect(rest).toHaveLength(5);
  });
});

describe("HTTP body chunks", () => {
  it("keeps each chunk under the limit, in order, and gives an oversized record its own chunk", () => {
    const records = ["a".repeat(10), "b".repeat(10), "c".repeat(30), "d".repeat(5)];
    const chunks = chunkRecords(records, 25);
    expect(chunks).toEqual([["a".repeat(10), "b".repeat(10)], ["c".repeat(30)], ["d".repeat(5)]]);
  });
});
