import type { SignedCheckpoint } from "../checkpoint.js";

/** A place a copy of each checkpoint goes, outside the database an attacker might control. */
export interface CheckpointExporter {
  /** For logs and metrics: `file`, `syslog`, `webhook`. */
  readonly name: string;
  /** Rejects on failure; the caller logs and counts it and never waits for it on an append. */
  export(checkpoint: SignedCheckpoint): Promise<void>;
  close?(): Promise<void>;
}
