import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/**
 * Where the Redis tests run. On CI (CI=true) or with REDIS_URL set, Redis must be there: an
 * unreachable server fails the run. Locally without REDIS_URL, the default server is tried and,
 * when it does not answer, the Redis tests are skipped with a message saying so.
 */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export interface RedisTarget {
  url: string;
  /** Why the Redis tests are skipped, or undefined when they run. */
  skip: string | undefined;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function redisTarget(): Promise<RedisTarget> {
  const required = Boolean(process.env.REDIS_URL) || process.env.CI === "true";
  const url = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  if (await reachable(url)) return { url, skip: undefined };
  if (required)
    throw new Error(
      `Redis at ${url.replace(/\/\/[^@]*@/, "//***@")} is unreachable (required on CI or with REDIS_URL set)`,
    );
  const skip = `Redis tests skipped: nothing answers at ${url} and REDIS_URL is unset`;
  console.warn(skip);
  return { url, skip };
}

/** A key prefix no other test run shares. */
export function uniquePrefix(): string {
  return `pcx:test:${randomUUID()}:`;
}
