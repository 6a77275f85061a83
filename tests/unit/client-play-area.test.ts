/**
 * The play area: the part of the screen the HUD's boxes leave free, where fits
 * and zooms go, and name tags moved out from under the boxes; the canvas's
 * pixel ratio; and the damage a frame redraws.
 */
import { describe, expect, it } from "vitest";
import { largestClearRect, overlaps, shiftClear, type Rect } from "../../client/views/play-area.ts";
import { backingSize, canvasPixelRatio, MAX_PIXEL_RATIO } from "../../client/views/pixel-ratio.ts";
import { Damage } from "../../client/views/damage.ts";

const rect = (left: number, top: number, right: number, bottom: number): Rect => ({ left, top, right, bottom });
const desktop = rect(0, 0, 1366, 768);

describe("the play area", () => {
  it("is the whole screen without boxes", () => {
    expect(largestClearRect(desktop, [], 1.6)).toEqual(desktop);
  });

  it("keeps clear of every box, by the gap, on a desktop layout", () => {
    const boxes = [rect(10, 10, 346, 52), rect(490, 10, 890, 52), rect(1036, 10, 1356, 52), rect(1116, 60, 1356, 126), rect(306, 706, 1058, 758)];
    const area = largestClearRect(desktop, boxes, 1.6, 8);
    for (const box of boxes) expect(overlaps(area, rect(box.left - 8, box.top - 8, box.right + 8, box.bottom + 8)), JSON.stringify(box)).toBe(false);
    // Beside the players panel rather than under it: a wide table gets more room there.
    expect(area).toEqual(rect(0, 60, 1108, 698));
  });

  it("takes the side that suits the content's shape", () => {
    const screen = rect(0, 0, 1000, 1000);
    const leftColumn = rect(0, 0, 300, 600);
    expect(largestClearRect(screen, [leftColumn], 4)).toEqual(rect(0, 600, 1000, 1000));
    expect(largestClearRect(screen, [leftColumn], 0.5)).toEqual(rect(300, 0, 1000, 1000));
  });

  it("does not go off-centre for the last pixels a box's edge gives away", () => {
    // A phone on its side: the toolbar down the left, three boxes across the top, the first 2 px taller.
    const screen = rect(0, 0, 844, 390);
    const boxes = [rect(6, 6, 227, 44), rect(233, 6, 544, 42), rect(550, 6, 838, 42), rect(6, 100, 56, 334)];
    const area = largestClearRect(screen, boxes, 1.53, 6);
    expect(area.left).toBe(62);
    expect(area.right).toBe(844);
  });

  it("falls back to the screen when the boxes cover it", () => {
    const screen = rect(0, 0, 100, 100);
    expect(largestClearRect(screen, [rect(-10, -10, 110, 110)], 1)).toEqual(screen);
  });
});

describe("name tags", () => {
  const screen = rect(0, 0, 800, 600);
  const toolbar = rect(250, 540, 550, 590);

  it("stay where they are when clear", () => {
    expect(shiftClear(rect(100, 100, 160, 120), [toolbar], screen, 4)).toEqual({ dx: 0, dy: 0 });
  });

  it("move out from under the toolbar the shortest way, by the gap", () => {
    const tag = rect(300, 560, 360, 580);
    const shift = shiftClear(tag, [toolbar], screen, 4);
    expect(shift).toEqual({ dx: 0, dy: 540 - 4 - 580 });
  });

  it("avoid landing on another box, and stay on screen", () => {
    // Under the toolbar at the screen's bottom edge, with a box right above the toolbar too.
    const above = rect(250, 480, 400, 536);
    const tag = rect(300, 570, 360, 590);
    const shift = shiftClear(tag, [toolbar, above], screen, 4);
    const moved = rect(tag.left + shift.dx, tag.top + shift.dy, tag.right + shift.dx, tag.bottom + shift.dy);
    expect(shift).not.toEqual({ dx: 0, dy: 0 });
    for (const box of [toolbar, above]) expect(overlaps(moved, box)).toBe(false);
    expect(moved.left >= 0 && moved.top >= 0 && moved.right <= 800 && moved.bottom <= 600).toBe(true);
  });
});

describe("the canvas's pixel ratio", () => {
  it("follows the screen up to the cap", () => {
    expect(canvasPixelRatio(1)).toBe(1);
    expect(canvasPixelRatio(1.5)).toBe(1.5);
    expect(canvasPixelRatio(3)).toBe(MAX_PIXEL_RATIO);
    expect(canvasPixelRatio(0)).toBe(1);
    expect(canvasPixelRatio(Number.NaN)).toBe(1);
  });

  it("sizes the backing store as the CSS size times the ratio", () => {
    expect(backingSize(390, 844, canvasPixelRatio(3))).toEqual({ width: 780, height: 1688 });
    expect(backingSize(1366, 768, 1)).toEqual({ width: 1366, height: 768 });
    expect(backingSize(1280.5, 720.25, 1.5)).toEqual({ width: 1921, height: 1080 });
  });
});

describe("damage", () => {
  it("draws everything at first, then only what was added, then nothing", () => {
    const damage = new Damage();
    expect(damage.take(800, 600)).toBeNull();
    damage.add(rect(10, 10, 50, 50));
    damage.add(rect(400, 300, 420, 330));
    const region = damage.take(800, 600)!;
    expect(region).toHaveLength(2);
    expect(region[0]).toEqual(rect(8, 8, 52, 52));
    expect(damage.take(800, 600)).toEqual([]);
  });

  it("merges a piece's old and new places, and gives up for the whole canvas when most of it changed", () => {
    const damage = new Damage();
    damage.take(800, 600);
    damage.add(rect(100, 100, 160, 160));
    damage.add(rect(104, 102, 164, 162));
    expect(damage.take(800, 600)).toEqual([rect(98, 98, 166, 164)]);
    damage.add(rect(0, 0, 600, 500));
    expect(damage.take(800, 600)).toBeNull();
    damage.all();
    damage.add(rect(1, 1, 2, 2));
    expect(damage.take(800, 600)).toBeNull();
  });
});
