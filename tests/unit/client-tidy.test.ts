/**
 * "Gather" and "sort edges": where the plan puts pieces, and that the store
 * carries it out through ordinary actions, a bounded number in flight.
 */
import { describe, expect, it } from "vitest";
import { planTidy, type TidyMove } from "../../client/store/tidy.ts";
import { createPuzzle, setPiece, type PuzzleState } from "../../shared/puzzle-state.ts";
import { isEdgePiece } from "../../shared/puzzle-spec.ts";
import { SNAP_RADIUS_PX, drop, grab } from "../../shared/rules.ts";
import type { BatchEvent } from "../../shared/protocol.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";
import { ME, OTHER, setup, snapshotOf } from "./client-harness.ts";

describe("gather and sort edges", () => {
  it("plans slots off the board, far enough apart never to snap", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 3 });
    const moves = planTidy(state, "gather");
    expect(moves).toHaveLength(96);
    const { spec } = state;
    const fits = [[spec.pieceWidth, 0], [-spec.pieceWidth, 0], [0, spec.pieceHeight], [0, -spec.pieceHeight]];
    for (const move of moves) {
      const overlapsBoard = move.x + spec.pieceWidth > spec.boardX && move.x < spec.boardX + spec.cols * spec.pieceWidth && move.y + spec.pieceHeight > spec.boardY && move.y < spec.boardY + spec.rows * spec.pieceHeight;
      expect(overlapsBoard).toBe(false);
    }
    for (let i = 0; i < moves.length; i++) {
      for (let j = i + 1; j < moves.length; j++) {
        const a = moves[i]!;
        const b = moves[j]!;
        // Tabs never overlap, and no two pieces lie where a neighbour would snap.
        const apart = Math.abs(a.x - b.x) >= spec.pieceWidth * (1 + 2 * TAB_REACH_FRACTION) || Math.abs(a.y - b.y) >= spec.pieceHeight * (1 + 2 * TAB_REACH_FRACTION);
        expect(apart).toBe(true);
        for (const [fx, fy] of fits) expect(Math.hypot(b.x - a.x - fx!, b.y - a.y - fy!)).toBeGreaterThan(SNAP_RADIUS_PX);
      }
    }
    // Edge pieces go in rows above the board (the pieces lying there move aside).
    const edges = planTidy(state, "edges").filter((move) => isEdgePiece(spec, move.pieceId));
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.every((move) => move.y + spec.pieceHeight < spec.boardY)).toBe(true);
  });

  /** Where every unlocked piece lies once the moves are made. */
  function after(state: PuzzleState, moves: TidyMove[]): Map<number, { x: number; y: number }> {
    const at = new Map<number, { x: number; y: number }>();
    state.pieces.forEach((piece, id) => {
      if (!piece.locked) at.set(id, { x: piece.x, y: piece.y });
    });
    for (const move of moves) at.set(move.pieceId, { x: move.x, y: move.y });
    return at;
  }

  /** Every moved piece lies clear of every other unlocked piece: not on it, and not where it could snap to it. */
  function expectOnFreeTable(state: PuzzleState, moves: TidyMove[]): void {
    const { spec } = state;
    const at = after(state, moves);
    const apartX = spec.pieceWidth * (1 + 2 * TAB_REACH_FRACTION);
    const apartY = spec.pieceHeight * (1 + 2 * TAB_REACH_FRACTION);
    for (const move of moves) {
      for (const [id, other] of at) {
        if (id === move.pieceId) continue;
        const apart = Math.abs(move.x - other.x) >= apartX || Math.abs(move.y - other.y) >= apartY;
        expect(apart, `piece ${move.pieceId} laid at ${move.x},${move.y} on piece ${id} at ${other.x},${other.y}`).toBe(true);
      }
    }
  }

  /** A puzzle whose pieces 0, 1 and cols, cols + 1 (a 2x2 block) lie joined as one group at (x, y), and piece `held` held. */
  function withPile(x: number, y: number): { state: PuzzleState; pile: number[]; held: number } {
    const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 3 });
    const { spec } = state;
    const pile = [0, 1, spec.cols, spec.cols + 1];
    for (const id of pile) setPiece(state, id, x + (id % spec.cols) * spec.pieceWidth, y + Math.floor(id / spec.cols) * spec.pieceHeight, 0, false, 0);
    const held = 50;
    state.holds.set(state.pieces[held]!.group, { playerId: OTHER, pieceId: held, expiresAtMs: 1e12 });
    return { state, pile, held };
  }

  it("gather lays pieces only on free table: never on a group or a held piece, which stay put", () => {
    // The pile lies just above the board's left corner, where the first rings go.
    const probe = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 3 }).spec;
    const { state, pile, held } = withPile(probe.boardX - 40, probe.boardY - 3 * probe.pieceHeight);
    const moves = planTidy(state, "gather");
    expect(moves.length).toBeGreaterThan(80);
    expect(moves.some((move) => pile.includes(move.pieceId) || move.pieceId === held)).toBe(false);
    expectOnFreeTable(state, moves);
  });

  it("edges lays its rows only on free table, moving aside the loose pieces in the way", () => {
    const probe = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 3 }).spec;
    const { state, pile } = withPile(probe.boardX + 2 * probe.pieceWidth, probe.boardY - 2.5 * probe.pieceHeight);
    const moves = planTidy(state, "edges");
    expect(moves.some((move) => pile.includes(move.pieceId))).toBe(false);
    expectOnFreeTable(state, moves);
    const { spec } = state;
    const edgeMoves = moves.filter((move) => isEdgePiece(spec, move.pieceId));
    const loose = state.pieces.filter((piece, id) => !piece.locked && isEdgePiece(spec, id) && !pile.includes(id)).length;
    expect(edgeMoves.length).toBe(loose);
    // The non-edge pieces it moves are only those lying where an edge piece now goes.
    for (const move of moves.filter((candidate) => !isEdgePiece(spec, candidate.pieceId))) {
      const from = state.pieces[move.pieceId]!;
      const blocking = edgeMoves.some((edge) => Math.abs(edge.x - from.x) < spec.pieceWidth * (1 + 2 * TAB_REACH_FRACTION) && Math.abs(edge.y - from.y) < spec.pieceHeight * (1 + 2 * TAB_REACH_FRACTION));
      expect(blocking, `piece ${move.pieceId} moved without being in the way`).toBe(true);
    }
  });

  it("a second gather moves nothing, and edges after a gather keeps the rings clear", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 9 });
    for (const move of planTidy(state, "gather")) setPiece(state, move.pieceId, move.x, move.y, state.pieces[move.pieceId]!.group, false, state.pieces[move.pieceId]!.rotation);
    expect(planTidy(state, "gather")).toEqual([]);
    const edges = planTidy(state, "edges");
    expectOnFreeTable(state, edges);
  });

  it("where pieces turn, gather lays pieces apart by the longer side, whichever way each is turned", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 1600, imageHeight: 800, pieceCount: 60, seed: 4, rotation: true });
    const { spec } = state;
    expect(spec.pieceWidth).not.toBe(spec.pieceHeight);
    const moves = planTidy(state, "gather");
    expect(moves.length).toBeGreaterThan(0);
    const apart = Math.max(spec.pieceWidth, spec.pieceHeight) * (1 + 2 * TAB_REACH_FRACTION);
    // The table is crowded: pieces that find no slot stay; every piece laid is clear of every other.
    const at = after(state, moves);
    for (const move of moves) {
      for (const [id, other] of at) {
        if (id === move.pieceId) continue;
        expect(Math.abs(move.x - other.x) >= apart || Math.abs(move.y - other.y) >= apart, `piece ${move.pieceId} laid at ${move.x},${move.y} by piece ${id} at ${other.x},${other.y}`).toBe(true);
      }
    }
  });

  it("on a table with fewer free slots than pieces, still lays out nearly all, and only on free table", () => {
    for (const seed of [1, 2, 3]) {
      const state = createPuzzle({ imageId: "test", imageWidth: 1600, imageHeight: 1000, pieceCount: 24, seed });
      const gather = planTidy(state, "gather");
      expect(gather.length, `seed ${seed}`).toBeGreaterThanOrEqual(18);
      expectOnFreeTable(state, gather);
      const edges = planTidy(state, "edges");
      expect(edges.filter((move) => isEdgePiece(state.spec, move.pieceId)).length, `seed ${seed}`).toBeGreaterThanOrEqual(13);
      expectOnFreeTable(state, edges);
    }
  });

  it("pieces that leave a slot another piece gets move first", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 3 });
    const moves = planTidy(state, "gather");
    const { spec } = state;
    const reaches = (id: number, target: TidyMove) => Math.abs(state.pieces[id]!.x - target.x) < spec.pieceWidth * (1 + 2 * TAB_REACH_FRACTION) && Math.abs(state.pieces[id]!.y - target.y) < spec.pieceHeight * (1 + 2 * TAB_REACH_FRACTION);
    // waitsFor[i]: the moves whose pieces lie where move i lands.
    const waitsFor = moves.map((move) => moves.flatMap((other, index) => (other !== move && reaches(other.pieceId, move) ? [index] : [])));
    const waitsTransitively = (from: number, target: number): boolean => {
      const seen = new Set<number>();
      const queue = [from];
      while (queue.length > 0) {
        const next = queue.pop()!;
        for (const index of waitsFor[next]!) {
          if (index === target) return true;
          if (!seen.has(index)) queue.push(index), seen.add(index);
        }
      }
      return false;
    };
    let waited = 0;
    moves.forEach((_, index) => {
      for (const blocker of waitsFor[index]!) {
        waited++;
        // Whoever lies where this move lands has been sent on its way before, unless the two wait on each other in a ring.
        if (blocker > index) expect(waitsTransitively(blocker, index), `move ${index} lands on the piece of move ${blocker}, which goes later`).toBe(true);
      }
    });
    expect(waited).toBeGreaterThan(0);
  });

  it("tidying in the stateful room loses nothing: acked tidy drops match the room's state", () => {
    const { server, store, actions, advance, batch, piecesEvent, now } = setup(48);
    store.tidy("gather");
    for (let round = 0; round < 20 && (store.tidyRemaining() > 0 || store.pending.length > 0); round++) {
      advance(16);
      const unanswered = store.pending.filter((action) => action.ackedAtMs === undefined);
      const events: BatchEvent[] = [];
      const moved: number[] = [];
      for (const { message } of unanswered) {
        const result = message.type === "grab" ? grab(server, ME, message.pieceId, 0) : message.type === "drop" ? drop(server, ME, message.pieceId, message.x, message.y, 0) : null;
        if (!result?.ok) throw new Error(`room refused ${message.type}`);
        moved.push(...result.changedPieces);
        events.push({ type: "ack", seq: message.seq, version: server.version });
      }
      batch([...events, piecesEvent(moved)]);
    }
    expect(actions().length).toBeGreaterThan(40);
    advance(2_000);
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("tidies through ordinary grab and drop actions, a bounded number in flight", () => {
    const { store, actions, advance } = setup(48);
    const count = store.tidy("gather");
    expect(count).toBeGreaterThan(0);
    advance(16);
    const sent = actions();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(40);
    expect(sent[0]!.type).toBe("grab");
    expect(sent[1]!.type).toBe("drop");
  });
});
