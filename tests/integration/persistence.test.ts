/**
 * A room survives its process: play on `partykit dev` with a persist directory,
 * kill it (SIGTERM, then SIGKILL right after the last ack), start it again on the
 * same directory, and every acknowledged action is still there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { createPrng } from "../../shared/prng.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { MEDIUM_PUZZLE, joinRoom, roomState } from "../../testkit/room-fixture.ts";

const persistDir = mkdtempSync(join(tmpdir(), "puzzle-rooms-persist-"));
let server: PartykitDev | undefined;
afterAll(() => {
  rmSync(persistDir, { recursive: true, force: true });
});

/** Plays a burst of moves and a snapping drop; returns the acknowledged final positions. */
async function play(client: ProtocolClient, seed: number): Promise<Map<number, [number, number]>> {
  const spec = client.replica!.puzzle.spec;
  const prng = createPrng(seed);
  const expected = new Map<number, [number, number]>();
  for (let round = 0; round < 6; round++) {
    const pieceId = Math.floor(prng() * 90);
    if (client.replica!.puzzle.pieces[pieceId]!.locked) continue;
    await client.answered(client.act({ type: "grab", pieceId }));
    let record;
    for (let step = 0; step < 20; step++) {
      const x = Math.round(prng() * (spec.tableWidth - 2 * spec.pieceWidth));
      const y = Math.round(prng() * (spec.boardY - 2 * spec.pieceHeight));
      record = client.act({ type: "move", pieceId, x, y });
    }
    await client.answered(record!);
    expect(record!.ackedAtMs).toBeDefined();
    expected.set(pieceId, [(record!.action as { x: number }).x, (record!.action as { y: number }).y]);
  }
  // One piece snapped onto the board: locked state must survive too.
  const free = client.replica!.puzzle.pieces.findIndex((piece, id) => !piece.locked && !expected.has(id) && id < 90);
  const target = solvedPosition(spec, free);
  await client.answered(client.act({ type: "grab", pieceId: free }));
  const dropped = await client.answered(client.act({ type: "drop", pieceId: free, x: target.x + 3, y: target.y + 3 }));
  expect(dropped.ackedAtMs).toBeDefined();
  expected.set(free, [target.x, target.y]);
  return expected;
}

afterEach(async () => {
  // A failed case must not leave its server running into the next one.
  await server?.stop("SIGKILL");
  server = undefined;
});

test.each(["SIGTERM", "SIGKILL"] as const)("acknowledged actions survive a restart after %s", async (signal) => {
  const room = `persist-${signal.toLowerCase()}`;
  server = await startPartykitDev({ persistDir });
  const player = await joinRoom(server, room, "Keeper", { create: MEDIUM_PUZZLE });
  const expected = await play(player, signal === "SIGKILL" ? 11 : 12);
  const before = await roomState(server, room);
  // Kill immediately after the last ack: nothing gets a chance to flush later.
  await server.stop(signal);
  player.close();

  server = await startPartykitDev({ persistDir });
  const after = await roomState(server, room);
  expect(after.snapshot.spec).toEqual(before.snapshot.spec);
  for (const [pieceId, position] of expected) expect(after.snapshot.pieces[pieceId]!.slice(0, 2), `piece ${pieceId}`).toEqual(position);
  expect(after.snapshot.pieces).toEqual(before.snapshot.pieces);
  expect(after.version).toBe(before.version);

  // The same player resumes by token, and play goes on.
  const resumed = await joinRoom(server, room, "Keeper", { token: player.token });
  expect(resumed.playerId).toBe(player.playerId);
  const more = await play(resumed, 99);
  expect(more.size).toBeGreaterThan(0);
  resumed.close();
  await server.stop();
  server = undefined;
});
