/**
 * Chat and marks (issue 14) in two real browsers: a laptop (1366x768) and a
 * phone (390x844, touch, DPR 3). They talk through the panel with the keys
 * (the game's shortcuts do not fire while typing), markup arrives as text,
 * the folded panel counts unread lines, each marks the table (X at the mouse,
 * a long press of a finger) and the other sees the mark at that table spot
 * (asserted through the test hook, not pixels); a mute holds across a reload,
 * which brings the room's history back. Screenshots with the panel open on both.
 */
import type { Page } from "@playwright/test";
import { attachScreenshot, createRoom, expect, joinByLink, test } from "./helpers.ts";

/** A table point (table px) whose page point is on the canvas of `page`, and that page point (whole CSS px). */
async function tableSpot(page: Page, wantEmpty: boolean): Promise<{ table: { x: number; y: number }; page: { x: number; y: number } }> {
  const spot = await page.evaluate((empty) => {
    const hook = window.__puzzle!;
    const canvas = document.querySelector("#game canvas");
    const zoom = hook.zoom();
    const rect = canvas!.getBoundingClientRect();
    for (let fy = 0.3; fy <= 0.8; fy += 0.05) {
      for (let fx = 0.15; fx <= 0.7; fx += 0.05) {
        const pageX = Math.round(rect.left + rect.width * fx);
        const pageY = Math.round(rect.top + rect.height * fy);
        if (document.elementFromPoint(pageX, pageY) !== canvas) continue;
        if (empty && hook.pieceAtPage(pageX, pageY) !== -1) continue;
        // The table point under that page point, found from tableToPage at two points (the view is a scale and a shift).
        const origin = hook.tableToPage(0, 0);
        const table = { x: (pageX - origin.x) / zoom, y: (pageY - origin.y) / zoom };
        if (table.x < 0 || table.y < 0) continue;
        return { table, page: { x: pageX, y: pageY } };
      }
    }
    return null;
  }, wantEmpty);
  if (!spot) throw new Error("no spot of the table is free to mark");
  return spot;
}

/**
 * The first mark of `from` that `page` received and drew: its kind, where the
 * store holds it and where the table drew it (table px). Read from the page's
 * history of marks, so a loaded machine that looks after the mark faded still sees it.
 */
async function drawnMarkOf(page: Page, from: string): Promise<{ kind: string; held: { x: number; y: number }; drawn: { x: number; y: number } }> {
  const seen = () =>
    page.evaluate((id) => {
      const history = window.__puzzle!.markHistory();
      const held = history.received.find((mark) => mark.from === id);
      const drawn = history.drawn.find((mark) => mark.from === id);
      return held && drawn ? { kind: held.kind, held: { x: held.x, y: held.y }, drawn: { x: drawn.x, y: drawn.y } } : null;
    }, from);
  await expect.poll(seen, { message: `a mark of ${from} received and drawn` }).not.toBeNull();
  return (await seen())!;
}

/** How far (table px) a mark may land from the spot aimed at: a CSS px of rounding either way, at this zoom. */
async function tolerance(page: Page): Promise<number> {
  return 1.5 / (await page.evaluate(() => window.__puzzle!.zoom())) + 1;
}

/**
 * `viewer` received a mark of `marker`'s, of `kind`, at the table spot `aimed` (within a CSS px
 * of rounding at `marker`'s zoom), and draws it where its store holds it.
 */
async function expectMarkSeen(viewer: Page, marker: Page, markerId: string, kind: string, aimed: { x: number; y: number }): Promise<void> {
  const slack = await tolerance(marker);
  const seen = await drawnMarkOf(viewer, markerId);
  expect(seen.kind).toBe(kind);
  expect(Math.abs(seen.held.x - aimed.x)).toBeLessThanOrEqual(slack);
  expect(Math.abs(seen.held.y - aimed.y)).toBeLessThanOrEqual(slack);
  expect(seen.drawn).toEqual(seen.held);
}

