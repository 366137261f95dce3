/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the time went. The format
 * is the DevTools protocol's `Profiler.Profile`: a call tree of nodes, plus one sample per tick
 * naming the node that was on top of the stack and the time since the previous tick.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, as V8 reports it. */
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds; timeDeltas[i] is the time between sample i-1 and sample i. */
  timeDeltas: number[];
}

export interface ProfileEntry {
  /** `function (file:line)` with the file relative to the package or repository. */
  name: string;
  /** Who owns the code: `portcullis`, an npm package name, `node`, or a V8 pseudo-frame. */
  owner: string;
  selfMs: number;
  /** Share of busy time (all samples except idle), 0–100. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Functions by self time, busiest first. */
  top: ProfileEntry[];
  /** Self time summed per owner. */
  owners: ProfileEntry[];
  /**
   * Self time charged to the innermost Portcullis function on the stack (what our code costs,
   * including the library calls it makes); samples with no Portcullis frame are charged to
   * "(outside Portcullis)".
   */
  portcullisInclusive: ProfileEntry[];
}

const OUTSIDE = "(outside Portcullis)";

/** V8's pseudo-frames: not code, but states of the VM. */
const PSEUDO = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/** Classifies a script URL. `repoMarker` is how Portcullis' own compiled files are recognised. */
export function ownerOf(frame: CallFrame, repoMarker = "/dist/src/"): string {
  if (PSEUDO.has(frame.functionName) && frame.url === "") return frame.functionName;
  const url = frame.url;
  if (url.startsWith("node:") || url === "") return "node";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.includes(repoMarker)) return "portcullis";
  return "other";
}

function shortUrl(url: string, repoMarker: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + "/node_modules/".length);
  const repo = url.indexOf(repoMarker);
  if (repo >= 0) return url.slice(repo + 1);
  return url.replace(/^file:\/\//, "");
}

function frameName(frame: CallFrame, repoMarker: string): string {
  const fn = frame.functionName || "(anonymous)";
  if (frame.url === "") return fn;
  return `${fn} (${shortUrl(frame.url, repoMarker)}:${frame.lineNumber + 1})`;
}

function sorted(map: Map<string, { owner: string; ms: number }>, busyMs: number): ProfileEntry[] {
  return [...map.entries()]
    .map(([name, { owner, ms }]) => ({
      name,
      owner,
      selfMs: ms,
      percent: busyMs > 0 ? (ms / busyMs) * 100 : 0,
    }))
    .sort((x, y) => y.selfMs - x.selfMs);
}

function add(map: Map<string, { owner: string; ms: number }>, name: string, owner: string, ms: number): void {
  const entry = map.get(name);
  if (entry) entry.ms += ms;
  else map.set(name, { owner, ms });
}

export function summariseProfile(
  profile: CpuProfile,
  options: { top?: number; repoMarker?: string } = {},
): ProfileSummary {
  const repoMarker = options.repoMarker ?? "/dist/src/";
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // The innermost Portcullis frame above each node, computed once per node rather than per sample.
  const ownFrame = new Map<number, string>();
  const ownFrameOf = (id: number): string => {
    const known = ownFrame.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    let result: string;
    if (ownerOf(node.callFrame, repoMarker) === "portcullis") result = frameName(node.callFrame, repoMarker);
    else {
      const up = parent.get(id);
      result = up === undefined ? OUTSIDE : ownFrameOf(up);
    }
    ownFrame.set(id, result);
    return result;
  };

  const self = new Map<string, { owner: string; ms: number }>();
  const owners = new Map<string, { owner: string; ms: number }>();
  const inclusive = new Map<string, { owner: string; ms: number }>();
  let totalMs = 0;
  let idleMs = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next tick (the last one for none).
    const ms = (timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(samples[i]!);
    if (!node) continue;
    totalMs += ms;
    const owner = ownerOf(node.callFrame, repoMarker);
    if (owner === "(idle)") {
      idleMs += ms;
      continue;
    }
    add(self, frameName(node.callFrame, repoMarker), owner, ms);
    add(owners, owner, owner, ms);
    const own = ownFrameOf(node.id);
    add(inclusive, own, own === OUTSIDE ? "fastify/undici/node" : "portcullis", ms);
  }
  const busyMs = totalMs - idleMs;
  const top = options.top ?? 15;
  return {
    totalMs,
    idleMs,
    busyMs,
    top: sorted(self, busyMs).slice(0, top),
    owners: sorted(owners, busyMs),
    portcullisInclusive: sorted(inclusive, busyMs).slice(0, top),
  };
}
