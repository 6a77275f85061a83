/**
 * A full room refuses the next player with a reason the player can read, and the
 * page stops retrying instead of hammering the room.
 */
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { DEFAULT_MAX_PLAYERS } from "../../party/common/settings.ts";
import { attachScreenshot, expect, test } from "./helpers.ts";

test("joining a full room shows why, and stays refused", async ({ newPlayer }, testInfo) => {
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
    await expect(page.locator("#lobby-error")).toContainText("room is full");
    expect(new URL(page.url()).search).toBe("");
    await attachScreenshot(page, testInfo, "room-full");
  } finally {
    for (const player of players) player.close();
  }
});
