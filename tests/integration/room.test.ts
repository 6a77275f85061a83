/**
 * The stateful room through the real runtime: `partykit dev` (workerd) on its own
 * port, persistence off, and real partysocket clients.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { createPrng } from "../../shared/prng.ts";
import { CLOSE_ROOM_FULL, CLOSE_VERSION_MISMATCH, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { MEDIUM_PUZZLE, SMALL_PUZZLE, joinRoom, roomState, roomSummary, wirePieces } from "../../testkit/room-fixture.ts";

let server: PartykitDev;
const clients: ProtocolClient[] = [];

beforeAll(async () => {
  // The crowd test sends 25 moves every 10 ms per client, far past a real player's
  // pace and the default action limit (party/common/limits.ts): it measures order
  // and delivery, not the limit, so the limit is raised here.
  server = await startPartykitDev({ vars: { MAX_PLAYERS: "20", ACTIONS_PER_S: "5000", ACTION_BURST: "1000" } });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
});

async function join(room: string, name: string, create = SMALL_PUZZLE, extra = {}): Promise<ProtocolClient> {
  const client = await joinRoom(server, room, name, { create, ...extra });
  clients.push(client);
  return client;
}

describe("stateful room over real sockets", () => {
  test("two players grab the same piece at once: exactly one wins", async () => {
    for (let round = 0; round < 5; round++) {
      const room = `race-${round}`;
      const a = await join(room, "A");
      const b = await join(room, "B");
      const [grabA, grabB] = [a.act({ type: "grab", pieceId: 1 }), b.act({ type: "grab", pieceId: 1 })];
      await Promise.all([a.answered(grabA), b.answered(grabB)]);
      const winners = [grabA, grabB].filter((record) => record.ackedAtMs !== undefined);
      const losers = [grabA, grabB].filter((record) => record.rejected === "held-by-other");
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const { snapshot } = await roomState(server, room);
      const winner = grabA.ackedAtMs !== undefined ? a : b;
      expect(snapshot.holds).toEqual([[snapshot.pieces[1]![2], winner.playerId, 1]]);
    }
  });

  test("16 clients make hundreds of moves each; every view ends equal to the room, no acked move missing", async () => {
    const room = "crowd";
    const players = await Promise.all(Array.from({ length: 16 }, (_, index) => join(room, `P${index}`, MEDIUM_PUZZLE)));
    const spec = players[0]!.replica!.puzzle.spec;
    const MOVES_PER_PLAYER = 250;
    const lastMove = new Map<number, { x: number; y: number }>();
    await Promise.all(
      players.map(async (player, index) => {
        const pieceId = index * 5;
        const prng = createPrng(1000 + index);
        expect((await player.answered(player.act({ type: "grab", pieceId }))).ackedAtMs).toBeDefined();
        for (let move = 0; move < MOVES_PER_PLAYER; move++) {
          // Stay in the band above the board so no clamping changes the requested spot.
          const x = Math.round(prng() * (spec.tableWidth - 2 * spec.pieceWidth));
          const y = Math.round(prng() * (spec.boardY - 2 * spec.pieceHeight));
          player.act({ type: "move", pieceId, x, y });
          lastMove.set(pieceId, { x, y });
          if (move % 25 === 24) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await player.settled(60_000);
      }),
    );
    for (const player of players) {
      const records = [...player.sent.values()];
      expect(records.every((record) => record.ackedAtMs !== undefined)).toBe(true);
    }
    const { snapshot, actionsApplied } = await roomState(server, room);
    expect(actionsApplied).toBe(16 * (MOVES_PER_PLAYER + 1));
    for (const [pieceId, { x, y }] of lastMove) expect(snapshot.pieces[pieceId]!.slice(0, 2)).toEqual([x, y]);
    for (const player of players) {
      await player.until(() => player.replica!.puzzle.version === snapshot.version, 10_000);
      expect(wirePieces(player)).toEqual(snapshot.pieces);
    }
  });

  test("a 4-piece puzzle is solved over the wire and completion is announced to everyone", async () => {
    const room = "solve";
    const a = await join(room, "A");
    const b = await join(room, "B");
    const spec = a.replica!.puzzle.spec;
    for (const [pieceId, player] of [[0, a], [1, b], [2, a], [3, b]] as const) {
      const target = solvedPosition(spec, pieceId);
      // Drop a few pixels off: within the snap radius the room puts it in place.
      expect((await player.answered(player.act({ type: "grab", pieceId }))).ackedAtMs).toBeDefined();
      expect((await player.answered(player.act({ type: "drop", pieceId, x: target.x + 5, y: target.y - 4 }))).ackedAtMs).toBeDefined();
    }
    for (const player of [a, b]) {
      await player.until(() => player.events.some((event) => event.type === "complete"));
      expect(player.replica!.puzzle.completedAtMs).not.toBeNull();
      expect(player.replica!.puzzle.pieces.every((piece) => piece.locked)).toBe(true);
    }
    const { snapshot } = await roomState(server, room);
    expect(snapshot.completedAtMs).not.toBeNull();
    expect(snapshot.players.find((player) => player.id === a.playerId)?.placed).toBeGreaterThan(0);
    const late = await join(room, "Late");
    expect(late.replica!.puzzle.completedAtMs).toBe(snapshot.completedAtMs);
    const afterwards = await late.answered(late.act({ type: "grab", pieceId: 0 }));
    expect(afterwards.rejected).toBe("puzzle-complete");

    // The HTTP summary reports pieces, players and actions; other methods are refused.
    const summary = await roomSummary(server, room);
    expect(summary).toMatchObject({ mode: "stateful", created: true, pieces: 4, placed: 4 });
    expect(summary.actionsApplied).toBe(8);
    expect((await fetch(`${server.url}/parties/main/${room}`, { method: "DELETE" })).status).toBe(405);
  });

  test("bad input gets a typed answer, changes nothing, and the room keeps serving", async () => {
    const room = "bad-input";
    const a = await join(room, "A");
    const b = await join(room, "B");
    expect((await a.answered(a.act({ type: "grab", pieceId: 2 }))).ackedAtMs).toBeDefined();
    const before = await roomState(server, room);

    const errorCases: Array<[string, string | ArrayBuffer, string]> = [
      ["malformed JSON", "{not json", "bad-json"],
      ["binary frame", new Uint8Array([1, 2, 3]).buffer, "binary-unsupported"],
      ["unknown type", JSON.stringify({ type: "teleport", seq: 1 }), "bad-message"],
      ["non-finite coordinate", '{"type":"move","seq":1,"pieceId":2,"x":1e999,"y":0}', "bad-message"],
      ["string coordinate", JSON.stringify({ type: "move", seq: 1, pieceId: 2, x: "10", y: 0 }), "bad-message"],
      ["negative piece id", JSON.stringify({ type: "grab", seq: 1, pieceId: -1 }), "bad-message"],
      ["oversized frame", JSON.stringify({ type: "cursor", x: 1, y: 1, pad: "x".repeat(MAX_CLIENT_FRAME_BYTES) }), "too-large"],
      ["second hello", JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, name: "again" }), "already-joined"],
    ];
    for (const [label, frame, code] of errorCases) {
      const count = b.errors.length;
      b.sendRaw(frame);
      await b.until(() => b.errors.length > count);
      expect(b.errors.at(-1)?.code, label).toBe(code);
    }

    const rejectCases: Array<[string, Parameters<ProtocolClient["act"]>[0], string]> = [
      ["piece someone else holds", { type: "move", pieceId: 2, x: 10, y: 10 }, "held-by-other"],
      ["piece that does not exist", { type: "grab", pieceId: 4 }, "no-such-piece"],
      ["move without holding", { type: "move", pieceId: 3, x: 10, y: 10 }, "not-holding"],
    ];
    for (const [label, action, reason] of rejectCases) {
      expect((await b.answered(b.act(action))).rejected, label).toBe(reason);
    }
    const outOfRange = await a.answered(a.act({ type: "move", pieceId: 2, x: 1e5, y: 10 }));
    expect(outOfRange.rejected).toBe("out-of-range");

    const after = await roomState(server, room);
    expect(after.snapshot.pieces).toEqual(before.snapshot.pieces);
    expect(after.version).toBe(before.version);
    // Still serving both players.
    const spot = { x: 11, y: 12 };
    expect((await a.answered(a.act({ type: "move", pieceId: 2, ...spot }))).ackedAtMs).toBeDefined();
    await b.until(() => b.replica!.puzzle.pieces[2]!.x === spot.x && b.replica!.puzzle.pieces[2]!.y === spot.y);
  });

  test("a wrong protocol version is closed with a clear reason", async () => {
    await expect(join("version", "Old", SMALL_PUZZLE, { protocol: 0 })).rejects.toThrow(/version-mismatch|protocol 0/);
    const client = new ProtocolClient({ host: `127.0.0.1:${server.port}`, room: "version", name: "Old", protocol: 99, create: SMALL_PUZZLE });
    clients.push(client);
    await client.until(() => client.closeEvents.length > 0);
    expect(client.errors[0]?.code).toBe("version-mismatch");
    expect(client.closeEvents[0]).toMatchObject({ code: CLOSE_VERSION_MISMATCH });
    expect(client.closeEvents[0]!.reason).toContain(`server speaks ${PROTOCOL_VERSION}`);
  });

  test("the player limit refuses the next player with a clear reason", async () => {
    const room = "full";
    await Promise.all(Array.from({ length: 20 }, (_, index) => join(room, `P${index}`)));
    const extra = new ProtocolClient({ host: `127.0.0.1:${server.port}`, room, name: "one too many" });
    clients.push(extra);
    await extra.until(() => extra.closeEvents.length > 0);
    expect(extra.errors[0]?.code).toBe("room-full");
    expect(extra.closeEvents[0]).toMatchObject({ code: CLOSE_ROOM_FULL });
  });

  test("a reconnect with the token resumes the same player and releases nothing acknowledged", async () => {
    const room = "resume";
    const a = await join(room, "A");
    const moved = await a.answered(a.act({ type: "grab", pieceId: 0 }));
    expect(moved.ackedAtMs).toBeDefined();
    expect((await a.answered(a.act({ type: "drop", pieceId: 0, x: 3, y: 4 }))).ackedAtMs).toBeDefined();
    a.close();
    const again = await join(room, "A", SMALL_PUZZLE, { token: a.token });
    expect(again.playerId).toBe(a.playerId);
    expect(again.replica!.puzzle.pieces[0]).toMatchObject({ x: 3, y: 4 });
  });
});
