/**
 * Host controls and private rooms in the browser (issue 14): the host jumps to
 * the other player's cursor, kicks them, and the kicked browser shows the
 * reason; the host bans a watcher from its chat line, on a laptop and on a
 * phone; a private room's invite link carries its password, and a link without
 * it gets the lobby's password prompt. Screenshots at 1366x768 and at 390x844
 * (touch, DPR 3) with the host controls visible.
 */
import type { Page } from "@playwright/test";
import { attachScreenshot, createRoom, joinByLink, waitForGame, expect, test } from "./helpers.ts";

const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };

test("the host jumps to a player's cursor and kicks them; the kicked browser shows the reason", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(DESKTOP);
  const guest = await newPlayer(DESKTOP);
  const link = await createRoom(host, { name: "Hana", pieces: 24 });
  await joinByLink(guest, link, "Gus");
  await expect.poll(() => host.evaluate(() => window.__puzzle!.players().map((player) => player.name).sort())).toEqual(["Gus", "Hana"]);

  // The guest's cursor over the table, away from the middle of the host's view.
  for (let step = 0; step < 10; step++) await guest.mouse.move(300 + step * 5, 560 + step * 3);
  const guestRow = host.locator("#player-list li", { hasText: "Gus" });
  await expect(guestRow.locator(".host-action.kick")).toBeVisible();
  await expect(guest.locator("#player-list .host-action")).toHaveCount(0);
  await expect(guest.locator("#host-toggle")).toBeHidden();
  const before = await host.evaluate(() => window.__puzzle!.camera());
  await expect.poll(async () => {
    await guest.mouse.move(310 + Math.random() * 10, 570);
    await guestRow.locator("button.name").click();
    const after = await host.evaluate(() => window.__puzzle!.camera());
    return Math.hypot(after.scrollX - before.scrollX, after.scrollY - before.scrollY) > 20;
  }).toBe(true);

  await host.click("#host-toggle");
  await expect(host.locator("#host-menu")).toBeVisible();
  await attachScreenshot(host, testInfo, "host-controls-1366x768");

  host.once("dialog", (dialog) => void dialog.accept("time for a break"));
  await guestRow.locator(".host-action.kick").click();
  await expect(guest.locator("#banner")).toContainText("removed by the host: time for a break");
  await expect.poll(() => host.evaluate(() => window.__puzzle!.players().find((player) => player.name === "Gus")?.connected)).toBe(false);
  await attachScreenshot(guest, testInfo, "kicked-1366x768");
});

test("on a phone the host's controls fit", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(PHONE);
  const guest = await newPlayer(DESKTOP);
  const link = await createRoom(host, { name: "Hana", pieces: 24 });
  await joinByLink(guest, link, "Gus");
  await host.locator("#players-toggle").tap();
  await expect(host.locator("#player-list li", { hasText: "Gus" }).locator(".host-action.ban")).toBeVisible();
  await host.locator("#host-toggle").tap();
  await expect(host.locator("#host-menu")).toBeVisible();
  for (const selector of ["#players", "#host-menu", "#host-toggle", "#player-list .host-action.kick", "#host-restart"]) {
    const box = (await host.locator(selector).first().boundingBox())!;
    expect(box.x, selector).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, selector).toBeLessThanOrEqual(390);
    expect(box.y + box.height, selector).toBeLessThanOrEqual(844);
  }
  await attachScreenshot(host, testInfo, "host-controls-390x844");
});

/** A watcher of `link` who says `line` in the chat; the host's page shows it. */
async function watcherSays(host: Page, watcher: Page, link: string, line: string): Promise<void> {
  await joinByLink(watcher, `${link}&watch=1`, "Rude");
  expect(await watcher.evaluate(() => window.__puzzle!.role())).toBe("watcher");
  if (!(await watcher.locator("#chat").isVisible())) await watcher.locator("#chat-toggle").click();
  await watcher.fill("#chat-input", line);
  await watcher.press("#chat-input", "Enter");
  await expect(host.locator("#chat-lines li", { hasText: line })).toHaveCount(1);
}

