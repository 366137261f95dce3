import { ConfigError, loadConfigFile } from "../../../app/index.js";
import { EXIT_FINDINGS, EXIT_OK } from "../../errors.js";

export interface ConfigCheckOptions {
  file: string;
  format: "text" | "json";
}

/** Validates a configuration file without starting anything. Exit 0 valid, 1 invalid. */
export async function configCheck(opts: ConfigCheckOptions): Promise<number> {
  try {
    const loaded = loadConfigFile(opts.file);
    if (opts.format === "json") {
      process.stdout.write(
        JSON.stringify({ file: opts.file, valid: true, problems: [], warnings: loaded.warnings }) + "\n",
      );
    } else {
      process.stdout.write(`${opts.file}: valid\n`);
      for (const warning of loaded.warnings) process.stdout.write(`  warning: ${warning}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (opts.format === "json") {
      process.stdout.write(
        JSON.stringify({ file: opts.file, valid: false, problems: error.problems, warnings: [] }) + "\n",
      );
    } else {
      process.stdout.write(`${error.message}\n`);
    }
    return EXIT_FINDINGS;
  }
}
