import type { FastifyRequest } from "fastify";
import { authenticate, type Identity } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import type { KeyRole } from "../../store/index.js";
import type { GatewayRuntime } from "../runtime.js";

/** Authenticates an admin-API call and checks the key's role. */
export function requireRole(
  runtime: GatewayRuntime,
  request: FastifyRequest,
  roles: readonly KeyRole[],
): Identity {
  const identity = authenticate(request.headers, runtime.keys, runtime.serverSecret);
  if (!roles.includes(identity.role)) throw new GatewayError("PCX_FORBIDDEN_ROLE");
  return identity;
}
