import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** True when this module is the script node was started with (standalone use of a bench module). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
