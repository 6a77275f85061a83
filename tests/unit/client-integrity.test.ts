/**
 * The store's lost-move and desync checks: against the authoritative state the
 * poller fetches, and against the room's own refusals (a forgotten grab).
 */
import { describe, expect, it } from "vitest";
import { MOVE_SEND_INTERVAL_MS } from "../../client/store/drag-intent.ts";
import { LOST_TOLERANCE_PX } from "../../client/store/integrity.ts";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { drop, grab } from "../../shared/rules.ts";
import type { Mode } from "../../shared/protocol.ts";
import { ME, OTHER, setup, snapshotOf } from "./client-harness.ts";

describe("lost moves and desync against the authoritative state", () => {
  function ackedDrop() {
    const harness = setup();
    const { server, store, actions, batch, piecesEvent, advance, inward } = harness;
    const piece = { ...store.view!.pieces[8]! };
    const to = inward(8, 120);
    store.beginDrag(8, piece.x, piece.y);
    store.endDrag(to.x, to.y);
    const [grabMsg, dropMsg] = actions() as Array<{ seq: number }>;
    grab(server, ME, 8, 0);
    drop(server, ME, 8, to.x, to.y, 0);
    batch([
      { type: "ack", seq: grabMsg!.seq, version: server.version - 1 },
      { type: "ack", seq: dropMsg!.seq, version: server.version },
      { type: "holds", holds: [[8, null, -1]] },
      piecesEvent([8]),
    ]);
    advance(10);
    return { ...harness, original: piece, to };
  }

  /** This player holds piece `id`: its grab sent from a drag begun where the piece lies, committed by the room and acknowledged with the hold. */
  function holding(id: number, mode: Mode = "stateful") {
    const harness = setup(12, mode);
    const { server, store, actions, batch } = harness;
    const piece = store.view!.pieces[id]!;
    store.beginDrag(id, piece.x, piece.y);
    const grabMsg = actions().at(-1) as { seq: number };
    grab(server, ME, id, 0);
    batch([{ type: "ack", seq: grabMsg.seq, version: server.version }, { type: "holds", holds: [[id, ME, id]] }]);
    return harness;
  }

  it("counts nothing when the stored state holds the acknowledged move", () => {
    const { server, store, now } = ackedDrop();
    store.checkIntegrity(snapshotOf(server), now());
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.lostMoves).toBe(0);
    expect(store.integrity.desyncedPieces).toBe(0);
  });

  it("counts an acknowledged drop that a later whole-state write undid", () => {
    const { server, store, now, advance, original, to } = ackedDrop();
    expect(server.pieces[8]).toMatchObject(to);
    const stored = createPuzzle(server.spec);
    stored.pieces[8] = { ...original };
    expect(Math.abs(original.x - to.x)).toBeGreaterThan(LOST_TOLERANCE_PX);
    // Found away once, a suspect: the frame telling a later change may still be on its way.
    store.checkIntegrity(snapshotOf(stored), now());
    expect(store.integrity.lostMoves).toBe(0);
    advance(2_000);
    store.checkIntegrity(snapshotOf(stored), now());
    expect(store.integrity.lostMoves).toBe(1);
    // Judged once: the same loss is not counted again.
    advance(2_000);
    store.checkIntegrity(snapshotOf(stored), now());
    expect(store.integrity.lostMoves).toBe(1);
  });

  it("does not count a drop the store shows moved before the frame telling the move arrives", () => {
    const { server, store, batch, now, advance } = ackedDrop();
    // Another player's commit moved the piece; the store shows it before its frame reaches this client.
    grab(server, OTHER, 8, 0);
    server.pieces[8]!.x += 300;
    server.holds.clear();
    // A frame of a later commit came first (concurrent functions' frames arrive in any order).
    batch([]);
    store.checkIntegrity(snapshotOf(server), now());
    batch([{ type: "pieces", pieces: [[8, server.pieces[8]!.x, server.pieces[8]!.y, server.pieces[8]!.group, 0]] }]);
    advance(2_000);
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("does not count a drop another player legitimately moved afterwards", () => {
    const { server, store, batch, now } = ackedDrop();
    grab(server, OTHER, 8, 0);
    batch([{ type: "holds", holds: [[8, OTHER, 8]] }]);
    server.pieces[8]!.x += 300;
    server.holds.clear();
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("counts an acknowledged grab the room forgot (its next move is refused within the lease)", () => {
    const { store, actions, batch, advance, inward } = holding(9);
    advance(MOVE_SEND_INTERVAL_MS);
    const to = inward(9, 40);
    store.dragTo(to.x, to.y);
    const moveMsg = actions().at(-1) as { seq: number };
    batch([{ type: "reject", seq: moveMsg.seq, reason: "not-holding" }]);
    expect(store.integrity.lostMoves).toBe(1);
    expect(store.drag).toBeNull();
  });

  // Issue 13: in stateless-occ one player's actions run in concurrent functions, and their
  // commits follow the compare-and-set retries, not the send order (seen in Chromium).
  it("stateless-occ: does not count a move sent before the grab's ack and refused after it (read before the grab committed)", () => {
    const { server, store, actions, batch, advance, inward } = setup(12, "stateless-occ");
    const piece = store.view!.pieces[9]!;
    store.beginDrag(9, piece.x, piece.y);
    advance(MOVE_SEND_INTERVAL_MS);
    const to = inward(9, 40);
    store.dragTo(to.x, to.y);
    const [grabMsg, moveMsg] = actions() as Array<{ seq: number }>;
    grab(server, ME, 9, 0);
    advance(50);
    batch([{ type: "ack", seq: grabMsg!.seq, version: server.version }, { type: "holds", holds: [[9, ME, 9]] }]);
    advance(50);
    batch([{ type: "reject", seq: moveMsg!.seq, reason: "not-holding" }]);
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("stateless-occ: does not count a refusal in a hold grabbed while this player's drop of the piece was unanswered (that drop may commit after the grab)", () => {
    const { server, store, actions, batch, advance, inward } = holding(9, "stateless-occ");
    const near = inward(9, 30);
    store.endDrag(near.x, near.y);
    // The drop is still unanswered when the player grabs the piece again.
    advance(MOVE_SEND_INTERVAL_MS);
    store.beginDrag(9, near.x, near.y);
    const secondGrab = actions().at(-1) as { seq: number; type: string };
    expect(secondGrab.type).toBe("grab");
    batch([{ type: "ack", seq: secondGrab.seq, version: server.version + 1 }]);
    advance(MOVE_SEND_INTERVAL_MS);
    const to = inward(9, 60);
    store.dragTo(to.x, to.y);
    const move = actions().at(-1) as { seq: number; type: string };
    expect(move.type).toBe("move");
    // The first drop committed after the second grab and ended the hold: the move is refused, nothing was lost.
    batch([{ type: "reject", seq: move.seq, reason: "not-holding" }]);
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("stateless-occ: does not count a move refused because the player's own later drop committed first, but counts the drop's own refusal", () => {
    const run = (refuseDrop: boolean) => {
      const { store, actions, batch, advance, inward } = holding(9, "stateless-occ");
      advance(MOVE_SEND_INTERVAL_MS);
      const to = inward(9, 40);
      store.dragTo(to.x, to.y);
      store.endDrag(to.x, to.y);
      const [moveMsg, dropMsg] = (actions() as Array<{ seq: number }>).slice(-2);
      advance(100);
      // The drop committed first and released the hold; the move's retry found nothing held. Its refusal comes first.
      batch([{ type: "reject", seq: (refuseDrop ? dropMsg : moveMsg)!.seq, reason: "not-holding" }]);
      return store.integrity;
    };
    expect(run(false).lostMoves).toBe(0);
    const integrity = run(true);
    expect(integrity.lostMoves).toBe(1);
    expect(integrity.latestLost).toEqual([expect.objectContaining({ kind: "grab", pieceId: 9 })]);
  });

  // Issue 13, seen in Chromium (3 false counts in the 2nd of 6 stateless-occ e2e runs, 1 in the 1st):
  // the drop of piece 21 lost its compare-and-set to moves in flight and retried with backoff;
  // the next drag's grab of piece 6, sent after the drop, committed first and, one group at a
  // time, released 21 (its ack's frame: holds [[21,null,-1],[6,me,6]]); the drop's retry then
  // found nothing held and was refused not-holding 107 ms after that ack.
  function dropOvertakenByNextGrab(mode: "stateful" | "stateless-occ", released: boolean, refusalFirst: boolean) {
    const { server, store, actions, batch, advance, inward } = holding(9, mode);
    advance(MOVE_SEND_INTERVAL_MS);
    const to = inward(9, 40);
    store.dragTo(to.x, to.y);
    store.endDrag(to.x, to.y);
    const dropMsg = actions().at(-1) as { seq: number; type: string };
    expect(dropMsg.type).toBe("drop");
    advance(150);
    const next = store.view!.pieces[3]!;
    store.beginDrag(3, next.x, next.y);
    const nextGrab = actions().at(-1) as { seq: number; type: string };
    expect(nextGrab.type).toBe("grab");
    advance(100);
    // `released`: the next grab's commit ended the hold of 9 (the rules' one group at a time);
    // without it, that grab found 9 no longer held: something else ended the hold.
    if (!released) server.holds.delete(9);
    grab(server, ME, 3, 0);
    const refuseDrop = () => batch([{ type: "reject", seq: dropMsg.seq, reason: "not-holding" }]);
    if (refusalFirst) refuseDrop();
    advance(50);
    batch([{ type: "ack", seq: nextGrab.seq, version: server.version }, { type: "holds", holds: released ? [[9, null, -1], [3, ME, 3]] : [[3, ME, 3]] }]);
    advance(100);
    if (!refusalFirst) refuseDrop();
    return store.integrity;
  }

  it("stateless-occ: does not count a drop refused because this player's next grab committed first and released its hold", () => {
    expect(dropOvertakenByNextGrab("stateless-occ", true, false).lostMoves).toBe(0);
    // The two functions' answers can come in either order: the refusal waits for the grab's.
    expect(dropOvertakenByNextGrab("stateless-occ", true, true).lostMoves).toBe(0);
  });

  it("stateless-occ: counts a drop refused when this player's next grab did not release its hold (the room had forgotten it)", () => {
    for (const refusalFirst of [false, true]) {
      const integrity = dropOvertakenByNextGrab("stateless-occ", false, refusalFirst);
      expect(integrity.lostMoves).toBe(1);
      expect(integrity.latestLost).toEqual([expect.objectContaining({ kind: "grab", pieceId: 9 })]);
    }
  });

  it("stateful: a drop refused before the next grab is the room's word (it applies one player's actions in the order sent)", () => {
    expect(dropOvertakenByNextGrab("stateful", false, true).lostMoves).toBe(1);
  });

  it("does not count a refused move after a grab that was itself refused", () => {
    const { server, store, actions, batch, inward, advance } = setup();
    const piece = store.view!.pieces[9]!;
    // An earlier drag of the same piece, acked and finished.
    store.beginDrag(9, piece.x, piece.y);
    store.endDrag(piece.x, piece.y);
    for (const message of actions() as Array<{ seq: number }>) batch([{ type: "ack", seq: message.seq, version: server.version }]);
    advance(16);
    store.beginDrag(9, piece.x, piece.y);
    const to = inward(9, 40);
    advance(MOVE_SEND_INTERVAL_MS);
    store.dragTo(to.x, to.y);
    const [grabMsg, moveMsg] = (actions() as Array<{ seq: number }>).slice(-2);
    grab(server, OTHER, 9, 0);
    batch([{ type: "holds", holds: [[9, OTHER, 9]] }, { type: "reject", seq: grabMsg!.seq, reason: "held-by-other" }, { type: "reject", seq: moveMsg!.seq, reason: "held-by-other" }]);
    expect(store.integrity.lostMoves).toBe(0);
  });

  it("reports a desync only when the difference persists across checks", () => {
    const { server, store, now } = ackedDrop();
    const diverged = createPuzzle(server.spec);
    diverged.pieces = server.pieces.map((piece) => ({ ...piece }));
    diverged.pieces[3]!.x += 50;
    store.checkIntegrity(snapshotOf(diverged), now());
    expect(store.integrity.desyncedPieces).toBe(0);
    store.checkIntegrity(snapshotOf(diverged), now());
    expect(store.integrity.desyncedPieces).toBe(1);
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.desyncedPieces).toBe(0);
  });
});
