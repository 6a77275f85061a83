/**
 * The public lobby in the browser (issue 14): a room created with "List in
 * public rooms" appears on another browser's landing page (a desktop at
 * 1366x768 with Create room still on screen, and a phone at 390x844, DPR 3,
 * nothing wider than the screen), and Watch opens it as a watcher. The choice
 * is off, with why, for the stateless modes; an empty list says so.
 */
import type { Page } from "@playwright/test";
import { DIRECTORY_PATH } from "../../shared/directory.ts";
import { EMPTY_DIRECTORY_TEXT } from "../../client/ui/room-directory.ts";
import { UNLISTABLE_MODE_TEXT } from "../../client/ui/lobby.ts";
import { attachScreenshot, expect, test, waitForGame } from "./helpers.ts";

const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };

async function createListedRoom(page: Page, name: string): Promise<string> {
  await page.goto("/");
  await page.fill("#name", name);
  await page.click('[data-image-id="balloon-festival"]');
  await page.locator("#piece-count").evaluate((input: HTMLInputElement) => {
    input.value = "24";
    input.dispatchEvent(new Event("input"));
  });
  await page.check('input[name="mode"][value="stateful"]');
  await page.check("#listed");
  await page.click("#start");
  await waitForGame(page);
  return new URL(page.url()).searchParams.get("room")!;
}

test("a listed room appears on another browser's landing page, and Watch opens it as a watcher", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(DESKTOP);
  const room = await createListedRoom(host, "Ada");

  // A desktop visitor: the room's card, with Create room still on screen.
  const desk = await newPlayer(DESKTOP);
  await desk.goto("/");
  const deskCard = desk.locator(`.directory-room[data-room="${room}"]`);
  await expect(deskCard).toBeVisible();
  await expect(deskCard.locator(".directory-name")).toHaveText(room);
  await expect(deskCard).toContainText("24 pieces");
  await expect(deskCard).toContainText("1 player · 0 watchers");
  await expect(deskCard.locator("img")).toHaveAttribute("src", "/images/balloon-festival.svg");
  await expect(desk.locator("#start")).toBeInViewport({ ratio: 1 });
  await attachScreenshot(desk, testInfo, "directory-1366x768");

  // A phone visitor watches.
  const phone = await newPlayer(PHONE);
  await phone.goto("/");
  const card = phone.locator(`.directory-room[data-room="${room}"]`);
  await expect(card).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(phone.locator("#start")).toBeInViewport({ ratio: 1 });
  const box = (await card.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await attachScreenshot(phone, testInfo, "directory-390x844");
  await phone.tap("#name");
  await phone.keyboard.type("Wes");
  await card.locator(".directory-watch").tap();
  await waitForGame(phone);
  expect(await phone.evaluate(() => window.__puzzle!.role())).toBe("watcher");
  expect(new URL(phone.url()).searchParams.get("room")).toBe(room);
  await expect(phone.locator("#watching")).toHaveText("You are watching");
  await expect(host.locator("#audience-counts")).toHaveText("1 playing, 1 watching");

  // The desktop's list follows within a refresh or two: the watcher is counted.
  await expect(deskCard).toContainText("1 player · 1 watcher", { timeout: 30_000 });
});

test("listing is for stateful rooms only, a pick without a name asks for one, and an empty list says so", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer(DESKTOP);
  await page.route(`**${DIRECTORY_PATH}`, (route) => route.fulfill({ json: { rooms: [], ttlMs: 60_000 } }));
  await page.goto("/");
  await expect(page.locator("#directory-status")).toHaveText(EMPTY_DIRECTORY_TEXT);
  await expect(page.locator("#directory-list")).toBeHidden();
  await expect(page.locator("#listed")).toBeEnabled();
  await expect(page.locator("#listed")).not.toBeChecked();
  await page.check("#listed");
  await page.check('input[name="mode"][value="stateless"]');
  await expect(page.locator("#listed")).toBeDisabled();
  await expect(page.locator("#listed")).not.toBeChecked();
  await expect(page.locator("#listed-hint")).toHaveText(UNLISTABLE_MODE_TEXT);
  await page.check('input[name="mode"][value="stateful"]');
  await expect(page.locator("#listed")).toBeEnabled();
  await expect(page.locator("#listed-hint")).toBeHidden();
  await page.locator(".lobby-body").evaluate((body) => body.scrollTo(0, 0));
  await attachScreenshot(page, testInfo, "directory-empty-1366x768");

  // A room in the list, picked before a name is typed: the name field says why nothing happened.
  await page.unroute(`**${DIRECTORY_PATH}`);
  await page.route(`**${DIRECTORY_PATH}`, (route) =>
    route.fulfill({ json: { rooms: [{ room: "someone-else", imageId: "alpine-dusk", pieces: 100, placed: 50, players: 3, watchers: 2, mode: "stateful", completed: false, updatedAtMs: 1 }], ttlMs: 60_000 } }),
  );
  await page.reload();
  await expect(page.locator('.directory-room[data-room="someone-else"]')).toContainText("100 pieces · 50% placed");
  await page.fill("#name", "");
  await page.click('.directory-room[data-room="someone-else"] .directory-join');
  await expect(page.locator("#name-hint")).toHaveText("Type a name with at least one visible character.");
  await expect(page.locator("#lobby")).toBeVisible();
});
