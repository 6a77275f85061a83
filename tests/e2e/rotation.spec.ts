/**
 * Rotation in the browser: in a room whose pieces start turned, a mouse player
 * turns a piece upright (right button, then Space, while holding it) and places
 * it; a touch player turns one with a second finger's tap and a two-finger twist
 * and places it; each sees the other's turns, eased in. Assertions read
 * `window.__puzzle`; screenshots are kept.
 */
import type { CDPSession, Page } from "@playwright/test";
import { attachScreenshot, createRoom, expect, grabPoint, joinByLink, test } from "./helpers.ts";

/** Clockwise quarter turns that bring `rotation` upright. */
const turnsToUpright = (rotation: number) => (4 - rotation) % 4;

/** A loose piece the page can reach, turned by one of `rotations` (in that order of preference), or -1. */
async function reachableTurnedPiece(page: Page, rotations: number[], except: number[] = []): Promise<number> {
  const pieces = await page.evaluate(() => window.__puzzle!.pieces().filter((piece) => !piece.locked));
  for (const rotation of rotations) {
    for (const piece of pieces) {
      if (piece.rotation !== rotation || except.includes(piece.id)) continue;
      if (await grabPoint(page, piece.id)) return piece.id;
    }
  }
  return -1;
}

const confirmedRotation = (page: Page, id: number) => page.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.rotation, id);
const drawnRotation = (page: Page, id: number) => page.evaluate((pieceId) => window.__puzzle!.drawnRotation(pieceId), id);
/** Page px from a piece's centre to where it belongs on the board. */
const wayHome = (page: Page, id: number) =>
  page.evaluate((pieceId) => {
    const hook = window.__puzzle!;
    const now = hook.pieceScreenPosition(pieceId);
    const home = hook.solvedScreenPosition(pieceId);
    return { x: home.x - now.x, y: home.y - now.y };
  }, id);

/** Touches through CDP (Input.dispatchTouchEvent): every event lists every finger still down. */
class Fingers {
  private readonly down = new Map<number, { x: number; y: number }>();
  constructor(private readonly cdp: CDPSession) {}

  private points() {
    return [...this.down].map(([id, point]) => ({ id, ...point }));
  }

  async start(id: number, point: { x: number; y: number }): Promise<void> {
    this.down.set(id, point);
    await this.cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: this.points() });
  }

  async move(id: number, point: { x: number; y: number }): Promise<void> {
    this.down.set(id, point);
    await this.cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: this.points() });
  }

  /** Lifts one finger: Chromium's touchEnd releases the points it lists (the others stay down). */
  async end(id: number): Promise<void> {
    const point = this.down.get(id)!;
    this.down.delete(id);
    await this.cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [{ id, ...point }] });
  }
}

