import type { ModelConfig } from "../config/index.js";
import type { Identity } from "./auth/index.js";
import type { Provider } from "./providers/index.js";
import type { ResolvedModel } from "./stages/types.js";

export interface ModelRouter {
  resolve(name: string): ResolvedModel | undefined;
  allowed(identity: Identity, canonicalName: string): boolean;
  /** Canonical models a key may use, for GET /v1/models. */
  visible(identity: Identity): ResolvedModel[];
}

/** Model name and alias → provider, built once from configuration. */
export function createModelRouter(
  models: readonly ModelConfig[],
  providers: ReadonlyMap<string, Provider>,
  /** Models whose `requireManifest` did not verify at start-up, with why (model-manifests.ts). */
  manifestFailures: ReadonlyMap<string, string> = new Map(),
): ModelRouter {
  const byName = new Map<string, ResolvedModel>();
  const canonical: ResolvedModel[] = [];
  for (const model of models) {
    const resolved: ResolvedModel = {
      name: model.name,
      kind: model.kind,
      provider: providers.get(model.provider)!,
      upstreamModel: model.upstreamModel ?? model.name,
    };
    const failure = manifestFailures.get(model.name);
    if (failure !== undefined) resolved.manifestFailure = failure;
    canonical.push(resolved);
    for (const name of [model.name, ...model.aliases]) byName.set(name, resolved);
  }
  const allowed = (identity: Identity, name: string) =>
    identity.models.includes("*") || identity.models.includes(name);
  return {
    resolve: (name) => byName.get(name),
    allowed,
    visible: (identity) => canonical.filter((m) => allowed(identity, m.name)),
  };
}
