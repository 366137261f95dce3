import { describe, expect, it } from "vitest";
import { ownerOf, summariseProfile, type CpuProfile } from "../../bench/cpuprofile.js";

const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

describe("ownerOf", () => {
  it.each([
    [frame("(idle)", ""), "(idle)"],
    [frame("(garbage collector)", ""), "(garbage collector)"],
    [frame("writev", ""), "node"], // native functions have no URL
    [frame("emit", "node:events"), "node"],
    [frame("serialize", "file:///w/node_modules/fastify/lib/reply.js"), "fastify"],
    [frame("x", "file:///w/node_modules/@pinojs/redact/index.js"), "@pinojs/redact"],
    // a dependency of a dependency belongs to the innermost package
    [frame("y", "file:///w/node_modules/a/node_modules/b/i.js"), "b"],
    [frame("relayJson", "file:///w/main/dist/src/gateway/relay.js"), "portcullis"],
    [frame("z", "file:///elsewhere/script.js"), "other"],
  ])("%o belongs to %s", (f, owner) => {
    expect(ownerOf(f)).toBe(owner);
  });
});

describe("summariseProfile", () => {
  // root → handler (ours) → parse (a library) ; root → (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 4] },
      { id: 2, callFrame: frame("handler", "file:///r/dist/src/gateway/h.js", 9), children: [3] },
      { id: 3, callFrame: frame("parse", "file:///r/node_modules/zod/p.js", 0) },
      { id: 4, callFrame: frame("(idle)", "") },
    ],
    // Each sample lasts until the next tick: 1 ms, 2 ms, 3 ms, then the last one (no next tick) 0.
    samples: [2, 3, 4, 3],
    timeDeltas: [0, 1000, 2000, 3000],
  };
  const summary = summariseProfile(profile);

  it("charges each sample the time until the next one", () => {
    expect(summary.totalMs).toBe(6);
    expect(summary.idleMs).toBe(3);
    expect(summary.busyMs).toBe(3);
  });

  it("lists self time per function with a 1-based line, shares of busy time", () => {
    expect(summary.top.map((e) => [e.name, e.owner, e.selfMs])).toEqual([
      ["parse (zod/p.js:1)", "zod", 2],
      ["handler (dist/src/gateway/h.js:10)", "portcullis", 1],
    ]);
    expect(summary.top[0]!.percent).toBeCloseTo(66.67, 1);
  });

  it("charges library time to the Portcullis function that called it", () => {
    expect(summary.portcullisInclusive).toHaveLength(1);
    expect(summary.portcullisInclusive[0]).toMatchObject({
      name: "handler (dist/src/gateway/h.js:10)",
      selfMs: 3,
    });
  });

  it("sums self time per owner", () => {
    expect(Object.fromEntries(summary.owners.map((e) => [e.owner, e.selfMs]))).toEqual({
      zod: 2,
      portcullis: 1,
    });
  });
});
