import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summariseProfile, type CpuProfile, type ProfileSummary } from "./cpuprofile.js";
import { startPortcullis } from "./portcullis.js";
import { saturate, type SaturationResult } from "./saturation.js";
import { requestHeaders, type Target } from "./workload.js";

export interface ProfileRun {
  /** Throughput while profiled (the sampler costs a few percent). */
  saturation: SaturationResult;
  summary: ProfileSummary;
}

/**
 * Runs a gateway under `node --cpu-prof` through a warm-up and a saturation run, stops it (the
 * profile is written at exit) and summarises where its CPU time went.
 */
export async function profileGateway(
  mockOrigin: string,
  options: {
    durationS: number;
    warmupS: number;
    connections: number;
    guards: boolean;
    log: (line: string) => void;
  },
): Promise<ProfileRun> {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-prof-"));
  try {
    const gateway = await startPortcullis(mockOrigin, {
      nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir],
      guards: options.guards,
    });
    let saturation: SaturationResult;
    try {
      const target: Target = {
        id: options.guards ? "d" : "b",
        label: `Portcullis${options.guards ? " with the default guards" : ""} (profiled)`,
        origin: gateway.origin,
        headers: requestHeaders(gateway.apiKey),
      };
      options.log(
        `profile (${target.id}): warm-up ${options.warmupS} s, then ${options.durationS} s at saturation under --cpu-prof`,
      );
      await saturate(target, options.warmupS, options.connections);
      saturation = await saturate(target, options.durationS, options.connections);
    } finally {
      await gateway.stop();
    }
    const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
    if (!file) throw new Error("the gateway exited without writing a .cpuprofile");
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    return { saturation, summary: summariseProfile(profile, { top: 15 }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
