/**
 * The lost-move judgement where pieces turn: the placement check puts a turned
 * group exactly where the rules do (table edges included), a lost turn is a lost
 * move, and the judge of a run knows which rotation each move left its group at.
 */
import { describe, expect, it } from "vitest";
import { createPuzzle, groupMembers, mergeGroups, type PuzzleState } from "../../shared/puzzle-state.ts";
import { createSpec, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { grab, move, rotate } from "../../shared/rules.ts";
import { memberOffset, type Rotation } from "../../shared/rotation.ts";
import { placedPosition } from "../../shared/placement-check.ts";
import { wirePiece } from "../../shared/replica.ts";
import { judgeLostMoves, type AcknowledgedPlacement, type FinalPiece } from "../../testkit/lost-moves.ts";
import { judgeRun, type JudgedClient } from "../../testkit/judge.ts";
import type { SentAction } from "../../testkit/protocol-client.ts";
import { replicaFromSnapshot } from "../../shared/replica.ts";

const SQUARE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 1, rotation: true };
const TALL: PuzzleOptions = { imageId: "test", imageWidth: 900, imageHeight: 1600, pieceCount: 12, seed: 1, rotation: true };
const T0_MS = 1_000;

/** Pieces 0, 1, 4 and 5 joined, upright, piece 5's cell at (250, 200); everything else upright too. */
function twoByTwo(options: PuzzleOptions): PuzzleState {
  const state = createPuzzle(options);
  for (const piece of state.pieces) piece.rotation = 0;
  for (const id of [0, 1, 4, 5]) {
    const offset = memberOffset(state.spec, 5, id, 0);
    Object.assign(state.pieces[id]!, { x: 250 + offset.x, y: 200 + offset.y });
    mergeGroups(state, state.pieces[id]!.group, 0);
  }
  return state;
}

describe("the placement check puts a turned group where the rules do", () => {
  const cases: Array<[string, PuzzleOptions, Rotation, { x: number; y: number }]> = [];
  for (const [label, options] of [["square", SQUARE], ["tall", TALL]] as const) {
    for (const rotation of [0, 1, 2, 3] as const) {
      for (const to of [{ x: 260, y: 210 }, { x: -300, y: 30 }, { x: 5, y: -400 }, { x: 5_000, y: 5_000 }, { x: 1_100, y: -20 }]) cases.push([label, options, rotation, to]);
    }
  }
  it.each(cases)("%s cells, turned %i, moved towards %o", (_label, options, rotation, to) => {
    const state = twoByTwo(options);
    expect(grab(state, "a", 5, T0_MS).ok).toBe(true);
    expect(rotate(state, "a", 5, rotation, T0_MS).ok).toBe(true);
    const x = Math.max(-state.spec.tableWidth, Math.min(2 * state.spec.tableWidth, to.x));
    const y = Math.max(-state.spec.tableHeight, Math.min(2 * state.spec.tableHeight, to.y));
    expect(move(state, "a", 5, x, y, T0_MS).ok).toBe(true);
    const moved = groupMembers(state, 0);
    for (const id of moved) {
      const { x: px, y: py } = state.pieces[id]!;
      expect(placedPosition(state.spec, { pieceId: 5, x, y, moved, rotation }, id), `piece ${id}`).toEqual({ x: px, y: py });
    }
  });
});

