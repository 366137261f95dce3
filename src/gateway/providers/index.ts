import type { ProviderConfig } from "../../config/index.js";
import { createAnthropicProvider } from "./anthropic/index.js";
import { createDemoProvider } from "./demo/index.js";
import { createOpenAIProvider } from "./openai/index.js";
import type { Provider, ProviderContext } from "./types.js";

export type * from "./types.js";
export { ClientAbortedError } from "./http-upstream.js";

type Factory<T extends ProviderConfig["type"]> = (
  name: string,
  config: Extract<ProviderConfig, { type: T }>,
  context: ProviderContext,
) => Provider;

/**
 * The one place provider types are registered. The config schema declares their options (the
 * config room may not import this one); test/gateway/providers/registry.test.ts checks that the
 * two lists agree.
 */
export const PROVIDER_FACTORIES: { [T in ProviderConfig["type"]]: Factory<T> } = {
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
  demo: createDemoProvider,
};

export function createProvider(name: string, config: ProviderConfig, context: ProviderContext): Provider {
  const factory = PROVIDER_FACTORIES[config.type] as Factory<typeof config.type>;
  return factory(name, config as never, context);
}
