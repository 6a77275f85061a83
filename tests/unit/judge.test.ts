/**
 * The judge of a scripted run (testkit/judge.ts): counts, reasons, latency,
 * wire bytes, desync and lost moves come out of the clients' records and the
 * final state once, for any number of rooms; and the scripted players' choices
 * (testkit/scripted/choices.ts) only ever take what a player may take.
 */
import { describe, expect, test } from "vitest";
import { ackOrderOf, judgeRun, type JudgedClient } from "../../testkit/judge.ts";
import type { SentAction } from "../../testkit/protocol-client.ts";
import { aboveBoard, awayFromBoard, pickFreePiece } from "../../testkit/scripted/choices.ts";
import { createPuzzle, mergeGroups, setGroupLocked } from "../../shared/puzzle-state.ts";
import { boardRect } from "../../shared/puzzle-spec.ts";
import { replicaFromSnapshot, wirePiece } from "../../shared/replica.ts";
import { createPrng } from "../../shared/prng.ts";
import type { Snapshot } from "../../shared/protocol.ts";

const PUZZLE = { imageId: "judge", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 3 };

function snapshotOf(move: (pieces: Snapshot["pieces"]) => void = () => {}): Snapshot {
  const state = createPuzzle(PUZZLE);
  const pieces = state.pieces.map(wirePiece);
  move(pieces);
  return { spec: state.spec, pieces, holds: [], players: [], version: 10, completedAtMs: null, startedAtMs: 0 };
}

function client(playerId: string, records: Array<Omit<SentAction, "seq">>, wire = { up: 0, down: 0 }, final = snapshotOf()): JudgedClient {
  return {
    playerId,
    sent: new Map(records.map((record, index) => [index + 1, { seq: index + 1, ...record }])),
    replica: replicaFromSnapshot(final),
    bytesSent: wire.up,
    bytesReceived: wire.down,
  };
}

describe("the judge", () => {
  test("counts every action and answer once, over every room", () => {
    const final = snapshotOf();
    const a = client(
      "a",
      [
        { action: { type: "grab", pieceId: 0 }, sentAtMs: 0, ackedAtMs: 4, version: 1 },
        { action: { type: "move", pieceId: 0, x: final.pieces[0]![0], y: final.pieces[0]![1] }, sentAtMs: 10, ackedAtMs: 30, version: 2, group: [0] },
        { action: { type: "drop", pieceId: 0, x: 0, y: 0 }, sentAtMs: 40, rejected: "not-holding" },
      ],
      { up: 500, down: 2_000 },
    );
    const b = client("b", [{ action: { type: "grab", pieceId: 1 }, sentAtMs: 0, rejected: "held-by-other" }, { action: { type: "move", pieceId: 1, x: 5, y: 5 }, sentAtMs: 5 }], { up: 100, down: 900 });
    const c = client("c", [{ action: { type: "grab", pieceId: 2 }, sentAtMs: 0, rejected: "held-by-other" }], { up: 50, down: 50 });

    const judgement = judgeRun("stateful", [
      { name: "r0", clients: [a, b], final, wireFrom: [{ up: 100, down: 1_000 }, { up: 0, down: 0 }] },
      { name: "r1", clients: [c], final },
    ]);
    expect(judgement.actions).toEqual({ sent: 6, acknowledged: 2, rejected: 3, unanswered: 1, byType: { grab: 3, move: 2, drop: 1 } });
    expect(judgement.rejectReasons).toEqual({ "not-holding": 1, "held-by-other": 2 });
    expect(judgement.ackSamplesMs).toEqual([4, 20]);
    expect(judgement.ackLatencyMs).toMatchObject({ count: 2, max: 20 });
    // a's counters from its mark, b's and c's since they connected.
    expect(judgement.wire).toEqual({ bytesUp: 400 + 100 + 50, bytesDown: 1_000 + 900 + 50 });
    expect(judgement.lostMoves).toEqual({ judged: 1, lost: 0, lostPieces: [] });
    expect(judgement.desyncPerClient).toEqual([0, 0, 0]);
  });

  test("a lost move names its room; a replica that differs from the final state is desynced", () => {
    const moved = snapshotOf((pieces) => (pieces[3] = [1, 2, pieces[3]![2], 0]));
    const stale = client("a", [{ action: { type: "move", pieceId: 3, x: 300, y: 40 }, sentAtMs: 0, ackedAtMs: 9, version: 4, group: [3] }]);
    const judgement = judgeRun("stateful", [
      { name: "calm", clients: [client("b", [])], final: snapshotOf() },
      { name: "racy", clients: [stale], final: moved },
    ]);
    expect(judgement.lostMoves.lost).toBe(1);
    expect(judgement.lostMoves.lostPieces).toEqual([{ pieceId: 3, expected: { x: 300, y: 40 }, found: { x: 1, y: 2 }, by: "a", room: "racy" }]);
    expect(judgement.desyncPerClient).toEqual([0, 1]);
  });

  test("the last action is the highest version, except in the naive stateless mode, where it is the last ack to arrive", () => {
    expect([ackOrderOf("stateful"), ackOrderOf("stateless"), ackOrderOf("stateless-occ")]).toEqual(["version", "ack-time", "version"]);
    const final = snapshotOf((pieces) => (pieces[5] = [200, 30, pieces[5]![2], 0]));
    const early = client("a", [{ action: { type: "move", pieceId: 5, x: 400, y: 30 }, sentAtMs: 0, ackedAtMs: 10, version: 7, group: [5] }], undefined, final);
    const late = client("b", [{ action: { type: "move", pieceId: 5, x: 200, y: 30 }, sentAtMs: 0, ackedAtMs: 20, version: 6, group: [5] }], undefined, final);
    const rooms = [{ name: "r", clients: [early, late], final }];
    expect(judgeRun("stateless", rooms).lostMoves.lost).toBe(0);
    expect(judgeRun("stateful", rooms).lostMoves.lost).toBe(1);
  });
});

