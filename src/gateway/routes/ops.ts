import type { FastifyInstance } from "fastify";
import type { GatewayRuntime } from "../runtime.js";
import { requireRole } from "./require-role.js";
import { authenticate } from "../auth/index.js";

/** Liveness, readiness, metrics and the model list. */
export function registerOpsRoutes(app: FastifyInstance, runtime: GatewayRuntime): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    if (runtime.isShuttingDown()) return reply.code(503).send({ status: "shutting_down" });
    return { status: "ready" };
  });

  if (runtime.config.metrics.enabled) {
    app.get("/metrics", async (request, reply) => {
      if (runtime.config.metrics.requireAuth) requireRole(runtime, request, ["admin", "auditor"]);
      reply.header("content-type", runtime.metrics.registry.contentType);
      return runtime.metrics.registry.metrics();
    });
  }

  // Only the models the caller may use: the list answers "what can I call", not "what exists".
  app.get("/v1/models", async (request) => {
    const identity = authenticate(request.headers, runtime.keys, runtime.serverSecret);
    return {
      object: "list",
      data: runtime.router.visible(identity).map((m) => ({
        id: m.name,
        object: "model",
        created: 0,
        owned_by: m.provider.name,
      })),
    };
  });
}
