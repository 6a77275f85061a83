/**
 * The replay in the browser: two players solve a puzzle with the mouse, the
 * finish panel's *Watch the replay* opens the viewer, which plays the room's
 * log from the seeded start to the finished picture, with who placed what; the
 * same replay on a phone (390x844, touch, DPR 3) scrubs with a finger; and the
 * export renders a non-empty WebM video.
 */
import type { Page } from "@playwright/test";
import { attachScreenshot, createRoom, dragHome, joinByLink, reachableLoosePiece, expect, test } from "./helpers.ts";
import type { ReplayHook } from "../../client/replay/replay-view.ts";

declare global {
  interface Window {
    __replay?: ReplayHook;
  }
}

/** Two players solve a puzzle of `pieces` with the mouse; resolves to the finisher's page and the room. */
async function solvedRoom(newPlayer: () => Promise<Page>, pieces: number): Promise<{ a: Page; room: string }> {
  const a = await newPlayer();
  const b = await newPlayer();
  const link = await createRoom(a, { name: "Ada", pieces });
  await joinByLink(b, link, "Bob");
  // The game is only the replay's material: a drag that misses (a piece under another, a slow frame) is tried again.
  for (let index = 0; index < pieces * 4; index++) {
    const page = index % 2 === 0 ? a : b;
    if (await page.evaluate(() => window.__puzzle!.completed())) break;
    const id = await reachableLoosePiece(page);
    if (id < 0) continue;
    await dragHome(page, id).catch(() => undefined);
    await page.waitForFunction((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, id, { timeout: 10_000 }).catch(() => undefined);
  }
  await expect.poll(() => a.evaluate(() => window.__puzzle!.completed())).toBe(true);
  return { a, room: new URL(link).searchParams.get("room")! };
}

// A solve with the mouse, then a replay, on a machine shared with the server and a second browser.
test.describe.configure({ timeout: 300_000 });

async function waitForReplay(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__replay?.ready === true, null, { timeout: 60_000 });
}

test("a finished game's replay opens from the finish panel and plays to the finished picture", async ({ newPlayer }, testInfo) => {
  const { a, room } = await solvedRoom(newPlayer, 4);
  await expect(a.locator("#finish")).toBeVisible();
  const watch = a.locator("#finish .replay-offer");
  await expect(watch).toHaveText("Watch the replay");
  await a.setViewportSize({ width: 1366, height: 768 });
  await watch.click();
  await expect(a).toHaveURL(new RegExp(`\\?room=${room}&replay=1$`));
  await waitForReplay(a);
  const start = await a.evaluate(() => ({ placed: window.__replay!.placed(), total: window.__replay!.total(), entries: window.__replay!.entries() }));
  expect(start.total).toBe(4);
  expect(start.entries).toBeGreaterThan(8);
  // It plays by itself, from the seeded start; the speed control takes it to 1,000x, to the end of the game and its picture.
  await expect.poll(() => a.evaluate(() => window.__replay!.timeMs())).toBeGreaterThan(0);
  expect(await a.evaluate(() => window.__replay!.playing())).toBe(true);
  await a.locator('[data-replay="speed"]').evaluate((input: HTMLInputElement) => {
    input.value = input.max;
    input.dispatchEvent(new Event("input"));
  });
  expect(await a.evaluate(() => window.__replay!.speed())).toBe(1_000);
  await expect(a.locator(".replay-speed output")).toHaveText("1,000×");
  await expect.poll(() => a.evaluate(() => window.__replay!.completed()), { timeout: 60_000 }).toBe(true);
  await expect.poll(() => a.evaluate(() => window.__replay!.pictureShown()), { timeout: 20_000 }).toBe(true);
  expect(await a.evaluate(() => window.__replay!.placed())).toBe(4);
  const placedBy = await a.evaluate(() => window.__replay!.placedBy());
  expect(Object.values(placedBy).reduce((sum, placed) => sum + placed, 0)).toBe(4);
  // Who placed what, in the players' colours.
  await expect(a.locator(".replay-players li")).toHaveCount(2);
  await expect(a.locator(".replay-players li .swatch").first()).toHaveCSS("background-color", /rgb/);
  await attachScreenshot(a, testInfo, "replay-finished-1366x768");

  // The scrub bar takes a click: just before the end, the placed pieces in their placers' colours; at the start, nothing placed.
  const bar = a.locator(".replay-scrub");
  const box = (await bar.boundingBox())!;
  await a.mouse.click(box.x + box.width * 0.97, box.y + box.height / 2);
  await expect.poll(() => a.evaluate(() => window.__replay!.completed())).toBe(false);
  await attachScreenshot(a, testInfo, "replay-who-placed-what-1366x768");
  await a.mouse.click(box.x + 1, box.y + box.height / 2);
  await expect.poll(() => a.evaluate(() => window.__replay!.placed())).toBe(0);
  expect(await a.evaluate(() => window.__replay!.playing())).toBe(false);
  await attachScreenshot(a, testInfo, "replay-scrubbed-to-start-1366x768");
});

test("on a phone the replay fits, scrubs with a finger and exports a WebM video", async ({ newPlayer }, testInfo) => {
  const { room } = await solvedRoom(newPlayer, 4);
  const phone = await newPlayer({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 }, deviceScaleFactor: 3 });
  await phone.goto(`/?room=${room}&replay=1`);
  await waitForReplay(phone);
  await expect.poll(() => phone.evaluate(() => window.__replay!.completed()), { timeout: 60_000 }).toBe(true);
  // The panel stays inside the screen.
  const panel = (await phone.locator("#replay").boundingBox())!;
  expect(panel.x).toBeGreaterThanOrEqual(0);
  expect(panel.x + panel.width).toBeLessThanOrEqual(390);
  expect(panel.y + panel.height).toBeLessThanOrEqual(844);
  await attachScreenshot(phone, testInfo, "replay-finished-390x844");

  const bar = (await phone.locator(".replay-scrub").boundingBox())!;
  await phone.touchscreen.tap(bar.x + bar.width / 2, bar.y + bar.height / 2);
  const half = await phone.evaluate(() => window.__replay!.timeMs() / window.__replay!.durationMs());
  expect(half).toBeGreaterThan(0.3);
  expect(half).toBeLessThan(0.7);
  await attachScreenshot(phone, testInfo, "replay-scrubbed-390x844");

  // The export: a progress bar while it renders, and a non-empty WebM at the end.
  const video = phone.evaluate(() => window.__replay!.exportVideo(3_000));
  await expect(phone.locator(".replay-export-progress")).toBeVisible();
  await attachScreenshot(phone, testInfo, "replay-exporting-390x844");
  const made = await video;
  expect(made.type).toBe("video/webm");
  expect(made.bytes).toBeGreaterThan(1_000);
  await expect(phone.locator(".replay-export-progress")).toBeHidden();
});
