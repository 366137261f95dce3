import { existsSync, readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The product version for CEF headers and OCSF metadata: package.json's, found by walking up from
 * this module (it sits at a different depth in src/ and dist/src/). Read once, at start-up.
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "portcullis" && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return "0.0.0";
}

/** This machine's name as RFC 5424 §6.2.4 allows it (printable US-ASCII, at most 255). */
export function defaultHostname(): string {
  return (
    osHostname()
      .replace(/[^\x21-\x7e]/g, "-")
      .slice(0, 255) || "-"
  );
}
