/**
 * "Gather" and "sort edges": where the plan puts pieces, and that the store
 * carries it out through ordinary actions, a bounded number in flight.
 */
import { describe, expect, it } from "vitest";
import { planTidy } from "../../client/store/tidy.ts";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { SNAP_RADIUS_PX, drop, grab } from "../../shared/rules.ts";
import type { BatchEvent } from "../../shared/protocol.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";
import { ME, setup, snapshotOf } from "./client-harness.ts";

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
    const edges = planTidy(state, "edges");
    expect(edges.every((move) => move.y + spec.pieceHeight < spec.boardY)).toBe(true);
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
