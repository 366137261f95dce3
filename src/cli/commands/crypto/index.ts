import { userInfo } from "node:os";
import { ConfigError } from "../../../app/index.js";
import { openPayloadAdmin, PayloadAdminError, type OpenPayloadAdminOptions } from "../../../app/payloads.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from "../../errors.js";

/** Where the store and the KEKs come from: the configuration, overridden by flags. */
export interface CryptoTarget {
  config?: string;
  dataDir?: string;
  /** Environment variable / file holding the KEK (instead of payloads.kek). */
  kekEnv?: string;
  kekFile?: string;
  /** Environment variable / file holding an earlier KEK (added to payloads.previousKeks). */
  oldKekEnv?: string;
  oldKekFile?: string;
  format: "text" | "json";
}

export interface CryptoRotateOptions extends CryptoTarget {
  rewrap?: boolean;
  batch?: string;
}

export interface CryptoShredOptions extends CryptoTarget {
  team?: string;
  before?: string;
  ref?: string;
}

export interface CryptoShowOptions extends CryptoTarget {
  ref: string;
  reason: string;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

function adminOptions(opts: CryptoTarget): OpenPayloadAdminOptions {
  if (opts.kekEnv && opts.kekFile) throw new CliError("give --kek-env or --kek-file, not both");
  const previous = [
    ...(opts.oldKekEnv ? [{ env: opts.oldKekEnv }] : []),
    ...(opts.oldKekFile ? [{ file: opts.oldKekFile }] : []),
  ];
  return {
    actor: `cli:${osUser()}`,
    ...(opts.config ? { configFile: opts.config } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.kekEnv ? { kek: { env: opts.kekEnv } } : opts.kekFile ? { kek: { file: opts.kekFile } } : {}),
    previousKeks: previous,
  };
}

async function withAdmin<T>(
  opts: CryptoTarget,
  work: (admin: Awaited<ReturnType<typeof openPayloadAdmin>>["admin"]) => Promise<T>,
): Promise<T> {
  let opened;
  try {
    opened = await openPayloadAdmin(adminOptions(opts));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PayloadAdminError) throw new CliError(error.message);
    throw error;
  }
  try {
    return await work(opened.admin);
  } catch (error) {
    if (error instanceof PayloadAdminError)
      throw new CliError(error.message, error.kind === "usage" ? EXIT_USAGE : EXIT_FINDINGS);
    throw error;
  } finally {
    await opened.close();
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);

/** `portcullis crypto status`: the key ring's versions and what is stored under each. */
export async function cryptoStatus(opts: CryptoTarget): Promise<number> {
  const status = await withAdmin(opts, (admin) => admin.status());
  if (opts.format === "json") print(JSON.stringify(status, null, 2));
  else {
    print(`key ring: ${status.versions.length} version(s), current ${status.current ?? "none"}`);
    for (const v of status.versions)
      print(
        `  v${v.version}  KEK ${v.fingerprint}  ${v.created}  ${v.unlocked ? "unlocked" : "locked (KEK not supplied)"}  team keys: ${status.teamKeysByVersion[String(v.version)] ?? 0}`,
      );
    print(`payloads: ${status.payloads} (${status.shredded} shredded), team keys: ${status.teamKeys}`);
  }
  return EXIT_OK;
}

/**
 * `portcullis crypto rotate [--rewrap]`: a new key ring version from the KEK given (the same KEK as
 * before, or a new one); with --rewrap, every team key is re-wrapped under it, online.
 */
export async function cryptoRotate(opts: CryptoRotateOptions): Promise<number> {
  const batch = opts.batch === undefined ? undefined : Number(opts.batch);
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 10_000))
    throw new CliError("--batch must be 1-10000");
  const report = await withAdmin(opts, (admin) =>
    admin.rotate({ rewrap: opts.rewrap === true, ...(batch ? { batch } : {}) }),
  );
  if (opts.format === "json") print(JSON.stringify(report, null, 2));
  else {
    print(
      `key ring version ${report.version} is current (KEK ${report.fingerprint}${report.newKek ? ", a new KEK" : ", same KEK, new wrapping key"})`,
    );
    if (report.rewrap)
      print(
        `re-wrapped ${report.rewrap.rewrapped} team key(s) in ${report.rewrap.batches} batch(es)` +
          (report.rewrap.locked
            ? `; ${report.rewrap.locked} left under versions whose KEK was not supplied`
            : ""),
      );
    if (report.locked.length > 0)
      print(
        `note: versions ${report.locked.join(", ")} are locked with the KEKs given; keep their KEK to read old payloads`,
      );
  }
  return report.rewrap && report.rewrap.locked > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/** `portcullis crypto rewrap`: re-wraps every team key under the current version (after a rotate). */
