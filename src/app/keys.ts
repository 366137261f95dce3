import type { Logger } from "pino";
import { KeyService, isWellFormedKey } from "../gateway/index.js";

export class BootstrapError extends Error {}

/**
 * Makes sure an admin can reach the gateway. PORTCULLIS_ADMIN_KEY (scripts, tests, containers)
 * registers that exact key as an admin key; without it, the first start creates a random admin
 * key and prints it once on stderr — it is stored only as a hash and cannot be shown again.
 */
export async function bootstrapAdminKey(
  service: KeyService,
  logger: Logger,
  envKey: string | undefined,
  print: (text: string) => void = (text) => process.stderr.write(text),
): Promise<void> {
  if (envKey !== undefined && envKey !== "") {
    if (!isWellFormedKey(envKey)) {
      throw new BootstrapError(
        'PORTCULLIS_ADMIN_KEY must look like "pcx_" followed by at least 32 letters and digits',
      );
    }
    const existing = await service.findBySecret(envKey);
    if (!existing) {
      const { record } = await service.create({
        name: "bootstrap-admin",
        team: "admin",
        role: "admin",
        models: ["*"],
        expiresAt: null,
        secret: envKey,
      });
      logger.info({ keyId: record.id }, "registered the admin key from PORTCULLIS_ADMIN_KEY");
    } else if (existing.status !== "active" || existing.role !== "admin") {
      logger.warn(
        { keyId: existing.id, status: existing.status, role: existing.role },
        "PORTCULLIS_ADMIN_KEY is registered but is not an active admin key; leaving it as it is",
      );
    }
    return;
  }
  const keys = await service.list();
  if (keys.some((k) => k.role === "admin" && k.status === "active")) return;
  const { key, record } = await service.create({
    name: "first-admin",
    team: "admin",
    role: "admin",
    models: ["*"],
    expiresAt: null,
  });
  logger.info({ keyId: record.id }, "created the first admin key (printed once on stderr)");
  print(
    `\n  Portcullis created an admin key. It is shown only this once — store it now:\n\n    ${key}\n\n` +
      `  Use it as the API key of any OpenAI or Anthropic client pointed at this gateway,\n` +
      `  and to create more keys: portcullis keys create --name NAME --server URL --admin-key KEY\n\n`,
  );
}