test("a mouse player and a touch player each turn and place a piece, and each sees the other's turn", async ({ newPlayer }, testInfo) => {
  const mouse = await newPlayer();
  const touch = await newPlayer({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 600 } });
  const link = await createRoom(mouse, { name: "Ada", pieces: 12, rotation: true });
  await joinByLink(touch, link, "Tia");
  expect(await touch.evaluate(() => window.__puzzle!.rotation())).toBe(true);
  const startRotations = await mouse.evaluate(() => window.__puzzle!.pieces().map((piece) => piece.rotation));
  expect(startRotations.filter((rotation) => rotation !== 0).length).toBeGreaterThan(3);

  // ---- the mouse: right button while holding, then Space, until upright; then home ----
  const mine = await reachableTurnedPiece(mouse, [1, 2, 3]);
  expect(mine).toBeGreaterThanOrEqual(0);
  const from = (await grabPoint(mouse, mine))!;
  const start = startRotations[mine]!;
  await mouse.mouse.move(from.x, from.y);
  await mouse.mouse.down();
  // Towards the middle of the screen first, so a turned group is never pushed off the table.
  const middle = { x: 640, y: 400 };
  await mouse.mouse.move((from.x + middle.x) / 2, (from.y + middle.y) / 2, { steps: 4 });
  await mouse.mouse.down({ button: "right" });
  await mouse.mouse.up({ button: "right" });
  const once = (start + 1) % 4;
  await expect.poll(() => confirmedRotation(mouse, mine)).toBe(once);
  // The other player sees the turn, and its drawing eases to it.
  await expect.poll(() => confirmedRotation(touch, mine)).toBe(once);
  await expect.poll(() => drawnRotation(touch, mine)).toBe(once);
  for (let turn = 1; turn < turnsToUpright(start); turn++) await mouse.keyboard.press("Space");
  await expect.poll(() => confirmedRotation(mouse, mine)).toBe(0);
  await expect.poll(() => confirmedRotation(touch, mine)).toBe(0);
  await expect.poll(() => drawnRotation(mouse, mine)).toBe(0);
  const held = { x: (from.x + middle.x) / 2, y: (from.y + middle.y) / 2 };
  const homeBy = await wayHome(mouse, mine);
  await mouse.mouse.move(held.x + homeBy.x, held.y + homeBy.y, { steps: 10 });
  await mouse.mouse.up();
  await expect.poll(() => mouse.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, mine)).toBe(true);
  await expect.poll(() => touch.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, mine)).toBe(true);
  await attachScreenshot(touch, testInfo, "touch-player-sees-the-mouse-turn");

  // ---- the touch player: a second finger's tap, then a twist, until upright; then home ----
  const cdp = await touch.context().newCDPSession(touch);
  const fingers = new Fingers(cdp);
  const theirs = await reachableTurnedPiece(touch, [2, 1, 3], [mine]);
  expect(theirs).toBeGreaterThanOrEqual(0);
  const rotation = await confirmedRotation(touch, theirs);
  const grab = (await grabPoint(touch, theirs))!;
  const centre = { x: 400, y: 300 };
  await fingers.start(1, grab);
  for (let step = 1; step <= 6; step++) {
    await fingers.move(1, { x: grab.x + ((centre.x - grab.x) * step) / 6, y: grab.y + ((centre.y - grab.y) * step) / 6 });
    await touch.waitForTimeout(30);
  }
  // A tap of a second finger: a quarter turn.
  await fingers.start(2, { x: centre.x + 90, y: centre.y + 10 });
  await touch.waitForTimeout(60);
  await fingers.end(2);
  const tapped = (rotation + 1) % 4;
  await expect.poll(() => confirmedRotation(touch, theirs)).toBe(tapped);
  await expect.poll(() => confirmedRotation(mouse, theirs)).toBe(tapped);
  await expect.poll(() => drawnRotation(mouse, theirs)).toBe(tapped);
  // A twist round the first finger: a quarter turn for every 90 degrees, clockwise (a whole turn when the tap was enough).
  const twistDegrees = turnsToUpright(rotation) > 1 ? 90 * (turnsToUpright(rotation) - 1) : 360;
  const radius = 90;
  await fingers.start(2, { x: centre.x + radius, y: centre.y });
  for (let degrees = 10; degrees <= twistDegrees; degrees += 10) {
    const angle = (degrees * Math.PI) / 180;
    await fingers.move(2, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
    await touch.waitForTimeout(25);
  }
  await fingers.end(2);
  await expect.poll(() => confirmedRotation(touch, theirs)).toBe(0);
  await expect.poll(() => confirmedRotation(mouse, theirs)).toBe(0);
  await expect.poll(() => drawnRotation(mouse, theirs)).toBe(0);
  const back = await wayHome(touch, theirs);
  for (let step = 1; step <= 8; step++) {
    await fingers.move(1, { x: centre.x + (back.x * step) / 8, y: centre.y + (back.y * step) / 8 });
    await touch.waitForTimeout(30);
  }
  await fingers.end(1);
  await expect.poll(() => touch.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, theirs)).toBe(true);
  await expect.poll(() => mouse.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, theirs)).toBe(true);

  // Nothing lost, nothing shown differently, in either tab.
  for (const page of [mouse, touch]) {
    await expect.poll(() => page.evaluate(() => window.__puzzle!.stats().integrityChecks)).toBeGreaterThan(1);
    expect(await page.evaluate(() => [window.__puzzle!.lostMoves(), window.__puzzle!.desyncedPieces(), window.__puzzle!.progress().placed])).toEqual([0, 0, 2]);
  }
  await attachScreenshot(mouse, testInfo, "mouse-player-sees-the-touch-turn");
  await attachScreenshot(touch, testInfo, "touch-player");
});