test("the host bans a watcher from its chat line; nobody else sees the ban, and the watcher's browser says why", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(DESKTOP);
  const link = await createRoom(host, { name: "Hana", pieces: 24 });
  const guest = await newPlayer(DESKTOP);
  await joinByLink(guest, link, "Gus");
  const watcher = await newPlayer(DESKTOP);
  await watcherSays(host, watcher, link, "spam spam spam");
  const line = host.locator("#chat-lines li", { hasText: "spam spam spam" });
  await expect(line.locator(".ban")).toHaveCount(1);
  await expect(guest.locator("#chat-lines li", { hasText: "spam spam spam" })).toHaveCount(1);
  await expect(guest.locator("#chat-lines .ban")).toHaveCount(0);
  await expect(watcher.locator("#chat-lines .ban")).toHaveCount(0);
  await line.hover();
  await attachScreenshot(host, testInfo, "host-bans-watcher-1366x768");

  host.once("dialog", (dialog) => void dialog.accept("no spam"));
  await line.locator(".ban").click();
  await expect(watcher.locator("#banner")).toContainText("banned by the host: no spam");
  await expect(watcher.locator("#take-seat")).toBeHidden();
  await expect(host.locator("#audience-counts")).toHaveText("2 playing, 0 watching", { timeout: 15_000 });
  await attachScreenshot(watcher, testInfo, "watcher-banned-1366x768");
});

test("on a phone the host bans a watcher from the chat drawer", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(PHONE);
  const link = await createRoom(host, { name: "Hana", pieces: 24 });
  await host.locator("#chat-toggle").tap();
  const watcher = await newPlayer(DESKTOP);
  await watcherSays(host, watcher, link, "hello from the stands");
  const ban = host.locator("#chat-lines li", { hasText: "hello from the stands" }).locator(".ban");
  const box = (await ban.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(box.y + box.height).toBeLessThanOrEqual(844);
  await attachScreenshot(host, testInfo, "host-bans-watcher-390x844");
  host.once("dialog", (dialog) => void dialog.accept(""));
  await ban.tap();
  await expect(watcher.locator("#banner")).toContainText("the host banned you from this room");
});

test("a private room: the invite link carries the password, a link without it asks for it", async ({ newPlayer }, testInfo) => {
  const host = await newPlayer(DESKTOP);
  await host.goto("/");
  await host.fill("#name", "Hana");
  await host.fill("#create-password", "open sesame");
  await host.click("#start");
  await waitForGame(host);
  const link = host.url();
  expect(new URL(link).hash).toBe("#pw=open+sesame");
  await expect.poll(() => host.evaluate(() => window.__puzzle!.players().length)).toBe(1);

  // With the link's fragment: straight in.
  const friend = await newPlayer(DESKTOP);
  await joinByLink(friend, link, "Fay");

  // Without it: the room refuses, and the lobby asks for the password with the room's sentence.
  const stranger = await newPlayer(DESKTOP);
  const bare = new URL(link);
  bare.hash = "";
  await stranger.goto(bare.toString());
  await stranger.fill("#name", "Sam");
  await stranger.click("#start");
  await expect(stranger.locator("#join-password-field")).toBeVisible({ timeout: 30_000 });
  await expect(stranger.locator("#join-password-hint")).toContainText("enter its password");
  await stranger.fill("#join-password", "wrong");
  await stranger.click("#start");
  await expect(stranger.locator("#join-password-hint")).toContainText("not this room's password", { timeout: 30_000 });
  await attachScreenshot(stranger, testInfo, "password-prompt-1366x768");
  await stranger.fill("#join-password", "open sesame");
  await stranger.click("#start");
  await waitForGame(stranger);
  await expect.poll(() => host.evaluate(() => window.__puzzle!.players().filter((player) => player.connected).length)).toBe(3);
});
