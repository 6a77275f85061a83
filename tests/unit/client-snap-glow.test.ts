import { describe, expect, it } from "vitest";
import { FLASH_WHOLE_GROUP_MAX, glowing } from "../../client/views/snap-glow.ts";

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, index) => from + index);

describe("what a snap's glow outlines", () => {
  it("a small group glows whole, whichever of its pieces joined", () => {
    const members = ids(FLASH_WHOLE_GROUP_MAX);
    expect([...glowing(members, new Set([3]))]).toEqual(members);
  });

  it("a big group glows only where pieces joined it", () => {
    const members = ids(2_000);
    expect([...glowing(members, new Set([1_500, 1_501, 1_502]))]).toEqual([1_500, 1_501, 1_502]);
  });

  it("when the big side changed group (the joiners had the smaller id), the joiners are the others", () => {
    const members = ids(2_000);
    const bigSide = new Set(ids(1_996, 4));
    expect([...glowing(members, bigSide)]).toEqual([0, 1, 2, 3]);
  });
});
