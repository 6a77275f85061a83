/**
 * Playing the real game from Playwright: create or join rooms through the lobby,
 * find pieces through `window.__puzzle`, drag them with the real mouse, and keep
 * a screenshot of every test.
 */
import { test as base, expect, type BrowserContext, type BrowserContextOptions, type Page, type TestInfo } from "@playwright/test";
import type { Mode } from "../../shared/protocol.ts";
import type { PuzzleHook } from "../../client/test-hook.ts";

declare global {
  interface Window {
    __puzzle?: PuzzleHook;
  }
}

/**
 * `test` with a `newPlayer()` fixture: a page in its own browser context (its
 * own sessionStorage, so its own player), closed when the test ends so no game
 * keeps drawing in the background of the next test.
 */
export const test = base.extend<{ newPlayer: (options?: BrowserContextOptions) => Promise<Page> }>({
  newPlayer: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});
export { expect };

export interface CreateOptions {
  name: string;
  pieces: number;
  mode?: Mode;
  imageId?: string;
  /** A picture file to upload instead of a built-in image. */
  upload?: { name: string; mimeType: string; buffer: Buffer };
  /** Tick the lobby's Rotation switch: pieces start turned. */
  rotation?: boolean;
}

export async function waitForGame(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__puzzle?.ready === true && window.__puzzle.status() === "open", null, { timeout: 60_000 });
}

/** Creates a room from the lobby; resolves to the shareable link the page shows in its address bar. */
export async function createRoom(page: Page, options: CreateOptions): Promise<string> {
  await page.goto("/");
  await page.fill("#name", options.name);
  if (options.imageId) await page.click(`[data-image-id="${options.imageId}"]`);
  if (options.upload) {
    await page.setInputFiles("#upload", options.upload);
    await expect(page.locator("#upload-status")).toContainText("Using");
  }
  await page.locator("#piece-count").evaluate((input: HTMLInputElement, pieces) => {
    input.value = String(pieces);
    input.dispatchEvent(new Event("input"));
  }, options.pieces);
  await page.check(`input[name="mode"][value="${options.mode ?? "stateful"}"]`);
  if (options.rotation) await page.check("#rotation");
  await page.click("#start");
  await waitForGame(page);
  return page.url();
}

export async function joinByLink(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.fill("#name", name);
  await page.click("#start");
  await waitForGame(page);
}

/**
 * A page point on piece `id` that is really on the canvas and on that piece (not
 * under the HUD or another piece), or null.
 */
export async function grabPoint(page: Page, id: number): Promise<{ x: number; y: number } | null> {
  return page.evaluate((pieceId) => window.__puzzle!.grabPoint(pieceId), id);
}

/** Drags piece `id` with the real mouse so that its grabbed point ends `by` page px away. */
export async function dragBy(page: Page, id: number, by: { x: number; y: number }, steps = 12): Promise<void> {
  const from = await grabPoint(page, id);
  if (!from) throw new Error(`piece ${id} is not reachable with the mouse`);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let step = 1; step <= steps; step++) {
    await page.mouse.move(from.x + (by.x * step) / steps, from.y + (by.y * step) / steps);
    await page.waitForTimeout(25);
  }
  await page.mouse.up();
}

/** Drags piece `id` with the real mouse onto its place on the board. */
export async function dragHome(page: Page, id: number): Promise<void> {
  const from = await grabPoint(page, id);
  if (!from) throw new Error(`piece ${id} is not reachable with the mouse`);
  const { now, home } = await page.evaluate((pieceId) => ({ now: window.__puzzle!.pieceScreenPosition(pieceId), home: window.__puzzle!.solvedScreenPosition(pieceId) }), id);
  await dragBy(page, id, { x: home.x - now.x, y: home.y - now.y });
}

/** A finger's drag from one page point to another, through real touch events (CDP Input.dispatchTouchEvent). */
export async function touchDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps = 10): Promise<void> {
  const touch = await page.context().newCDPSession(page);
  const finger = (point: { x: number; y: number }) => [{ ...point, id: 1 }];
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: finger(from) });
  for (let step = 1; step <= steps; step++) {
    await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: finger({ x: from.x + ((to.x - from.x) * step) / steps, y: from.y + ((to.y - from.y) * step) / steps }) });
    await page.waitForTimeout(25);
  }
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await touch.detach();
}

/** Drags piece `id` onto its place on the board in a few steps, with a finger or the mouse. */
export async function placePiece(page: Page, id: number, finger: boolean): Promise<void> {
  const steps = 6;
  const from = await grabPoint(page, id);
  if (!from) throw new Error(`piece ${id} is not reachable`);
  const { now, home } = await page.evaluate((pieceId) => ({ now: window.__puzzle!.pieceScreenPosition(pieceId), home: window.__puzzle!.solvedScreenPosition(pieceId) }), id);
  const by = { x: home.x - now.x, y: home.y - now.y };
  if (finger) await touchDrag(page, from, { x: from.x + by.x, y: from.y + by.y }, steps);
  else await dragBy(page, id, by, steps);
}

export async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** A loose piece the mouse can grab right now (on top, on the canvas), or -1. */
export async function reachableLoosePiece(page: Page, except: number[] = []): Promise<number> {
  return page.evaluate((skip) => {
    const hook = window.__puzzle!;
    return hook.pieces().find((piece) => !piece.locked && !skip.includes(piece.id) && hook.grabPoint(piece.id) !== null)?.id ?? -1;
  }, except);
}
