/**
 * Crowds through the real runtime (issue 11): 300 watchers and 8 players in one
 * room on `partykit dev`, every watcher's replica equal to the room's state at
 * the end; and a full room that offers watching, whose watcher takes the seat a
 * leaving player frees. No timing is asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { MEDIUM_PUZZLE, SMALL_PUZZLE, joinRoom, roomState, roomSummary, wirePieces } from "../../testkit/room-fixture.ts";
import { createPrng } from "../../shared/prng.ts";

let server: PartykitDev;
const clients: ProtocolClient[] = [];
const MAX_PLAYERS = 8;

beforeAll(async () => {
  server = await startPartykitDev({ vars: { MAX_PLAYERS: String(MAX_PLAYERS), MAX_WATCHERS: "400" } });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
});

async function join(room: string, name: string, extra: Parameters<typeof joinRoom>[3] = {}): Promise<ProtocolClient> {
  const client = await joinRoom(server, room, name, { create: MEDIUM_PUZZLE, keepEvents: false, ...extra });
  clients.push(client);
  return client;
}

describe("crowds over real sockets", () => {
  test("300 watchers and 8 players: every watcher's replica ends equal to the room's state", { timeout: 240_000 }, async () => {
    const room = "crowd-300";
    const players: ProtocolClient[] = [];
    for (let index = 0; index < MAX_PLAYERS; index++) players.push(await join(room, `P${index}`));
    const watchers: ProtocolClient[] = [];
    // In waves, as the room lets at most MAX_CONNECTING_SOCKETS wait for their hello.
    for (let wave = 0; wave < 300; wave += 50) watchers.push(...(await Promise.all(Array.from({ length: 50 }, (_, index) => join(room, `W${wave + index}`, { role: "watcher" })))));
    expect(watchers.every((watcher) => watcher.role === "watcher")).toBe(true);
    expect(await roomSummary(server, room)).toMatchObject({ connected: MAX_PLAYERS, watchers: 300 });

    const spec = players[0]!.replica!.puzzle.spec;
    await Promise.all(
      players.map(async (player, index) => {
        const prng = createPrng(500 + index);
        const pieceId = index * 7;
        await player.answered(player.act({ type: "grab", pieceId }));
        for (let step = 0; step < 60; step++) {
          player.act({ type: "move", pieceId, x: Math.floor(prng() * spec.tableWidth), y: Math.floor(prng() * spec.tableHeight) });
          player.cursor(Math.floor(prng() * spec.tableWidth), Math.floor(prng() * spec.tableHeight));
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        player.act({ type: "drop", pieceId, x: Math.floor(prng() * spec.tableWidth), y: Math.floor(prng() * spec.tableHeight) });
        await player.settled();
      }),
    );
    const { snapshot } = await roomState(server, room);
    for (const client of [...players, ...watchers]) await client.until(() => client.replica!.puzzle.version === snapshot.version, 60_000);
    const desynced = watchers.filter((watcher) => JSON.stringify(wirePieces(watcher)) !== JSON.stringify(snapshot.pieces));
    expect(desynced.length, "watchers whose replica differs from the room").toBe(0);
    for (const player of players) expect(wirePieces(player)).toEqual(snapshot.pieces);
    // A watcher's actions were refused, never applied.
    const watcher = watchers[0]!;
    const refused = await watcher.answered(watcher.act({ type: "grab", pieceId: 1 }));
    expect(refused.rejected).toBe("watching");
    for (const client of [...players, ...watchers]) client.close();
  });

  test("a full room offers watching, and its watcher takes the seat a leaving player frees", { timeout: 60_000 }, async () => {
    const room = "full-offers-watching";
    const players: ProtocolClient[] = [];
    for (let index = 0; index < MAX_PLAYERS; index++) players.push(await join(room, `P${index}`, { create: SMALL_PUZZLE }));
    const late = await join(room, "Late", { create: SMALL_PUZZLE, keepEvents: true });
    expect(late.role).toBe("watcher");
    expect(late.closeEvents).toEqual([]);
    late.seat();
    await late.until(() => late.errors.length > 0);
    expect(late.errors[0]).toMatchObject({ code: "room-full" });
    expect(late.role).toBe("watcher");
    players[0]!.close();
    await late.until(() => late.events.some((event) => event.type === "audience" && event.players === MAX_PLAYERS - 1), 20_000);
    late.seat();
    await late.until(() => late.role === "player", 20_000);
    const grab = await late.answered(late.act({ type: "grab", pieceId: 2 }));
    expect(grab.ackedAtMs).toBeDefined();
    expect((await roomState(server, room)).snapshot.holds).toContainEqual([expect.any(Number), late.playerId, 2]);
  });
});
