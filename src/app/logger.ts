import { pino, type Logger } from "pino";

/**
 * JSON logs on stdout. Request headers are never logged; the redaction list is a second line of
 * defence for anything that carries a credential under a predictable name.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "portcullis" },
      redact: {
        paths: [
          "req.headers.authorization",
          'req.headers["x-api-key"]',
          "headers.authorization",
          'headers["x-api-key"]',
          "*.apiKey",
          "*.api_key",
          "*.secret",
          "*.password",
          "key",
          "*.key",
        ],
        censor: "[REDACTED]",
      },
    },
    destination ?? process.stdout,
  );
}
