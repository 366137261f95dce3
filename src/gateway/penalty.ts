import { hash } from "node:crypto";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { EventBus } from "../events/index.js";
import { PenaltyBox } from "../limits/index.js";
import type { Identity } from "./auth/index.js";
import { presentedKey } from "./auth/index.js";
import { refusalSummaryEvent, type RefusalSummary } from "./emit.js";
import { errorBody, type GatewayError } from "./errors.js";
import { pathOf } from "./overload.js";
import type { ApiKind } from "./providers/index.js";
import { MODEL_ROUTES } from "./routes/model-routes.js";

/**
 * The penalty box: a key that its request-rate limit has just refused is answered its next 429s
 * from the first onRequest hook, before its body is read, parsed, validated or inspected, and
 * those refusals are summarised into one security event per key, address and route per second
 * instead of one each.
 *
 * Why: a refusal on the normal path costs about as much CPU as an admitted request on this
 * machine (body parse, validation, the stages, then one durable event: queue file, store, audit
 * leaf, analytics), so a key flooding at ten times its limit spent the event loop that every other
 * key shares (`bench/fairness.ts`: the ordinary key's p99 went from 8 ms to 0.77 s). It also
 * turned an attacker's request rate into the same rate of disk writes and audit leaves. A summary
 * carries `count` (as OCSF's aggregated events do), so analytics, incident rules and SIEMs still
 * see every refused request; nothing is dropped.
 *
 * The box only refuses, and only while the limits still refuse: each boxed request asks the
 * limiter whether the refusal it remembered is still in force (`refusal`), and goes the normal way
 * when it is not. An entry lasts at most `maxBoxMs`, so a key suspended or revoked meanwhile gets
 * its 401 at most that much later (it is refused either way).
 */

export interface QuickRefusal {
  error: GatewayError;
  /** Retry-After and the x-ratelimit-* headers for the answer. */
  headers: Record<string, string>;
}

export interface PenaltyGateOptions {
  bus: EventBus;
  /** The request-rate refusal still in force for this key, if any (the limits stage's memory). */
  refusal(identity: Identity, requestId: string): QuickRefusal | undefined;
  /** Longest time one entry lasts before the key's next request takes the normal path again. */
  maxBoxMs?: number;
  /** How often summaries are published. */
  flushMs?: number;
  /** Keys boxed at once (memory bound); beyond it, keys take the normal path. */
  capacity?: number;
  /** Summary groups held between flushes (memory bound); reaching it flushes early. */
  maxGroups?: number;
  clock?: () => number;
}

export interface PenaltyGate {
  /** After a request was refused for its rate: box its key. */
  remember(headers: FastifyRequest["headers"], identity: Identity | undefined, error: GatewayError): void;
  /** The first onRequest hook: answers a boxed key's request, or passes it on. */
  onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** Publishes the pending summaries now. */
  flush(): void;
  /** Stops the timer and publishes what is pending. */
  close(): void;
}

/**
 * The box is keyed by a digest of the presented key, never the key itself, so no secret sits in
 * the map. An unkeyed digest is enough: entries are only made for keys that authenticated, and a
 * caller who can present a boxed key's digest preimage holds that key.
 */
function digest(key: string): string {
  return hash("sha256", key, "base64");
}

export function createPenaltyGate(options: PenaltyGateOptions): PenaltyGate {
  const clock = options.clock ?? Date.now;
  const maxBoxMs = options.maxBoxMs ?? 1000;
  const maxGroups = options.maxGroups ?? 10_000;
  const box = new PenaltyBox<Identity>(options.capacity ?? 10_000);
  const groups = new Map<string, RefusalSummary>();

  const flush = (): void => {
    if (groups.size === 0) return;
    const batch = [...groups.values()];
    groups.clear();
    for (const group of batch) options.bus.publish(refusalSummaryEvent(group));
  };
  const timer = setInterval(flush, options.flushMs ?? 1000);
  timer.unref();

  const count = (
    identity: Identity,
    request: FastifyRequest,
    path: string,
    api: ApiKind,
    error: GatewayError,
    now: number,
  ): void => {
    const ip = request.ip;
    const id = `${identity.keyId}\u0000${ip}\u0000${path}`;
    const group = groups.get(id);
    if (group) {
      group.count++;
      group.lastAt = now;
      group.lastRequestId = request.id;
      group.errorCode = error.code;
    } else {
      const agent = request.headers["user-agent"];
      groups.set(id, {
        identity,
        ip,
        path,
        api,
        ...(typeof agent === "string" ? { userAgent: agent.slice(0, 256) } : {}),
        errorCode: error.code,
        message: error.message,
        count: 1,
        firstAt: now,
        lastAt: now,
        firstRequestId: request.id,
        lastRequestId: request.id,
      });
      if (groups.size >= maxGroups) flush();
    }
  };

  return {
    remember(headers, identity, error) {
      if (!identity || error.code !== "PCX_RATE_LIMITED") return;
      const key = presentedKey(headers);
      if (!key) return;
      const now = clock();
      box.enter(digest(key), now + maxBoxMs, identity, now);
    },

    onRequest(request, reply, done) {
      if (box.size === 0 || request.method !== "POST") return done();
      const path = pathOf(request.url);
      const route = MODEL_ROUTES.get(path);
      if (route === undefined) return done();
      const key = presentedKey(request.headers);
      if (!key) return done();
      const id = digest(key);
      const now = clock();
      const boxed = box.lookup(id, now);
      if (!boxed) return done();
      // The entry stays: when the limiter admits this one request, it also learns when the next
      // would be refused again, and the box goes on answering until the entry's time.
      const refusal = options.refusal(boxed.value, request.id);
      if (!refusal) return done();
      // Answered on the raw response: no body read, no serialiser, no further hooks. Node drains
      // the unread body itself when the answer ends, so the connection stays usable.
      reply.hijack();
      const body = JSON.stringify(errorBody(refusal.error, route.shape, request.id));
      reply.raw.writeHead(refusal.error.status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": String(Buffer.byteLength(body)),
        "x-request-id": request.id,
        ...refusal.headers,
      });
      reply.raw.end(body);
      count(boxed.value, request, path, route.api, refusal.error, now);
    },

    flush,

    close() {
      clearInterval(timer);
      flush();
      box.clear();
    },
  };
}
