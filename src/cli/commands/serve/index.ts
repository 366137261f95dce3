import { BootstrapError, ConfigError, startServer } from "../../../app/index.js";
import { CliError, EXIT_OK } from "../../errors.js";

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`--port must be 0–65535, got "${text}"`);
  return port;
}

/** Runs the gateway until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serve(opts: ServeOptions): Promise<number> {
  let server;
  try {
    server = await startServer({
      ...(opts.config ? { configFile: opts.config } : {}),
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: parsePort(opts.port)! } : {}),
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof BootstrapError) throw new CliError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new CliError(`cannot listen: ${(error as Error).message}`);
    }
    throw error;
  }
  process.stderr.write(`portcullis listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.logger.info({ signal }, "shutting down");
      const grace = server.loaded.config.server.shutdownGraceMs;
      const force = setTimeout(() => {
        server.logger.error("shutdown grace period over; exiting");
        process.exit(1);
      }, grace + 5000);
      force.unref();
      server.close().then(resolve, (error: unknown) => {
        server.logger.error({ err: error }, "error during shutdown");
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return EXIT_OK;
}
