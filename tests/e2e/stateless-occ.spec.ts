/**
 * The optimistic-concurrency mode in a real browser, as issue 13 found it: two
 * players drag pieces with the mouse in a `?mode=stateless-occ` room. The HUD's
 * lost-move count, the load scripts' judgement (testkit/lost-moves.ts, fed with
 * the acknowledged moves read off each page's own socket) and the stored state
 * must agree: compare-and-set loses nothing, so all three say 0.
 */
import { writeFileSync } from "node:fs";
import type { Page, WebSocket } from "@playwright/test";
import { createPrng } from "../../shared/prng.ts";
import { PARTY_FOR_MODE, parseServerFrame, type ActionMessage } from "../../shared/protocol.ts";
import { applyBatch, replicaFromSnapshot, type Replica } from "../../shared/replica.ts";
import { actedGroup } from "../../testkit/acted-group.ts";
import { RoomStateSchema, parseBody } from "../../shared/http.ts";
import { judgeLostMoves, type AcknowledgedPlacement } from "../../testkit/lost-moves.ts";
import { attachScreenshot, createRoom, dragBy, grabPoint, joinByLink, expect, test } from "./helpers.ts";

const DRAGS_PER_PLAYER = 10;
const PIECES = 24;

/** What one page's socket carried: its actions by seq and the acks and refusals it got, with when. */
interface WireLog {
  sent: Map<number, ActionMessage>;
  /** With the pieces the acked action moved along (actedGroup, as the protocol client records it). */
  acks: Map<number, { version: number; atMs: number; group: number[] }>;
  rejects: Map<number, string>;
  /** Every action, ack and refusal in the order the page saw them, for the test's attachment. */
  timeline: string[];
}

/** Reads the game socket's frames: the same record of a player's actions the load scripts keep. */
function recordWire(page: Page): WireLog {
  const log: WireLog = { sent: new Map(), acks: new Map(), rejects: new Map(), timeline: [] };
  let replica: Replica | null = null;
  page.on("websocket", (socket: WebSocket) => {
    socket.on("framesent", ({ payload }) => {
      if (typeof payload !== "string") return;
      const message = JSON.parse(payload) as { type: string; seq?: number };
      if (!["grab", "move", "drop", "rotate"].includes(message.type) || message.seq === undefined) return;
      log.sent.set(message.seq, message as ActionMessage);
      log.timeline.push(`${Date.now()} sent ${payload}`);
    });
    socket.on("framereceived", ({ payload }) => {
      if (typeof payload !== "string") return;
      // Parsed by the schema, as the client parses it: a welcome's pieces come packed.
      const parsed = parseServerFrame(payload);
      if (!parsed.ok) return;
      const message = parsed.message;
      if (message.type === "welcome") replica = replicaFromSnapshot(message.snapshot);
      if (message.type !== "batch" || !replica) return;
      log.timeline.push(`${Date.now()} got ${payload}`);
      for (const event of message.events) {
        const action = event.type === "ack" ? log.sent.get(event.seq) : undefined;
        if (event.type === "ack") log.acks.set(event.seq, { version: event.version, atMs: Date.now(), group: action ? actedGroup(replica.puzzle, action.pieceId) : [] });
        if (event.type === "reject") log.rejects.set(event.seq, event.reason);
      }
      applyBatch(replica, message);
    });
  });
  return log;
}

function placementsOf(log: WireLog, clientId: string): AcknowledgedPlacement[] {
  const placements: AcknowledgedPlacement[] = [];
  for (const [seq, action] of log.sent) {
    const ack = log.acks.get(seq);
    if (!ack || (action.type !== "move" && action.type !== "drop")) continue;
    placements.push({ type: action.type, x: action.x, y: action.y, pieceId: action.pieceId, version: ack.version, ackedAtMs: ack.atMs, clientId, group: ack.group });
  }
  return placements;
}

/** Drags random free pieces a third of the way towards the table's middle, one after another. */
async function play(page: Page, seed: number): Promise<void> {
  const prng = createPrng(seed);
  for (let drag = 0; drag < DRAGS_PER_PLAYER; drag++) {
    const candidates = await page.evaluate(() => {
      const held = new Set(window.__puzzle!.holds().map((hold) => hold.group));
      return window.__puzzle!.pieces().filter((piece) => !piece.locked && !held.has(piece.group)).map((piece) => piece.id);
    });
    let id = -1;
    let from: { x: number; y: number } | null = null;
    for (let tries = 0; tries < 8 && candidates.length > 0 && !from; tries++) {
      [id = -1] = candidates.splice(Math.floor(prng() * candidates.length), 1);
      from = await grabPoint(page, id);
    }
    if (!from) {
      await page.waitForTimeout(200);
      continue;
    }
    await dragBy(page, id, { x: (640 - from.x) / 3 + (prng() - 0.5) * 120, y: (400 - from.y) / 3 + (prng() - 0.5) * 120 }, 8);
    await page.waitForTimeout(150);
  }
}