describe("a lost turn is a lost move", () => {
  const spec = createSpec(SQUARE);
  const at = (x: number, y: number, group: number, rotation: Rotation = 0): FinalPiece => (rotation === 0 ? [x, y, group, 0] : [x, y, group, 0, rotation]);
  const final = (pieces: FinalPiece[]) => ({ spec, pieces: [...pieces, ...Array.from({ length: 12 - pieces.length }, (_, index) => at(10, 10, pieces.length + index))] });
  const acked = { version: 3, ackedAtMs: 1, clientId: "a" };

  it.each([
    ["the turn is there", 2, 0],
    ["the piece is upright again", 0, 1],
    ["the piece is turned another way", 3, 1],
  ] as const)("a rotate to 2, last: %s -> %i lost", (_label, found, lost) => {
    const placements: AcknowledgedPlacement[] = [{ type: "rotate", pieceId: 0, rotation: 2, ...acked }];
    const verdict = judgeLostMoves(placements, final([at(40, 50, 0, found)]), "version");
    expect(verdict).toMatchObject({ judged: 1, lost });
    if (lost) expect(verdict.lostPieces[0]).toEqual({ pieceId: 0, expected: { x: 40, y: 50 }, found: { x: 40, y: 50 }, by: "a", rotation: { expected: 2, found } });
  });

  it("a move of a turned group: the other piece is expected at the turned offset", () => {
    const placements: AcknowledgedPlacement[] = [{ type: "move", pieceId: 1, x: 300, y: 200, rotation: 1, group: [0, 1], ...acked }];
    // Turned a quarter, piece 0 (left of 1 in the picture) lies above piece 1.
    expect(judgeLostMoves(placements, final([at(300, 200 - 64, 0, 1), at(300, 200, 0, 1)]), "version").lost).toBe(0);
    const upright = judgeLostMoves(placements, final([at(236, 200, 0, 1), at(300, 200, 0, 1)]), "version");
    expect(upright.lostPieces.map((piece) => piece.pieceId)).toEqual([0]);
  });

  it("a move known to have left the group turned 1, found turned 2 where it was put, is lost; unknown, the final rotation is taken", () => {
    const known: AcknowledgedPlacement[] = [{ type: "drop", pieceId: 0, x: 300, y: 200, rotation: 1, ...acked }];
    expect(judgeLostMoves(known, final([at(300, 200, 0, 2)]), "version").lostPieces).toEqual([
      { pieceId: 0, expected: { x: 300, y: 200 }, found: { x: 300, y: 200 }, by: "a", rotation: { expected: 1, found: 2 } },
    ]);
    const unknown: AcknowledgedPlacement[] = [{ type: "drop", pieceId: 0, x: 300, y: 200, ...acked }];
    expect(judgeLostMoves(unknown, final([at(300, 200, 0, 2)]), "version").lost).toBe(0);
  });
});

describe("the judge of a run knows how each move left its group turned", () => {
  /** One client that sent `records`, in a room whose final state is `state`. */
  function judged(state: PuzzleState, records: SentAction[]) {
    const snapshot = { spec: state.spec, pieces: state.pieces.map(wirePiece), holds: [], players: [], version: 9, completedAtMs: null, startedAtMs: 0 };
    const client: JudgedClient = { playerId: "a", sent: new Map(records.map((record) => [record.seq, record])), replica: replicaFromSnapshot(snapshot), bytesSent: 0, bytesReceived: 0 };
    return judgeRun("stateful", [{ name: "room", clients: [client], final: snapshot }]);
  }
  const ack = (seq: number, action: SentAction["action"], extra: Partial<SentAction> = {}): SentAction => ({ seq, action, sentAtMs: seq, ackedAtMs: seq + 1, version: seq, ...extra });

  it("by the last acknowledged rotate since its grab", () => {
    const state = createPuzzle(SQUARE);
    Object.assign(state.pieces[3]!, { x: 100, y: 100, rotation: 1 });
    const records = [ack(1, { type: "grab", pieceId: 3 }), ack(2, { type: "rotate", pieceId: 3, rotation: 2 }), ack(3, { type: "drop", pieceId: 3, x: 100, y: 100 })];
    // The room shows it turned 1: the turn to 2 that the drop came after is gone.
    const verdict = judged(state, records).lostMoves;
    expect(verdict.lost).toBe(1);
    expect(verdict.lostPieces[0]!.rotation).toEqual({ expected: 2, found: 1 });
    expect(judged(state, records).actions.byType).toEqual({ grab: 1, move: 0, drop: 1, rotate: 1 });
  });

  it("a refused rotate, or one before a new grab, says nothing about the move", () => {
    const state = createPuzzle(SQUARE);
    Object.assign(state.pieces[3]!, { x: 100, y: 100, rotation: 1 });
    const refused = [ack(1, { type: "grab", pieceId: 3 }), { seq: 2, action: { type: "rotate" as const, pieceId: 3, rotation: 2 }, sentAtMs: 2, rejected: "bad-rotation" as const }, ack(3, { type: "drop", pieceId: 3, x: 100, y: 100 })];
    expect(judged(state, refused).lostMoves.lost).toBe(0);
    const regrabbed = [ack(1, { type: "grab", pieceId: 3 }), ack(2, { type: "rotate", pieceId: 3, rotation: 2 }), ack(3, { type: "drop", pieceId: 3, x: 90, y: 90 }), ack(4, { type: "grab", pieceId: 3 }), ack(5, { type: "drop", pieceId: 3, x: 100, y: 100 })];
    expect(judged(state, regrabbed).lostMoves.lost).toBe(0);
  });
});
