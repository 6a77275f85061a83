import { describe, expect, it } from "vitest";
import { FLOOR_BEHAVIOURS, floorBehaviourOf } from "../../scripts/floor-room/server.ts";

describe("the floor room's behaviour from its id", () => {
  it("reads every behaviour, the longer of two that share a prefix included", () => {
    for (const behaviour of FLOOR_BEHAVIOURS) expect(floorBehaviourOf(`${behaviour}-t4-abc-0`)).toBe(behaviour);
    expect(floorBehaviourOf("batched-stored-t16-x-1")).toBe("batched-stored");
    expect(floorBehaviourOf("batched-t16-x-1")).toBe("batched");
  });

  it("names none for an id that starts with no behaviour", () => {
    expect(floorBehaviourOf("batchedstored-t4")).toBeUndefined();
    expect(floorBehaviourOf("crowd123")).toBeUndefined();
  });
});