test("two browsers chat, mark the table and see each other's marks at that spot", async ({ newPlayer }, testInfo) => {
  const ann = await newPlayer({ viewport: { width: 1366, height: 768 } });
  const link = await createRoom(ann, { name: "Ann", pieces: 12 });
  const bob = await newPlayer({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, hasTouch: true, isMobile: true });
  await joinByLink(bob, link, "Bob");

  // The laptop opens with the panel open, the phone with it folded.
  await expect(ann.locator("#chat")).toBeVisible();
  await expect(bob.locator("#chat")).toBeHidden();

  // Enter puts the cursor in the field; typing F, G, + or Space there moves nothing.
  const camera = await ann.evaluate(() => window.__puzzle!.camera());
  await ann.keyboard.press("Enter");
  await expect(ann.locator("#chat-input")).toBeFocused();
  await ann.keyboard.type("hello <b>Bob</b> fg+ - wasd");
  expect(await ann.evaluate(() => window.__puzzle!.camera())).toEqual(camera);
  await expect(ann.locator('[data-action="ghost"]')).toHaveAttribute("aria-pressed", "false");
  await ann.keyboard.press("Enter");
  await expect(ann.locator("#chat-input")).toHaveValue("");
  await ann.keyboard.press("Escape");
  await expect(ann.locator("#chat-input")).not.toBeFocused();

  // The phone's folded panel counts the line; markup arrived as the text it is.
  await expect(bob.locator("#chat-unread")).toHaveText("1");
  await bob.locator("#chat-toggle").tap();
  await expect(bob.locator("#chat")).toBeVisible();
  await expect(bob.locator("#chat-unread")).toBeHidden();
  await expect(bob.locator("#chat-lines li .text").first()).toHaveText("hello <b>Bob</b> fg+ - wasd");
  expect(await bob.locator("#chat-lines b").count()).toBe(0);
  await bob.fill("#chat-input", "hi Ann, look here");
  await bob.press("#chat-input", "Enter");
  await expect.poll(() => ann.evaluate(() => window.__puzzle!.chat().lines.map((line) => `${line.name}: ${line.text}`))).toEqual(["Ann: hello <b>Bob</b> fg+ - wasd", "Bob: hi Ann, look here"]);
  await bob.locator("#chat-input").blur();

  // Ann marks the table with X at the mouse; Bob sees it there, in Ann's colour.
  const annId = await ann.evaluate(() => window.__puzzle!.myId());
  const aimed = await tableSpot(ann, false);
  await ann.mouse.move(aimed.page.x, aimed.page.y);
  await ann.keyboard.press("x");
  // Ann's own mark shows on her table at once: the laptop's screenshot, panel open.
  await ann.waitForFunction(() => window.__puzzle!.drawnMarks().length > 0);
  await attachScreenshot(ann, testInfo, "chat-1366x768");
  // Read in the page, on its frames: a mark shows for a few seconds, and a loaded machine answers slowly.
  await expectMarkSeen(bob, ann, annId, "look", aimed.table);
  // On the phone Ann's name tag (her cursor is on the mark) keeps clear of the mark's name.
  const apart = await bob.waitForFunction((id) => {
    const hook = window.__puzzle!;
    const tag = hook.cursorTags().find((candidate) => candidate.playerId === id);
    const areas = hook.markAreas();
    if (!tag || areas.length === 0) return null;
    return { tag, areas, overlapping: areas.some((area) => tag.left < area.right && area.left < tag.right && tag.top < area.bottom && area.top < tag.bottom) };
  }, annId);
  const seen = (await apart.jsonValue())!;
  expect(seen.overlapping, JSON.stringify(seen)).toBe(false);
  await attachScreenshot(bob, testInfo, "mark-and-name-tag-390x844");

  // Bob picks an emote and marks with a long press of a finger on the empty table; Ann sees it there.
  const bobId = await bob.evaluate(() => window.__puzzle!.myId());
  await bob.locator('.mark-kinds [data-kind="heart"]').tap();
  const pressed = await tableSpot(bob, true);
  const touch = await bob.context().newCDPSession(bob);
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ ...pressed.page, id: 1 }] });
  await bob.waitForTimeout(900);
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await touch.detach();
  await bob.waitForFunction(() => window.__puzzle!.drawnMarks().length > 0);
  await attachScreenshot(bob, testInfo, "chat-390x844");
  await expectMarkSeen(ann, bob, bobId, "heart", pressed.table);

  // A mark is gone a few seconds later.
  await expect.poll(() => bob.evaluate(() => window.__puzzle!.drawnMarks().length), { timeout: 15_000 }).toBe(0);

  // Bob mutes Ann: her lines are hidden, and stay hidden after a reload that brings the history back.
  await bob.locator(`#chat-lines li[data-from="${annId}"] .mute`).first().tap();
  await expect.poll(() => bob.evaluate(() => window.__puzzle!.chat().lines.map((line) => line.name))).toEqual(["Bob"]);
  await bob.reload();
  await expect.poll(() => bob.evaluate(() => window.__puzzle?.ready === true && window.__puzzle.status() === "open"), { timeout: 60_000 }).toBe(true);
  await expect.poll(() => bob.evaluate(() => window.__puzzle!.chat().lines.map((line) => line.text))).toEqual(["hi Ann, look here"]);
  await ann.fill("#chat-input", "can you hear me?");
  await ann.press("#chat-input", "Enter");
  await expect.poll(() => ann.evaluate(() => window.__puzzle!.chat().lines.length)).toBe(3);
  expect(await bob.evaluate(() => window.__puzzle!.chat().lines.map((line) => line.text))).toEqual(["hi Ann, look here"]);
});
