import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU accounting from /proc, for two reasons specific to a shared 2-core machine: a proxy's CPU
 * time per request does not depend on what else is running (its req/s does), and the share of the
 * machine taken by other processes during a measurement says how far to trust it.
 */

/** Linux reports /proc times in clock ticks of USER_HZ, which is 100 on every mainstream arch. */
const TICK_MS = 10;

export interface CpuSnapshot {
  /** All cores, in ticks: busy (user, nice, system, irq, softirq, steal) and total. */
  machineBusy: number;
  machineTotal: number;
  /** utime + stime per process group we started, plus this process under key 0. */
  groups: Map<number, number>;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .split(/\s+/)
    .slice(1, 9)
    .map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** [pgrp, utime + stime] of a process, from /proc/PID/stat (fields 5, 14 and 15). */
function processTicks(pid: string): [number, number] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [Number(fields[2]), Number(fields[11]) + Number(fields[12])];
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) one process has used so far, in ms; undefined without /proc. */
export function processCpuMs(pid: number): number | undefined {
  const ticks = processTicks(String(pid));
  return ticks ? ticks[1] * TICK_MS : undefined;
}

/** A snapshot, or undefined where /proc is not available (the figures are then left out). */
export function cpuSnapshot(groupIds: readonly number[]): CpuSnapshot | undefined {
  let machine;
  try {
    machine = machineTicks();
  } catch {
    return undefined;
  }
  const wanted = new Set(groupIds);
  const groups = new Map<number, number>(groupIds.map((id) => [id, 0]));
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const ticks = processTicks(pid);
    if (!ticks) continue;
    if (wanted.has(ticks[0])) groups.set(ticks[0], groups.get(ticks[0])! + ticks[1]);
  }
  groups.set(0, processTicks(String(process.pid))?.[1] ?? 0);
  return { machineBusy: machine.busy, machineTotal: machine.total, groups };
}

export interface CpuUsage {
  /** CPU ms used by each group between the snapshots (0: the benchmark process itself). */
  groupMs: Map<number, number>;
  /** Share of the whole machine (all cores) used by processes that are not ours, 0–1. */
  othersShare: number;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const groupMs = new Map<number, number>();
  let ours = 0;
  for (const [id, ticks] of after.groups) {
    const used = ticks - (before.groups.get(id) ?? ticks);
    groupMs.set(id, used * TICK_MS);
    ours += used;
  }
  const total = after.machineTotal - before.machineTotal;
  const others = after.machineBusy - before.machineBusy - ours;
  return { groupMs, othersShare: total > 0 ? Math.max(0, others / total) : 0 };
}
