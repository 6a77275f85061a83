/**
 * The stateless-with-store mode in a real browser: while scripted players hammer
 * the same room through the real protocol, the player's own acknowledged moves
 * get overwritten by other functions' whole-state writes, and the HUD says so;
 * its counter opens the lost-move panel, which explains a loss from the store's
 * trace with a sequence diagram (screenshots at 1366x768 and 390x844).
 * Nothing here injects a loss: it comes from the backend's read-modify-write race.
 */
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { PARTY_FOR_MODE } from "../../shared/protocol.ts";
import { createPrng } from "../../shared/prng.ts";
import { PlayTime } from "../../testkit/scripted/play.ts";
import { solve } from "../../testkit/scripted/solve.ts";
import { aboveBoard } from "../../testkit/scripted/choices.ts";
import type { Page } from "@playwright/test";
import { attachScreenshot, createRoom, dragBy, grabPoint, expect, test } from "./helpers.ts";

const SCRIPTED_PLAYERS = 4;
const SCRIPTED_MOVE_INTERVAL_MS = 50;
const SCRIPTED_MOVES_PER_DRAG = 3;
/**
 * Scripted players pause between pieces. Without a pause, holds that stale writes
 * bring back ("ghost holds", a real symptom of this backend) soon cover every piece
 * and the browser player finds nothing to drag.
 */
const SCRIPTED_THINK_MS = 500;

/**
 * Scripted players playing `solve` without waiting for their grabs: grab a loose
 * piece, drag it a few steps towards a spot above the board, drop it there,
 * pause; repeat until stopped.
 */
function runWorkload(players: ProtocolClient[], until: PlayTime): Promise<void[]> {
  return Promise.all(
    players.map((client, index) =>
      solve(
        { client, until },
        {
          prng: createPrng(77 + index),
          rateHz: 1_000 / SCRIPTED_MOVE_INTERVAL_MS,
          thinkMs: { min: SCRIPTED_THINK_MS, max: SCRIPTED_THINK_MS },
          moves: SCRIPTED_MOVES_PER_DRAG,
          pick: { alone: false },
          destination: aboveBoard(0),
          awaitGrab: false,
          cursor: false,
        },
      ),
    ),
  );
}

/** A loose piece nobody holds, chosen at random among those the mouse can reach; -1 if none. */
async function freePiece(page: Page, prng: () => number): Promise<number> {
  const candidates = await page.evaluate(() => {
    const held = new Set(window.__puzzle!.holds().map((hold) => hold.group));
    return window.__puzzle!.pieces().filter((piece) => !piece.locked && !held.has(piece.group)).map((piece) => piece.id);
  });
  for (let tries = 0; tries < 8 && candidates.length > 0; tries++) {
    const [id] = candidates.splice(Math.floor(prng() * candidates.length), 1);
    if (id !== undefined && (await grabPoint(page, id))) return id;
  }
  return -1;
}

test("in stateless mode under a concurrent workload, the HUD reports lost moves and its panel explains one with the store's trace", async ({ newPlayer }, testInfo) => {
  test.setTimeout(180_000);
  const page = await newPlayer({ viewport: { width: 1366, height: 768 } });
  const link = await createRoom(page, { name: "Ada", pieces: 96, mode: "stateless" });
  expect(link).toContain("mode=stateless");
  expect(await page.evaluate(() => window.__puzzle!.mode())).toBe("stateless");
  await expect(page.locator("#mode-badge")).toHaveText("Stateless + store");

  const room = new URL(link).searchParams.get("room")!;
  const host = new URL(link).host;
  const players: ProtocolClient[] = [];
  for (let index = 0; index < SCRIPTED_PLAYERS; index++) {
    players.push(await ProtocolClient.join({ host, room, party: PARTY_FOR_MODE.stateless, name: `Script ${index + 1}` }));
  }
  const until = new PlayTime();
  const workload = runWorkload(players, until);
  const prng = createPrng(2024);
  try {
    // The player keeps moving pieces with the mouse until one of their acknowledged moves is gone.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await page.evaluate(() => window.__puzzle!.lostMoves())) === 0) {
      const id = await freePiece(page, prng);
      const from = id < 0 ? null : await grabPoint(page, id);
      if (!from) {
        await page.waitForTimeout(250);
        continue;
      }
      await dragBy(page, id, { x: (640 - from.x) / 3, y: (400 - from.y) / 3 }, 6);
      await page.waitForTimeout(300);
    }
    expect(await page.evaluate(() => window.__puzzle!.lostMoves())).toBeGreaterThan(0);
    // The authoritative state was really fetched and compared, not just the room's refusals counted.
    await expect.poll(() => page.evaluate(() => window.__puzzle!.stats().integrityChecks)).toBeGreaterThan(0);
    await expect(page.locator("#integrity")).toContainText(/lost moves [1-9]/);
    await expect(page.locator("#integrity")).toHaveClass(/bad/);
    await attachScreenshot(page, testInfo, "stateless-lost-moves");

    // The counter opens the lost-move panel: a lost move explained by the store's trace, drawn as a timeline.
    until.stop();
    await page.click("#integrity");
    const panel = page.locator("#lost-panel");
    await expect(panel).toBeVisible();
    const explained = panel.locator(".lost-item", { has: page.locator(".lost-diagram svg") });
    await expect(explained.first()).toBeVisible();
    await expect(explained.first().locator("p")).toContainText(/^Your (drop|grab) of piece \d+, stored as revision [\d,]+, was erased by a write .*built on revision [\d,]+, \d+ ms later/);
    // The diagram: two functions and the store, and the write that erased the move built on an older revision.
    const svg = explained.first().locator(".lost-diagram svg");
    await expect(svg).toContainText("function A");
    await expect(svg).toContainText("function B");
    await expect(svg).toContainText("store");
    await expect(svg).toContainText(/write on r[\d,]+ → r[\d,]+/);
    const seq = Number(await explained.first().getAttribute("data-seq"));
    expect((await page.evaluate(() => window.__puzzle!.latestLost())).map((lost) => lost.seq)).toContain(seq);
    await explained.first().locator(".lost-show").click();
    await expect(explained.first().locator(".lost-show")).toHaveText("Hide on table");
    await attachScreenshot(page, testInfo, "stateless-lost-move-panel-1366x768");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const box = await panel.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await attachScreenshot(page, testInfo, "stateless-lost-move-panel-390x844");
  } finally {
    until.stop();
    await workload.catch(() => undefined);
    for (const player of players) player.close();
  }
});
