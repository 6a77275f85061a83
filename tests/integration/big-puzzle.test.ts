/**
 * A puzzle of MAX_PIECES on real `partykit dev` with persistence: created,
 * played by a few players (moves, neighbour snaps, pieces locked on the board,
 * in the first chunk and the last), every replica equal to the room, and all of
 * it still there after the process is stopped and started again on the same
 * directory. The welcome carries its pieces packed: at most about 12 bytes a piece.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { MAX_PIECES, pieceCountOf, solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { joinRoom, roomState, wirePieces } from "../../testkit/room-fixture.ts";

const BIG_PUZZLE: PuzzleOptions = { imageId: "test", imageWidth: 1920, imageHeight: 1080, pieceCount: MAX_PIECES, seed: 21 };
const persistDir = mkdtempSync(join(tmpdir(), "puzzle-rooms-big-"));
let server: PartykitDev | undefined;
afterAll(() => {
  rmSync(persistDir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

async function acked(client: ProtocolClient, action: Parameters<ProtocolClient["act"]>[0]): Promise<void> {
  const record = await client.answered(client.act(action), 20_000);
  expect(record.rejected, `${action.type} of piece ${action.pieceId}`).toBeUndefined();
}

/** Grabs `pieceId` and drops it so that its cell starts at (x, y). */
async function place(client: ProtocolClient, pieceId: number, x: number, y: number): Promise<void> {
  await acked(client, { type: "grab", pieceId });
  await acked(client, { type: "drop", pieceId, x, y });
}

async function caughtUp(players: ProtocolClient[], version: number): Promise<void> {
  for (const player of players) await player.until(() => player.replica!.puzzle.version === version, 20_000);
}

test("a puzzle of MAX_PIECES is created, played by four players and survives a restart", async () => {
  const room = "big-puzzle";
  server = await startPartykitDev({ persistDir });
  const creator = await joinRoom(server, room, "Ann", { create: BIG_PUZZLE });
  const spec = creator.replica!.puzzle.spec;
  const count = pieceCountOf(spec);
  expect(count).toBeGreaterThanOrEqual(MAX_PIECES * 0.98);
  expect(creator.replica!.puzzle.pieces).toHaveLength(count);
  // What Ann received so far is her welcome (and perhaps a first small batch).
  expect(creator.bytesReceived / count).toBeLessThanOrEqual(12);
  const others = await Promise.all(["Ben", "Cleo", "Dev"].map((name) => joinRoom(server!, room, name)));
  const players = [creator, ...others];

  const [ann, ben, cleo, dev] = players as [ProtocolClient, ProtocolClient, ProtocolClient, ProtocolClient];
  const last = count - 1;
  await Promise.all([
    // Ann locks the first row's first three pieces on the board: one locked group.
    (async () => {
      for (const id of [0, 1, 2]) await place(ann, id, solvedPosition(spec, id).x + 4, solvedPosition(spec, id).y - 3);
    })(),
    // Ben locks the last piece (the last storage chunk) and the one before it.
    (async () => {
      for (const id of [last, last - 1]) await place(ben, id, solvedPosition(spec, id).x - 5, solvedPosition(spec, id).y + 2);
    })(),
    // Cleo snaps two loose neighbours together off the board, then moves the pair.
    (async () => {
      const anchor = cleo.replica!.puzzle.pieces[2_000]!;
      await place(cleo, 2_001, anchor.x + spec.pieceWidth + 6, anchor.y + 5);
      await acked(cleo, { type: "grab", pieceId: 2_000 });
      for (let step = 1; step <= 10; step++) cleo.act({ type: "move", pieceId: 2_000, x: 40 + step * 7, y: 30 });
      await acked(cleo, { type: "drop", pieceId: 2_000, x: 120, y: 30 });
    })(),
    // Dev drags one piece about and leaves it in the band above the board.
    (async () => {
      await acked(dev, { type: "grab", pieceId: 3_333 });
      for (let step = 1; step <= 30; step++) dev.act({ type: "move", pieceId: 3_333, x: 300 + step * 11, y: 20 + step });
      await acked(dev, { type: "drop", pieceId: 3_333, x: 700, y: 40 });
    })(),
  ]);
  for (const player of players) await player.settled(20_000);

  const before = await roomState(server, room);
  const pieces = before.snapshot.pieces;
  expect(pieces).toHaveLength(count);
  for (const id of [0, 1, 2]) expect(pieces[id], `piece ${id}`).toEqual([solvedPosition(spec, id).x, solvedPosition(spec, id).y, 0, 1]);
  for (const id of [last - 1, last]) expect(pieces[id], `piece ${id}`).toEqual([solvedPosition(spec, id).x, solvedPosition(spec, id).y, last - 1, 1]);
  expect(pieces[2_001]!.slice(0, 4)).toEqual([120 + spec.pieceWidth, 30, 2_000, 0]);
  expect(pieces[2_000]!.slice(0, 4)).toEqual([120, 30, 2_000, 0]);
  expect(pieces[3_333]!.slice(0, 2)).toEqual([700, 40]);
  expect(before.placed).toBe(5);
  await caughtUp(players, before.snapshot.version);
  for (const player of players) expect(wirePieces(player), player.playerId!).toEqual(pieces);

  await server.stop("SIGTERM");
  for (const player of players) player.close();
  server = await startPartykitDev({ persistDir });
  const after = await roomState(server, room);
  expect(after.snapshot.spec).toEqual(before.snapshot.spec);
  expect(after.snapshot.pieces).toEqual(pieces);
  expect(after.version).toBe(before.version);
  expect(after.placed).toBe(5);

  // Ann resumes and locks piece 3, which joins the locked group; a newcomer's welcome equals the room.
  const resumed = await joinRoom(server, room, "Ann", { token: ann.token });
  expect(resumed.playerId).toBe(ann.playerId);
  await place(resumed, 3, solvedPosition(spec, 3).x, solvedPosition(spec, 3).y + 6);
  await resumed.settled();
  const newcomer = await joinRoom(server, room, "Eve");
  const final = await roomState(server, room);
  expect(final.snapshot.pieces[3]).toEqual([solvedPosition(spec, 3).x, solvedPosition(spec, 3).y, 0, 1]);
  expect(final.placed).toBe(6);
  expect(wirePieces(newcomer)).toEqual(final.snapshot.pieces);
  resumed.close();
  newcomer.close();
});