describe("scripted players' choices", () => {
  test("a free piece is loose, unheld and, when asked, on its own; contested pieces come first when drawn", () => {
    const state = createPuzzle(PUZZLE);
    mergeGroups(state, state.pieces[1]!.group, state.pieces[0]!.group);
    setGroupLocked(state, state.pieces[2]!.group, true);
    state.holds.set(state.pieces[3]!.group, { playerId: "other", pieceId: 3, expiresAtMs: Number.POSITIVE_INFINITY });
    const prng = createPrng(11);
    const alone = new Set<number>();
    const any = new Set<number>();
    for (let draw = 0; draw < 500; draw++) {
      alone.add(pickFreePiece(state, prng, { alone: true })!);
      any.add(pickFreePiece(state, prng, { alone: false })!);
    }
    expect([...alone].sort((x, y) => x - y)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect([...any].sort((x, y) => x - y)).toEqual([0, 1, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(pickFreePiece(state, createPrng(1), { alone: true, hot: { pieces: [3, 7], probability: 1 } })).toBe(7);
    for (const piece of state.pieces) setGroupLocked(state, piece.group, true);
    expect(pickFreePiece(state, prng, { alone: false })).toBeUndefined();
  });

  test("destinations stay on the table, off the board or above it, or go home", () => {
    const { spec } = createPuzzle(PUZZLE);
    const board = boardRect(spec);
    const prng = createPrng(5);
    for (let draw = 0; draw < 300; draw++) {
      const away = awayFromBoard(0)(spec, 0, prng);
      expect(away.x >= 0 && away.x <= spec.tableWidth - spec.pieceWidth && away.y >= 0 && away.y <= spec.tableHeight - spec.pieceHeight).toBe(true);
      const overlaps = away.x < board.x + board.width && away.x + spec.pieceWidth > board.x && away.y < board.y + board.height && away.y + spec.pieceHeight > board.y;
      expect(overlaps).toBe(false);
      const above = aboveBoard(0)(spec, 0, prng);
      expect(above.y + spec.pieceHeight <= spec.boardY && above.x >= 0 && above.x <= spec.tableWidth - spec.pieceWidth).toBe(true);
    }
    expect(aboveBoard(1)(spec, 4, prng)).toEqual(awayFromBoard(1)(spec, 4, prng));
  });
});
