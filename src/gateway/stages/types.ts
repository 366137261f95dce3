import type { IncomingHttpHeaders } from "node:http";
import type { DecisionAction, EventFinding } from "../../events/index.js";
import type { Identity } from "../auth/index.js";
import type { ErrorShape, GatewayError } from "../errors.js";
import type { ApiKind, Provider } from "../providers/index.js";
import type { GuardState } from "../guards/state.js";
import type { Usage } from "../streaming/formats.js";

export interface ResolvedModel {
  /** The canonical name (aliases resolved). */
  name: string;
  kind: "chat" | "embedding";
  provider: Provider;
  upstreamModel: string;
  /** Set when `requireManifest` did not verify at start-up: requests are refused. */
  manifestFailure?: string;
}

/** Everything a request carries through the chain. Stages add to it; none writes the reply. */
export interface RequestContext {
  readonly requestId: string;
  readonly api: ApiKind;
  readonly path: string;
  readonly shape: ErrorShape;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body as received; `body` once the validate stage accepted it. */
  readonly rawBody: unknown;
  body: Record<string, unknown>;
  stream: boolean;
  requestedModel: string;
  readonly clientIp: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  identity?: Identity;
  model?: ResolvedModel;
  findings: EventFinding[];
  decision: { action: DecisionAction; reasons: string[]; monitorOnly: boolean };
  usage: Usage;
  /** Set by the inbound guards; read by the outbound ones. */
  guard?: GuardState;
}

/**
 * A stage returns a verdict; the runner moves the chain (STYLE.md §2). A stage never writes the
 * reply itself, so a stopped request can never be answered twice.
 */
export type StageVerdict = { action: "continue" } | { action: "stop"; error: GatewayError };

export interface RequestStage {
  readonly name: string;
  run(ctx: RequestContext): StageVerdict | Promise<StageVerdict>;
}

/** What an inspector lets through of the text it was fed, or a stop. */
export type ChunkVerdict = { action: "continue"; release: string } | { action: "stop"; error: GatewayError };

/**
 * Per-response state of a response stage, fed the answer's text as it arrives, channel by channel
 * (an OpenAI choice, an Anthropic content block). It may hold back a tail of at most
 * `maxHoldback` UTF-16 units — enough to see a secret split across chunks — and must release the
 * rest at once; `end` releases whatever is held. What it releases may differ from what it was fed
 * (redaction, restored pseudonyms), so it reports what it holds itself (`pending`).
 */
export interface ResponseInspector {
  readonly maxHoldback: number;
  write(channel: number, text: string): ChunkVerdict;
  end(channel: number): ChunkVerdict;
  /** UTF-16 units currently held back for the channel. */
  pending(channel: number): number;
}

export interface ResponseStage {
  readonly name: string;
  /** An inspector for this response, or undefined when the stage has nothing to look at. */
  open(ctx: RequestContext): ResponseInspector | undefined;
}

export const CONTINUE: StageVerdict = Object.freeze({ action: "continue" });
