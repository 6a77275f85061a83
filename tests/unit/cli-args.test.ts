import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { decimal, integer, listOf, positive } from "../../scripts/lib/cli-args.ts";

describe("script argument parsers", () => {
  it("accept what they say and name the flag when they refuse", () => {
    expect(integer("--runs", 1, 100)("3")).toBe(3);
    expect(() => integer("--runs", 1, 100)("2.5")).toThrow(/--runs must be an integer from 1 to 100, got "2.5"/);
    expect(() => integer("--runs", 1, 100)("101")).toThrow(InvalidArgumentError);
    expect(decimal("--p", 0, 1)("0.25")).toBe(0.25);
    expect(() => decimal("--p", 0, 1)("")).toThrow(/--p must be a number from 0 to 1/);
    expect(positive("--rate")("0.5")).toBe(0.5);
    for (const bad of ["0", "-1", "fast", " ", "Infinity"]) expect(() => positive("--rate")(bad)).toThrow(/--rate must be a positive number/);
  });

  it("check every item of a list", () => {
    expect(listOf(integer("--clients", 1, 512))("16, 64")).toEqual([16, 64]);
    expect(() => listOf(integer("--clients", 1, 512))("16,0")).toThrow(/--clients must be an integer from 1 to 512, got "0"/);
  });
});
