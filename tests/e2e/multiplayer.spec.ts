/**
 * Two players in two browser contexts, in one room joined by link, playing with
 * the real mouse; every assertion reads `window.__puzzle`.
 */
import type { Page, WebSocketRoute } from "@playwright/test";
import { attachScreenshot, createRoom, dragBy, dragHome, grabPoint, joinByLink, reachableLoosePiece, expect, test, waitForGame } from "./helpers.ts";

async function twoPlayers(newPlayer: () => Promise<Page>, pieces: number): Promise<{ a: Page; b: Page; link: string }> {
  const a = await newPlayer();
  const b = await newPlayer();
  const link = await createRoom(a, { name: "Ada", pieces });
  expect(link).toMatch(/\?room=[a-z0-9]+&mode=stateful$/);
  await joinByLink(b, link, "Bob");
  return { a, b, link };
}

test("B sees A drag a piece with the mouse, and A's cursor", async ({ newPlayer }, testInfo) => {
  const { a, b } = await twoPlayers(newPlayer, 24);
  expect(await a.evaluate(() => window.__puzzle!.room)).toBe(await b.evaluate(() => window.__puzzle!.room));
  await expect.poll(() => b.evaluate(() => window.__puzzle!.players().map((player) => player.name).sort())).toEqual(["Ada", "Bob"]);

  const aId = await a.evaluate(() => window.__puzzle!.myId());
  const id = await reachableLoosePiece(a);
  const before = await b.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id);
  // Drag towards the centre of the screen so the rules never clamp the move.
  const start = (await grabPoint(a, id))!;
  const by = { x: (640 - start.x) / 2, y: (400 - start.y) / 2 };
  await dragBy(a, id, by);
  const expected = await a.evaluate((pieceId) => window.__puzzle!.pieces()[pieceId]!, id);
  expect(Math.hypot(expected.x - before.x, expected.y - before.y)).toBeGreaterThan(20);

  await expect.poll(() => b.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id)).toMatchObject({ x: expected.x, y: expected.y, group: expected.group });
  await expect.poll(() => a.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id)).toMatchObject({ x: expected.x, y: expected.y });

  await a.mouse.move(300, 300, { steps: 5 });
  await a.mouse.move(340, 320, { steps: 5 });
  await expect.poll(() => b.evaluate((playerId) => window.__puzzle!.cursors().some((cursor) => cursor.playerId === playerId), aId)).toBe(true);
  await attachScreenshot(b, testInfo, "player-b-sees-a");
  await attachScreenshot(a, testInfo, "player-a");
});

test("two players solve a 4-piece puzzle with the mouse and both see the finish", async ({ newPlayer }, testInfo) => {
  const { a, b } = await twoPlayers(newPlayer, 4);
  expect(await a.evaluate(() => window.__puzzle!.pieceCount())).toBe(4);
  for (let index = 0; index < 8; index++) {
    const page = index % 2 === 0 ? a : b;
    // Each player places a loose piece the mouse can reach (pieces may start stacked).
    const id = await reachableLoosePiece(page);
    if (id < 0) break;
    await dragHome(page, id);
    await expect.poll(() => page.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, id), { message: `piece ${id} (step ${index}) locks` }).toBe(true);
  }
  for (const page of [a, b]) {
    await expect.poll(() => page.evaluate(() => window.__puzzle!.completed())).toBe(true);
    expect(await page.evaluate(() => window.__puzzle!.progress())).toEqual({ placed: 4, total: 4 });
    await expect(page.locator("#finish")).toBeVisible();
  }
  const placed = await b.evaluate(() => window.__puzzle!.players().reduce((sum, player) => sum + player.placed, 0));
  expect(placed).toBe(4);
  // The stateful room loses nothing: checked against its authoritative state.
  for (const page of [a, b]) {
    await expect.poll(() => page.evaluate(() => window.__puzzle!.stats().integrityChecks)).toBeGreaterThan(1);
    expect(await page.evaluate(() => [window.__puzzle!.lostMoves(), window.__puzzle!.desyncedPieces()])).toEqual([0, 0]);
  }
  await attachScreenshot(a, testInfo, "finish-player-a");
  await attachScreenshot(b, testInfo, "finish-player-b");
});

