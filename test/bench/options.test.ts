import { describe, expect, it } from "vitest";
import { parseOptions } from "../../bench/options.js";

describe("bench options", () => {
  it("defaults to all four paths, every phase and prompt, the fairness bench, and rewrites BENCHMARKS.md", () => {
    expect(parseOptions([])).toMatchObject({
      durationS: 10,
      otherDurationS: 6,
      rounds: 3,
      rate: 1000,
      connections: 64,
      paths: ["a", "b", "c", "d"],
      phases: ["saturation", "fixed", "stream"],
      prompts: ["1k", "8k", "email"],
      measurePaths: true,
      fairness: true,
      json: false,
      profile: false,
      write: true,
    });
  });

  it("--only filters each dimension it names and runs the others in full, without fairness", () => {
    expect(parseOptions(["--only", "d,a,stream"])).toMatchObject({
      paths: ["a", "d"],
      phases: ["stream"],
      prompts: ["1k", "8k", "email"],
      fairness: false,
      write: false,
    });
    expect(parseOptions(["--only", "8k"])).toMatchObject({ paths: ["a", "b", "c", "d"], prompts: ["8k"] });
  });

  it("--only fairness runs the fairness bench alone; naming a path as well runs both", () => {
    expect(parseOptions(["--only", "fairness"])).toMatchObject({
      measurePaths: false,
      paths: [],
      fairness: true,
      write: false,
    });
    expect(parseOptions(["--only", "d,fairness"])).toMatchObject({
      measurePaths: true,
      paths: ["d"],
      fairness: true,
    });
    expect(parseOptions(["--only", "a", "--fairness"]).fairness).toBe(true);
  });

  it("leaves BENCHMARKS.md alone unless the run is complete", () => {
    expect(parseOptions(["--only", "a,b,c,d"]).write).toBe(false);
    expect(parseOptions(["--no-fairness"])).toMatchObject({ fairness: false, write: false });
    expect(parseOptions(["--no-write"]).write).toBe(false);
    expect(parseOptions(["--duration", "3", "--warmup", "1"]).write).toBe(true);
  });

  it.each([
    [["--only", "a,e"], /--only/],
    [["--duration", "0"], /--duration/],
    [["--duration", "2.5"], /--duration/],
    [["--rate", "lots"], /--rate/],
    [["--fairness-seconds", "0"], /--fairness-seconds/],
    [["--fairness", "--no-fairness"], /contradict/],
    [["--bogus"], /bogus/],
  ])("refuses %o", (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
