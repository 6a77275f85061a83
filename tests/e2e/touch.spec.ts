/**
 * Touch: a finger drags a piece into place and two fingers pinch-zoom, through
 * real touch events (CDP Input.dispatchTouchEvent) on a touch-enabled page.
 */
import { attachScreenshot, createRoom, expect, grabPoint, reachableLoosePiece, test } from "./helpers.ts";

test("a finger drags a piece home and two fingers pinch to zoom", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 600 } });
  await createRoom(page, { name: "Tia", pieces: 12 });
  const touch = await page.context().newCDPSession(page);
  const fingers = (points: Array<{ x: number; y: number }>) => points.map((point, index) => ({ ...point, id: index + 1 }));

  const id = await reachableLoosePiece(page);
  expect(id).toBeGreaterThanOrEqual(0);
  const from = (await grabPoint(page, id))!;
  const { now, home } = await page.evaluate((pieceId) => ({ now: window.__puzzle!.pieceScreenPosition(pieceId), home: window.__puzzle!.solvedScreenPosition(pieceId) }), id);
  const to = { x: from.x + home.x - now.x, y: from.y + home.y - now.y };
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: fingers([from]) });
  for (let step = 1; step <= 10; step++) {
    const point = { x: from.x + ((to.x - from.x) * step) / 10, y: from.y + ((to.y - from.y) * step) / 10 };
    await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: fingers([point]) });
    await page.waitForTimeout(30);
  }
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await expect.poll(() => page.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, id)).toBe(true);

  const before = await page.evaluate(() => window.__puzzle!.zoom());
  const spread = (distance: number) => fingers([{ x: 400 - distance, y: 300 }, { x: 400 + distance, y: 300 }]);
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: spread(60) });
  for (let distance = 60; distance <= 120; distance += 10) {
    await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: spread(distance) });
    await page.waitForTimeout(30);
  }
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await expect.poll(() => page.evaluate(() => window.__puzzle!.zoom())).toBeGreaterThan(before * 1.6);
  await attachScreenshot(page, testInfo, "touch");
});