test("a reload mid-game restores the same player and the same state", async ({ newPlayer }, testInfo) => {
  const { a, b } = await twoPlayers(newPlayer, 12);
  const id = await reachableLoosePiece(a);
  await dragHome(a, id);
  await expect.poll(() => a.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!.locked, id)).toBe(true);
  const other = await reachableLoosePiece(b, [id]);
  const start = (await grabPoint(b, other))!;
  await dragBy(b, other, { x: (640 - start.x) / 3, y: (400 - start.y) / 3 });
  await expect.poll(() => a.evaluate(() => window.__puzzle!.pendingActions())).toBe(0);
  await expect.poll(() => b.evaluate(() => window.__puzzle!.pendingActions())).toBe(0);

  const myId = await a.evaluate(() => window.__puzzle!.myId());
  const before = await b.evaluate(() => window.__puzzle!.confirmedPieces());
  await a.reload();
  await waitForGame(a);
  expect(await a.evaluate(() => window.__puzzle!.myId())).toBe(myId);
  expect(await a.evaluate(() => window.__puzzle!.confirmedPieces())).toEqual(before);
  expect(await a.evaluate(() => window.__puzzle!.progress().placed)).toBe(1);
  // The other player saw the same player come back, not a new one.
  await expect.poll(() => b.evaluate(() => window.__puzzle!.players().length)).toBe(2);
  await attachScreenshot(a, testInfo, "after-reload");
});

test("a link to a room with no puzzle says so and leads back to creating one", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer();
  await page.goto("/?room=nosuchroom1&mode=stateful");
  await page.fill("#name", "Cleo");
  await page.click("#start");
  await expect(page.locator("#lobby-error")).toContainText("no puzzle");
  await expect(page.locator("#start")).toHaveText("Create room");
  expect(new URL(page.url()).search).toBe("");
  await attachScreenshot(page, testInfo, "no-such-room");
});

test("losing the network shows the reconnecting banner, and the player resumes as themselves", async ({ newPlayer }, testInfo) => {
  const a = await newPlayer();
  const b = await newPlayer();
  // A's sockets go through a route the test controls: pass-through until the "network" drops.
  let online = true;
  const routes: WebSocketRoute[] = [];
  await a.routeWebSocket(/\/parties\//, (route) => {
    if (!online) return route.close({ code: 1006, reason: "network down" });
    routes.push(route);
    route.connectToServer();
  });
  const link = await createRoom(a, { name: "Ada", pieces: 12 });
  await joinByLink(b, link, "Bob");
  const myId = await a.evaluate(() => window.__puzzle!.myId());

  online = false;
  for (const route of routes) await route.close({ code: 1006, reason: "network down" });
  await expect.poll(() => a.evaluate(() => window.__puzzle!.status())).toBe("reconnecting");
  await expect(a.locator("#banner")).toContainText("reconnecting");
  await attachScreenshot(a, testInfo, "reconnecting");
  // Meanwhile B moves a piece: A must catch up from a fresh snapshot.
  const id = await reachableLoosePiece(b);
  const start = (await grabPoint(b, id))!;
  await dragBy(b, id, { x: (640 - start.x) / 3, y: (400 - start.y) / 3 });
  await expect.poll(() => b.evaluate(() => window.__puzzle!.pendingActions())).toBe(0);
  const moved = await b.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id);

  online = true;
  await expect.poll(() => a.evaluate(() => window.__puzzle!.status()), { timeout: 30_000 }).toBe("open");
  await expect(a.locator("#banner")).toBeHidden();
  expect(await a.evaluate(() => window.__puzzle!.myId())).toBe(myId);
  await expect.poll(() => a.evaluate((pieceId) => window.__puzzle!.confirmedPieces()[pieceId]!, id)).toEqual(moved);
  expect(await b.evaluate(() => window.__puzzle!.players().length)).toBe(2);
});