export async function cryptoRewrap(opts: CryptoRotateOptions): Promise<number> {
  const report = await withAdmin(opts, (admin) => admin.rewrap(opts.batch ? Number(opts.batch) : undefined));
  if (opts.format === "json") print(JSON.stringify(report, null, 2));
  else
    print(
      `re-wrapped ${report.rewrapped} team key(s) under version ${report.version}` +
        (report.locked ? `; ${report.locked} left under versions whose KEK was not supplied` : ""),
    );
  return report.locked > 0 ? EXIT_FINDINGS : EXIT_OK;
}

function parseBefore(text: string): number {
  const days = /^(\d{1,5})d$/.exec(text);
  if (days) return Date.now() - Number(days[1]) * 86_400_000;
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new CliError(`--before: expected an ISO-8601 date or a number of days such as 90d, got "${text}"`);
  return time;
}

/** `portcullis crypto shred --team T | --before DATE | --ref REF`: makes payloads unreadable for good. */
export async function cryptoShred(opts: CryptoShredOptions): Promise<number> {
  if (!opts.team && !opts.before && !opts.ref)
    throw new CliError("say what to shred: --team, --before or --ref");
  if (opts.ref && (opts.team || opts.before)) throw new CliError("--ref shreds one payload: give it alone");
  const filter = {
    ...(opts.ref ? { ref: opts.ref } : {}),
    ...(opts.team ? { team: opts.team } : {}),
    ...(opts.before ? { before: parseBefore(opts.before) } : {}),
  };
  const result = await withAdmin(opts, (admin) => admin.shred(filter));
  if (opts.format === "json") print(JSON.stringify(result, null, 2));
  else {
    print(`shredded ${result.payloads} payload(s) and ${result.teamKeys} team key(s)`);
    if (result.compacted === false)
      print(
        "note: another process was reading the database; the WAL still holds old pages until its next checkpoint",
      );
  }
  return EXIT_OK;
}

/**
 * `portcullis crypto show REF --reason TEXT`: decrypts one payload for an investigation (needs the
 * KEK). The read is recorded as an admin event, with the reason, before anything is printed.
 */
export async function cryptoShow(opts: CryptoShowOptions): Promise<number> {
  if (!opts.reason || opts.reason.trim().length < 3)
    throw new CliError("--reason: say why you read this payload");
  const shown = await withAdmin(opts, (admin) =>
    admin.show(opts.ref, { actor: `cli:${osUser()}`, reason: opts.reason }),
  );
  if (opts.format === "json")
    print(JSON.stringify({ record: shown.record, payload: shown.document }, null, 2));
  else {
    const d = shown.document;
    print(
      `payload ${shown.record.id} (${d.mode}), team ${d.team}, key ${d.key_id ?? "-"}, model ${d.model ?? "-"}, ${new Date(d.time).toISOString()}`,
    );
    for (const r of d.request)
      print(`--- request ${r.where} (${r.direction})${r.truncated ? " [truncated]" : ""}\n${r.text}`);
    for (const r of d.response)
      print(`--- answer, channel ${r.channel}${r.truncated ? " [truncated]" : ""}\n${r.text}`);
  }
  return EXIT_OK;
}
