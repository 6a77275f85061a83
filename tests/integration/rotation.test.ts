/**
 * Rotation through the real runtime: a 9-piece puzzle whose pieces start turned
 * is solved over real sockets by two players who turn each piece upright and
 * place it, each seeing the other's turns; bad rotations get typed rejections;
 * and the load script's solve players turn pieces with nothing lost in the
 * stateful room.
 */
import { execFile } from "node:child_process";
import { join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { judgeRun } from "../../testkit/judge.ts";
import { solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { joinRoom, roomState, roomSummary, wirePieces } from "../../testkit/room-fixture.ts";
import type { LoadResult } from "../../scripts/lib/load-run.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NINE_TURNED: PuzzleOptions = { imageId: "test", imageWidth: 900, imageHeight: 900, pieceCount: 9, seed: 15, rotation: true };

let server: PartykitDev;
const clients: ProtocolClient[] = [];

beforeAll(async () => {
  server = await startPartykitDev();
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
});

async function join(room: string, name: string, create?: PuzzleOptions): Promise<ProtocolClient> {
  const client = await joinRoom(server, room, name, create ? { create } : {});
  clients.push(client);
  return client;
}

describe("rotation over real sockets", () => {
  test("two players solve a 9-piece puzzle whose pieces start turned, each seeing the other's turns", async () => {
    const room = "turned-nine";
    const ada = await join(room, "Ada", NINE_TURNED);
    const bob = await join(room, "Bob");
    const spec = ada.replica!.puzzle.spec;
    expect(spec.rotation).toBe(true);
    expect((await roomSummary(server, room)).rotation).toBe(true);
    const turned = ada.replica!.puzzle.pieces.map((piece, id) => ({ id, rotation: piece.rotation })).filter((piece) => piece.rotation !== 0);
    expect(turned.length).toBeGreaterThan(3);

    // A turned piece dropped right on its spot does not lock.
    const first = turned[0]!;
    const home = solvedPosition(spec, first.id);
    await ada.answered(ada.act({ type: "grab", pieceId: first.id }));
    const unlocked = await ada.answered(ada.act({ type: "drop", pieceId: first.id, ...home }));
    expect(unlocked.ackedAtMs).toBeDefined();
    expect((await roomState(server, room)).snapshot.pieces[first.id]![3]).toBe(0);

    for (let id = 0; id < 9; id++) {
      const [player, other] = id % 2 === 0 ? [ada, bob] : [bob, ada];
      const rotation = player.replica!.puzzle.pieces[id]!.rotation;
      const grab = await player.answered(player.act({ type: "grab", pieceId: id }));
      expect(grab.ackedAtMs, `grab of ${id}`).toBeDefined();
      if (rotation !== 0) {
        // Turned the long way first when it is a quarter off, so both directions cross the wire.
        if (rotation === 3) expect((await player.answered(player.act({ type: "rotate", pieceId: id, rotation: 2 }))).ackedAtMs).toBeDefined();
        const upright = await player.answered(player.act({ type: "rotate", pieceId: id, rotation: 0 }));
        expect(upright.ackedAtMs, `turn of ${id}`).toBeDefined();
        await other.until(() => other.replica!.puzzle.pieces[id]!.rotation === 0);
      }
      const dropped = await player.answered(player.act({ type: "drop", pieceId: id, ...solvedPosition(spec, id) }));
      expect(dropped.ackedAtMs, `drop of ${id}`).toBeDefined();
      await other.until(() => other.replica!.puzzle.pieces[id]!.locked);
    }

    const { snapshot, ...summary } = await roomState(server, room);
    expect(summary).toMatchObject({ pieces: 9, placed: 9, rotation: true });
    expect(summary.completedAtMs).not.toBeNull();
    expect(snapshot.pieces.every((piece) => piece.length === 4 && piece[3] === 1)).toBe(true);
    for (const client of [ada, bob]) {
      await client.until(() => client.replica!.puzzle.completedAtMs !== null);
      expect(wirePieces(client)).toEqual(snapshot.pieces);
    }
    const judgement = judgeRun("stateful", [{ name: room, clients: [ada, bob], final: snapshot }]);
    expect(judgement.actions.byType.rotate).toBeGreaterThan(0);
    expect(judgement.lostMoves.judged).toBe(9);
    expect(judgement.lostMoves.lost).toBe(0);
    expect(judgement.desyncPerClient).toEqual([0, 0]);
  });

  test("a bad rotation, a piece someone else holds and a room without rotation each get a typed rejection that changes nothing", async () => {
    const room = "turn-refusals";
    const ada = await join(room, "Ada", NINE_TURNED);
    const bob = await join(room, "Bob");
    await ada.answered(ada.act({ type: "grab", pieceId: 4 }));
    const before = await roomState(server, room);
    const refused = await Promise.all([
      ada.answered(ada.act({ type: "rotate", pieceId: 4, rotation: 4 })),
      ada.answered(ada.act({ type: "rotate", pieceId: 4, rotation: 1.5 })),
      ada.answered(ada.act({ type: "rotate", pieceId: 4, rotation: -1 })),
      bob.answered(bob.act({ type: "rotate", pieceId: 4, rotation: 1 })),
    ]);
    expect(refused.map((record) => record.rejected)).toEqual(["bad-rotation", "bad-rotation", "bad-rotation", "held-by-other"]);
    const after = await roomState(server, room);
    expect(after.snapshot.pieces).toEqual(before.snapshot.pieces);
    expect(after.version).toBe(before.version);

    const plain = "no-turns";
    const cy = await join(plain, "Cy", { ...NINE_TURNED, rotation: false });
    expect((await roomSummary(server, plain)).rotation).toBe(false);
    await cy.answered(cy.act({ type: "grab", pieceId: 0 }));
    expect((await cy.answered(cy.act({ type: "rotate", pieceId: 0, rotation: 1 }))).rejected).toBe("rotation-off");
    expect((await roomState(server, plain)).snapshot.pieces.every((piece) => piece.length === 4)).toBe(true);
  });
});

describe("the load script with rotation", () => {
  test("solve players turn pieces: the stateful room loses none of it, the naive stateless one does", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const args = [joinPath(ROOT, "scripts/load.ts"), "--mode", "stateful,stateless", "--rotation", "--players", "8", "--rate", "20", "--duration", "4", "--pieces", "64", "--contention", "0.3", "--seed", "9", "--json"];
      execFile(joinPath(ROOT, "node_modules/.bin/tsx"), args, { cwd: ROOT, maxBuffer: 64 * 2 ** 20, timeout: 110_000 }, (error, out, err) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: out, stderr: err });
      });
    });
    expect(code, stderr).toBe(0);
    const [stateful, stateless] = (JSON.parse(stdout) as LoadResult).runs;
    expect(stateful!.actions.byType.rotate).toBeGreaterThan(10);
    expect(stateful!.lostMoves.judgedPieces).toBeGreaterThan(0);
    expect(stateful!.lostMoves.lost).toBe(0);
    expect(stateful!.desync.clientsDesynced).toBe(0);
    expect(stateless!.actions.byType.rotate).toBeGreaterThan(10);
    expect(stateless!.lostMoves.lost).toBeGreaterThan(0);
  }, 120_000);
});