test("in stateless-occ, two browser players: the HUD, the load scripts' judgement and the stored state agree", async ({ newPlayer }, testInfo) => {
  test.setTimeout(420_000);
  const ada = await newPlayer();
  const bob = await newPlayer();
  const adaWire = recordWire(ada);
  const bobWire = recordWire(bob);
  const link = await createRoom(ada, { name: "Ada", pieces: PIECES, mode: "stateless-occ" });
  expect(link).toContain("mode=stateless-occ");
  await joinByLink(bob, link, "Bob");

  await Promise.all([play(ada, 13), play(bob, 31)]);
  // Quiescence: every action answered, then one more integrity check on each page after that.
  const unanswered = (log: WireLog) => [...log.sent.keys()].filter((seq) => !log.acks.has(seq) && !log.rejects.has(seq)).length;
  for (const log of [adaWire, bobWire]) await expect.poll(() => unanswered(log), { timeout: 30_000 }).toBe(0);
  const checks = await Promise.all([ada, bob].map((page) => page.evaluate(() => window.__puzzle!.stats().integrityChecks ?? 0)));
  for (const [index, page] of [ada, bob].entries()) {
    await expect.poll(() => page.evaluate(() => window.__puzzle!.stats().integrityChecks ?? 0), { timeout: 20_000 }).toBeGreaterThan(checks[index]! + 1);
  }

  const room = new URL(link).searchParams.get("room")!;
  const response = await ada.request.get(`/parties/${PARTY_FOR_MODE["stateless-occ"]}/${room}?state=1`);
  const stored = parseBody(RoomStateSchema, await response.json(), "the stored state");
  expect(stored.snapshot).not.toBeNull();
  const adaId = await ada.evaluate(() => window.__puzzle!.myId());
  const bobId = await bob.evaluate(() => window.__puzzle!.myId());
  const verdict = judgeLostMoves([...placementsOf(adaWire, adaId), ...placementsOf(bobWire, bobId)], stored.snapshot!, "version");
  const hud = await Promise.all([ada, bob].map((page) => page.evaluate(() => ({ lost: window.__puzzle!.lostMoves(), desynced: window.__puzzle!.desyncedPieces() }))));
  const hudLost = await Promise.all([ada, bob].map((page) => page.evaluate(() => window.__puzzle!.latestLost())));
  const rejects = [...adaWire.rejects.values(), ...bobWire.rejects.values()];
  testInfo.annotations.push({ type: "figures", description: JSON.stringify({ verdict: { judged: verdict.judged, lost: verdict.lost }, hud, hudLost, rejects, backend: stored.backend }) });
  const wirePath = testInfo.outputPath("wire.json");
  writeFileSync(wirePath, JSON.stringify({ hud, hudLost, ada: adaWire.timeline, bob: bobWire.timeline, stored: stored.snapshot }, null, 1));
  await testInfo.attach("wire", { path: wirePath, contentType: "application/json" });
  await attachScreenshot(ada, testInfo, "stateless-occ-ada");
  await attachScreenshot(bob, testInfo, "stateless-occ-bob");

  // The judgement saw real work: most of the two players' drops were acknowledged and judged.
  const ackedDrops = [adaWire, bobWire].reduce((count, log) => count + [...log.sent].filter(([seq, action]) => action.type === "drop" && log.acks.has(seq)).length, 0);
  expect(ackedDrops).toBeGreaterThan(DRAGS_PER_PLAYER);
  expect(verdict.judged).toBeGreaterThan(PIECES / 4);
  expect(verdict.lostPieces).toEqual([]);
  // The HUD agrees: no lost move and no desync on either page, and the counter is not marked bad.
  expect(hud).toEqual([{ lost: 0, desynced: 0 }, { lost: 0, desynced: 0 }]);
  for (const page of [ada, bob]) await expect(page.locator("#integrity")).not.toHaveClass(/bad/);
  // The store took every write with compare-and-set: nothing overwrote a revision its writer had not read.
  expect(stored.backend?.store.staleWrites).toBe(0);
});
