import type { Vault } from "../../detect/index.js";
import type { DirectedFinding, PolicySubject } from "../../policy/index.js";
import type { InspectedText } from "./extract.js";

/** What the inbound guards learned about a request, for the outbound ones. */
export interface GuardState {
  subject: PolicySubject;
  items: InspectedText[];
  findings: DirectedFinding[];
  /** The application's system prompt as the client sent it (before any canary). */
  systemPrompt: string;
  canary?: string;
  /** Pseudonyms issued for this request, restored in the answer. */
  vault?: Vault;
}
