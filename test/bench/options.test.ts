import { describe, expect, it } from "vitest";
import { parseOptions } from "../../bench/options.js";

describe("bench options", () => {
  it("defaults to all three paths, 10 s, 1,000 req/s, and rewrites BENCHMARKS.md", () => {
    expect(parseOptions([])).toMatchObject({
      durationS: 10,
      rounds: 3,
      rate: 1000,
      connections: 64,
      only: ["a", "b", "c"],
      json: false,
      profile: false,
      write: true,
    });
  });

  it("leaves BENCHMARKS.md alone when a path is left out or --no-write is given", () => {
    expect(parseOptions(["--only", "a,b"]).write).toBe(false);
    expect(parseOptions(["--only", "c,b,a"]).write).toBe(true);
    expect(parseOptions(["--no-write"]).write).toBe(false);
  });

  it.each([
    [["--only", "a,d"], /--only/],
    [["--duration", "0"], /--duration/],
    [["--duration", "2.5"], /--duration/],
    [["--rate", "lots"], /--rate/],
    [["--bogus"], /bogus/],
  ])("refuses %o", (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
