import { appendFile, rename, writeFile } from "node:fs/promises";
import type { SignedCheckpoint } from "../checkpoint.js";
import type { CheckpointExporter } from "./types.js";

export interface FileExporterOptions {
  path: string;
  /** `append`: one note after another (`audit verify --checkpoint` reads them all); `latest`: the newest only. */
  mode: "append" | "latest";
}

/**
 * Writes checkpoints to a file. `latest` writes a temporary file and renames it over the old one,
 * so a reader never sees half a checkpoint. Checkpoints are public (no secret in them): mode 0644.
 */
export function createFileExporter(options: FileExporterOptions): CheckpointExporter {
  let sequence = 0;
  return {
    name: "file",
    async export(checkpoint: SignedCheckpoint) {
      if (options.mode === "append") {
        await appendFile(options.path, checkpoint.note, { mode: 0o644 });
        return;
      }
      const tmp = `${options.path}.${process.pid}.${sequence++}.tmp`;
      await writeFile(tmp, checkpoint.note, { mode: 0o644 });
      await rename(tmp, options.path);
    },
  };
}
