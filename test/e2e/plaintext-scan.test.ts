import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, createKey, post, startGateway } from "./helpers/gateway.js";

const run = promisify(execFile);

/**
 * Issue 5, acceptance "the plaintext scan": payloads holding known personal data and secrets go
 * through the real gateway with payload logging `full`, then every byte of every file in the data
 * directory — SQLite files with their -wal and -shm, the event queues, audit.db — and everything
 * the process logged is searched for each known value, as UTF-8, UTF-16 (both byte orders),
 * base64 (every alignment, standard and URL-safe) and hex: no hit allowed. Then one payload is
 * read back with the KEK and the values are there: they were stored, encrypted.
 *
 * A monitor-mode policy lets the values through unchanged (the default policy would redact
 * secrets and pseudonymise personal data before the model, and so before the echoed answer).
 */

const alnum = (n: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");

/** Fresh values per run, so a hit can only come from this run. */
function knownValues(tag: string) {
  return {
    email: `ada.${tag.toLowerCase()}@example.com`,
    phone: `+44 20 7946 ${String(1000 + (randomBytes(2).readUInt16BE() % 9000))}`,
    iban: "GB82WEST12345698765432",
    aws: `AKIA${alnum(16)}`,
    github: `ghp_${alnum(36, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`,
    password: `Tr0ub4dor&${tag}`,
  };
}

/** Every encoding of `value` the scan looks for. */
function needles(value: string): { encoding: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(value, "utf8");
  const out = [
    { encoding: "utf8", bytes: utf8 },
    { encoding: "utf16le", bytes: Buffer.from(value, "utf16le") },
    { encoding: "utf16be", bytes: Buffer.from(value, "utf16le").swap16() },
    { encoding: "hex", bytes: Buffer.from(utf8.toString("hex")) },
  ];
  // base64 of the value at each of the three byte alignments it can have inside a longer text:
  // keep only the characters that depend on the value's bytes alone.
  for (let shift = 0; shift < 3; shift++) {
    const text = Buffer.concat([Buffer.alloc(shift), utf8]).toString("base64");
    const first = Math.ceil((shift * 8) / 6);
    const last = Math.floor(((shift + utf8.length) * 8) / 6);
    const core = text.slice(first, last);
    out.push({ encoding: `base64+${shift}`, bytes: Buffer.from(core) });
    out.push({
      encoding: `base64url+${shift}`,
      bytes: Buffer.from(core.replace(/\+/g, "-").replace(/\//g, "_")),
    });
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function scan(dataDir: string, extra: Record<string, string>, values: Record<string, string>) {
  const blobs = [
    ...filesUnder(dataDir).map((file) => ({ where: file, bytes: readFileSync(file) })),
    ...Object.entries(extra).map(([where, text]) => ({ where, bytes: Buffer.from(text, "utf8") })),
  ];
  const hits: string[] = [];
  for (const [name, value] of Object.entries(values))
    for (const needle of needles(value))
      for (const blob of blobs)
        if (blob.bytes.includes(needle.bytes)) hits.push(`${name} as ${needle.encoding} in ${blob.where}`);
  return { hits, files: blobs.length, bytes: blobs.reduce((n, b) => n + b.bytes.length, 0) };
}

describe("plaintext scan of the data directory (payload logging full, KEK from env)", () => {
  it("finds no known value in any file or log, and reads one back with the KEK", async () => {
    const kek = randomBytes(32).toString("base64");
    const gateway = await startGateway({
      config: `
logging: { level: trace }
providers: { demo: { type: demo } }
models: [{ name: demo-chat, provider: demo }]
payloads:
  mode: full
  kek: { env: PCX_TEST_PAYLOAD_KEK }
  teams:
    masked: { mode: redacted }
audit: { checkpoint: { everyEvents: 2 } }
policies:
  - name: watch-only
    mode: monitor
    rules:
      - { category: secret, action: block }
      - { category: pii, action: pseudonymise }
`,
      env: { PCX_TEST_PAYLOAD_KEK: kek },
    });
    const tag = alnum(8);
    const values = knownValues(tag);
    const values2 = knownValues(alnum(8));
    const values3 = knownValues(alnum(8));
    const all = {
      ...values,
      ...Object.fromEntries(Object.entries(values2).map(([k, v]) => [`${k}2`, v])),
      ...Object.fromEntries(Object.entries(values3).map(([k, v]) => [`${k}3`, v])),
    };
    const prompt = (v: typeof values) =>
      `[[demo:echo]] Please file this: my email is ${v.email}, phone ${v.phone}, IBAN ${v.iban}. ` +
      `AWS key ${v.aws}, GitHub token ${v.github}, password ${v.password}.`;
    let eventsApi = "";
    let ref = "";
    let maskedRef = "";
    try {
      const { key } = await createKey(gateway, { name: "scan", team: "investigations" });
      const chat = await post(`${gateway.url}/v1/chat/completions`, key, {
        model: "demo-chat",
        messages: [
          { role: "system", content: "You are a filing assistant." },
          { role: "user", content: prompt(values) },
        ],
      });
      expect(chat.status).toBe(200);
      // The monitor policy let everything through: the answer echoes the values.
      expect(chat.text).toContain(values.aws);
      expect(chat.text).toContain(values.email);
      const stream = await post(`${gateway.url}/v1/chat/completions`, key, {
        model: "demo-chat",
        stream: true,
        messages: [{ role: "user", content: prompt(values2) }],
      });
      expect(stream.status).toBe(200);
      const messages = await post(`${gateway.url}/v1/messages`, key, {
        model: "demo-chat",
        max_tokens: 200,
        messages: [{ role: "user", content: [{ type: "text", text: prompt(values) }] }],
      });
      expect(messages.status).toBe(200);
      expect(messages.text).toContain(values.github);
      // A team whose payloads are recorded redacted.
      const { key: maskedKey } = await createKey(gateway, { name: "masked", team: "masked" });
      const masked = await post(`${gateway.url}/v1/chat/completions`, maskedKey, {
        model: "demo-chat",
        messages: [{ role: "user", content: prompt(values3) }],
      });
      expect(masked.status).toBe(200);

      // Events reach the store asynchronously (the bus batches them): wait until all four are there.
      type Listed = { activity: string; payload_ref?: string | null }[];
      let withPayload: Listed = [];
      for (let attempt = 0; attempt < 50 && withPayload.length < 4; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 100));
        const response = await fetch(`${gateway.url}/admin/v1/events?limit=50`, {
          headers: { authorization: `Bearer ${gateway.adminKey}` },
        });
        eventsApi = await response.text();
        withPayload = (JSON.parse(eventsApi) as { data: Listed }).data.filter((e) => e.payload_ref);
      }
      expect(withPayload.map((e) => e.activity).sort()).toEqual([
        "chat.completions",
        "chat.completions",
        "chat.completions",
        "messages",
      ]);
      ref = withPayload.find((e) => e.activity === "messages")!.payload_ref!;
      maskedRef = (withPayload as { actor?: { team?: string }; payload_ref?: string | null }[]).find(
        (e) => e.actor?.team === "masked",
      )!.payload_ref!;
      expect(ref).toMatch(/^pl1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

      // While it runs, the SQLite write-ahead logs (-wal, -shm) exist too: scan them as they are.
      await new Promise((r) => setTimeout(r, 300));
      const live = scan(gateway.dataDir, {}, all);
      const liveNames = filesUnder(gateway.dataDir).map((f) => f.slice(gateway.dataDir.length + 1));
      expect(liveNames).toEqual(expect.arrayContaining(["portcullis.db-wal", "portcullis.db-shm"]));
      expect(live.hits).toEqual([]);
      // The scan does find the values where they are (the answers the client got), in any encoding.
      const control = scan(
        gateway.dataDir,
        {
          answer: chat.text,
          utf16: Buffer.from(values.iban, "utf16le").toString("latin1"),
          base64: Buffer.from(`xy${values.password}`).toString("base64"),
        },
        all,
      );
      expect(control.hits.some((h) => h.startsWith("aws as utf8 in answer"))).toBe(true);
      expect(control.hits.some((h) => h.startsWith("iban as utf16le in utf16"))).toBe(true);
      expect(control.hits.some((h) => h.startsWith("password as base64+2 in base64"))).toBe(true);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }

    const logs = gateway.logs();
    expect(logs).toContain("payload logging on (encrypted)");
    const result = scan(gateway.dataDir, { "gateway logs": logs, "events API": eventsApi }, all);
    const names = filesUnder(gateway.dataDir).map((f) => f.slice(gateway.dataDir.length + 1));
    expect(names).toEqual(expect.arrayContaining(["portcullis.db", "audit.db"]));
    expect(names.some((n) => n.startsWith("queues/"))).toBe(true);
    expect(result.hits).toEqual([]);
    expect(result.bytes).toBeGreaterThan(10_000);

    // Read back with the KEK: the values are in the payload, so they were recorded — encrypted.
    const env = { ...process.env, PCX_TEST_PAYLOAD_KEK: kek };
    const cli = (...args: string[]) =>
      run(process.execPath, [CLI, ...args, "--data-dir", gateway.dataDir], { env }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const shown = await cli(
      "crypto",
      "show",
      ref,
      "--reason",
      "plaintext scan test",
      "--kek-env",
      "PCX_TEST_PAYLOAD_KEK",
      "--format",
      "json",
    );
    expect(shown.code).toBe(0);
    const payload = (
      JSON.parse(shown.stdout) as {
        payload: { mode: string; request: { text: string }[]; response: { text: string }[] };
      }
    ).payload;
    expect(payload.mode).toBe("full");
    for (const value of Object.values(values)) {
      expect(payload.request[0]!.text).toContain(value);
      expect(payload.response[0]!.text).toContain(value);
    }
    // The redacted team's payload holds placeholders where the detectors found values.
    const maskedShown = await cli(
      "crypto",
      "show",
      maskedRef,
      "--reason",
      "plaintext scan test",
      "--kek-env",
      "PCX_TEST_PAYLOAD_KEK",
      "--format",
      "json",
    );
    expect(maskedShown.code).toBe(0);
    const maskedPayload = (JSON.parse(maskedShown.stdout) as { payload: typeof payload }).payload;
    expect(maskedPayload.mode).toBe("redacted");
    for (const value of [values3.email, values3.aws, values3.github]) {
      expect(maskedPayload.request[0]!.text).not.toContain(value);
      expect(maskedPayload.response[0]!.text).not.toContain(value);
    }
    expect(maskedPayload.request[0]!.text).toMatch(/\[EMAIL_1\]/);
    // Without the KEK, or with another one, nothing.
    const wrong = await run(
      process.execPath,
      [
        CLI,
        "crypto",
        "show",
        ref,
        "--reason",
        "wrong key",
        "--kek-env",
        "OTHER",
        "--data-dir",
        gateway.dataDir,
      ],
      {
        env: { ...env, OTHER: randomBytes(32).toString("base64") },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((wrong as { code: number }).code).toBe(1);

    // Crypto-shred the team: the payload is gone, the audit log still verifies, and still no plaintext anywhere.
    const shred = await cli("crypto", "shred", "--team", "investigations", "--format", "json");
    expect(shred.code).toBe(0);
    expect(JSON.parse(shred.stdout)).toMatchObject({ payloads: 3, teamKeys: 1, compacted: true });
    const after = await cli(
      "crypto",
      "show",
      ref,
      "--reason",
      "after shredding",
      "--kek-env",
      "PCX_TEST_PAYLOAD_KEK",
    );
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("crypto-shredded");
    const verify = await cli("audit", "verify");
    expect(verify.stdout).toContain("OK: intact");
    expect(verify.code).toBe(0);
    expect(scan(gateway.dataDir, {}, all).hits).toEqual([]);
  }, 90_000);
});
