/**
 * A full room offers to watch instead of refusing (issue 11): the page says
 * why it watches, a seat asked for while full is refused with a notice (it goes
 * on watching), and once a player leaves the seat button makes it a player.
 */
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { DEFAULT_MAX_PLAYERS } from "../../party/common/settings.ts";
import { attachScreenshot, expect, test, waitForGame } from "./helpers.ts";

test("joining a full room watches, says why, and takes a seat once one is free", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer();
  await page.goto("/");
  const host = new URL(page.url()).host;
  const room = `full${Date.now().toString(36)}`;
  const create = { imageId: "alpine-dusk", imageWidth: 1600, imageHeight: 1000, pieceCount: 4, seed: 5 };
  // partykit.json sets MAX_PLAYERS to the room's default.
  const players: ProtocolClient[] = [];
  try {
    for (let index = 0; index < DEFAULT_MAX_PLAYERS; index++) players.push(await ProtocolClient.join({ host, room, name: `P${index}`, create }));
    await page.goto(`/?room=${room}&mode=stateful`);
    await page.fill("#name", "Late");
    await page.click("#start");
    await waitForGame(page);
    expect(await page.evaluate(() => window.__puzzle!.role())).toBe("watcher");
    await expect(page.locator("#watching")).toHaveText("The room is full: you are watching");
    await expect(page.locator("#audience-counts")).toHaveText(`${DEFAULT_MAX_PLAYERS} playing, 1 watching`);
    await page.click("#take-seat");
    await expect(page.locator("#notices")).toContainText("No seat for you yet");
    expect(await page.evaluate(() => window.__puzzle!.role())).toBe("watcher");
    // 64 names in the players panel leave the chat under it whole: its field on screen.
    const field = (await page.locator("#chat-input").boundingBox())!;
    expect(field.y + field.height).toBeLessThanOrEqual(page.viewportSize()!.height);
    await attachScreenshot(page, testInfo, "room-full-watching");
    players.pop()!.close();
    await expect(page.locator("#audience-counts")).toHaveText(`${DEFAULT_MAX_PLAYERS - 1} playing, 1 watching`);
    await page.click("#take-seat");
    await expect.poll(() => page.evaluate(() => window.__puzzle!.role())).toBe("player");
    await expect(page.locator("#watching")).toBeHidden();
    await expect(page.locator("#audience-counts")).toHaveText(`${DEFAULT_MAX_PLAYERS} playing, 0 watching`);
  } finally {
    for (const player of players) player.close();
  }
});
