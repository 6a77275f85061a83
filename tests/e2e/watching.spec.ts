/**
 * Watching in the browser (issue 11): a link with ?watch=1 joins as a watcher,
 * whose page shows the counts and the seat button, sees a player's moves and the
 * finish, and does nothing with its own mouse.
 */
import { attachScreenshot, createRoom, dragBy, dragHome, grabPoint, joinByLink, reachableLoosePiece, expect, test } from "./helpers.ts";

test("a watcher sees a player's move and the finish, and its own drag does nothing", async ({ newPlayer }, testInfo) => {
  const player = await newPlayer();
  const watcher = await newPlayer();
  const link = await createRoom(player, { name: "Ada", pieces: 4 });
  await joinByLink(watcher, `${link}&watch=1`, "Wes");
  expect(await watcher.evaluate(() => window.__puzzle!.role())).toBe("watcher");
  await expect(watcher.locator("#watching")).toHaveText("You are watching");
  await expect(watcher.locator("#take-seat")).toBeVisible();
  await expect(watcher.locator("#audience-counts")).toHaveText("1 playing, 1 watching");
  await expect(player.locator("#audience-counts")).toHaveText("1 playing, 1 watching");
  await expect(player.locator("#take-seat")).toBeHidden();
  // The watcher is not among the players.
  expect(await watcher.evaluate(() => window.__puzzle!.players().map((entry) => entry.name))).toEqual(["Ada"]);

  // The watcher's own drag moves nothing and sends nothing.
  const still = await reachableLoosePiece(watcher);
  const before = await watcher.evaluate((id) => window.__puzzle!.confirmedPieces()[id]!, still);
  await dragBy(watcher, still, { x: 60, y: 40 });
  expect(await watcher.evaluate((id) => window.__puzzle!.pieces()[id]!, still)).toMatchObject({ x: before.x, y: before.y });
  expect(await watcher.evaluate(() => (window.__puzzle!.stats().acked ?? 0) + (window.__puzzle!.stats().rejected ?? 0))).toBe(0);

  // The player's move reaches the watcher.
  const id = await reachableLoosePiece(player);
  const start = (await grabPoint(player, id))!;
  await dragBy(player, id, { x: (640 - start.x) / 2, y: (400 - start.y) / 2 });
  const moved = await player.evaluate((pieceId) => window.__puzzle!.pieces()[pieceId]!, id);
  await expect.poll(() => watcher.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id)).toMatchObject({ x: moved.x, y: moved.y });

  // And so does the finish.
  for (let step = 0; step < 8; step++) {
    const next = await reachableLoosePiece(player);
    if (next < 0) break;
    await dragHome(player, next);
    await expect.poll(() => player.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, next)).toBe(true);
  }
  await expect.poll(() => watcher.evaluate(() => window.__puzzle!.completed())).toBe(true);
  await expect(watcher.locator("#finish")).toBeVisible();
  await attachScreenshot(watcher, testInfo, "watcher-sees-the-finish");
});

test("the seat button turns a watcher into a player", async ({ newPlayer }, testInfo) => {
  const player = await newPlayer();
  const watcher = await newPlayer();
  const link = await createRoom(player, { name: "Ada", pieces: 12 });
  await joinByLink(watcher, `${link}&watch=1`, "Wes");
  await watcher.click("#take-seat");
  await expect.poll(() => watcher.evaluate(() => window.__puzzle!.role())).toBe("player");
  await expect(watcher.locator("#take-seat")).toBeHidden();
  await expect(player.locator("#audience-counts")).toHaveText("2 playing, 0 watching");
  await expect.poll(() => player.evaluate(() => window.__puzzle!.players().map((entry) => entry.name).sort())).toEqual(["Ada", "Wes"]);
  // It plays now: its drag is acknowledged.
  const id = await reachableLoosePiece(watcher);
  const start = (await grabPoint(watcher, id))!;
  await dragBy(watcher, id, { x: (640 - start.x) / 2, y: (400 - start.y) / 2 });
  await expect.poll(() => watcher.evaluate(() => window.__puzzle!.stats().acked ?? 0)).toBeGreaterThan(0);
  await attachScreenshot(watcher, testInfo, "seated");
});
