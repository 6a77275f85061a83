/**
 * The browser store without a browser: optimistic moves, acks, rejects,
 * reconciliation with the room's deltas, and the drawn positions the views
 * ease from what the store reports.
 */
import { describe, expect, it } from "vitest";
import { MOVE_SEND_INTERVAL_MS } from "../../client/store/drag-intent.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { drop, grab } from "../../shared/rules.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { ME, OTHER, setup, snapshotOf } from "./client-harness.ts";

describe("optimistic local moves", () => {
  it("shows a drag at once and sends moves at most every MOVE_SEND_INTERVAL_MS", () => {
    const { store, actions, advance, drawnX, inward } = setup();
    const start = { ...store.view!.pieces[3]! };
    const [a, b, c] = [inward(3, 50), inward(3, 60), inward(3, 70)];
    expect(store.beginDrag(3, start.x, start.y)).toBe("dragging");
    expect(actions().map((message) => message.type)).toEqual(["grab"]);
    advance(MOVE_SEND_INTERVAL_MS);
    store.dragTo(a.x, a.y);
    store.dragTo(b.x, b.y);
    store.dragTo(c.x, c.y);
    expect(store.view!.pieces[3]).toMatchObject({ x: c.x, y: c.y });
    expect(drawnX(3)).toBe(c.x);
    expect(actions().filter((message) => message.type === "move")).toHaveLength(1);
    advance(MOVE_SEND_INTERVAL_MS);
    const moves = actions().filter((message) => message.type === "move");
    expect(moves).toHaveLength(2);
    expect(moves[0]).toMatchObject({ pieceId: 3, x: a.x, y: a.y });
    expect(moves[1]).toMatchObject({ pieceId: 3, x: c.x, y: c.y });
  });

  it("never snaps the dragged piece back to an older echo from the room", () => {
    const { server, store, actions, advance, drawnX, inward, batch, piecesEvent } = setup();
    const start = { ...store.view!.pieces[5]! };
    const [near, far] = [inward(5, 30), inward(5, 90)];
    store.beginDrag(5, start.x, start.y);
    advance(MOVE_SEND_INTERVAL_MS);
    store.dragTo(near.x, near.y);
    advance(MOVE_SEND_INTERVAL_MS);
    store.dragTo(far.x, far.y);
    const [grabMsg, firstMove] = actions();
    // The room applies the grab and the first move only, and echoes them.
    grab(server, ME, 5, 0);
    server.pieces[5]!.x = near.x;
    server.version += 2;
    batch([
      { type: "ack", seq: (grabMsg as { seq: number }).seq, version: server.version - 1 },
      { type: "ack", seq: (firstMove as { seq: number }).seq, version: server.version },
      { type: "holds", holds: [[5, ME, 5]] },
      piecesEvent([5]),
    ]);
    expect(store.view!.pieces[5]!.x).toBe(far.x);
    expect(drawnX(5)).toBe(far.x);
  });
});

describe("acks and rejects", () => {
  it("retires acked actions once the room's state contains them", () => {
    const { server, store, actions, batch, piecesEvent } = setup();
    const piece = store.view!.pieces[2]!;
    store.beginDrag(2, piece.x, piece.y);
    store.endDrag(piece.x + 40, piece.y + 20);
    expect(store.pending).toHaveLength(2);
    const [grabMsg, dropMsg] = actions() as Array<{ seq: number }>;
    grab(server, ME, 2, 0);
    drop(server, ME, 2, piece.x + 40, piece.y + 20, 0);
    batch([
      { type: "ack", seq: grabMsg!.seq, version: server.version - 1 },
      { type: "ack", seq: dropMsg!.seq, version: server.version },
      { type: "holds", holds: [[2, null, -1]] },
      piecesEvent([2]),
    ]);
    expect(store.pending).toHaveLength(0);
    expect(store.stats.acked).toBe(2);
    expect(store.view!.pieces[2]).toMatchObject({ x: server.pieces[2]!.x, y: server.pieces[2]!.y });
  });

  it("cancels a drag whose grab the room rejected and says who holds the piece", () => {
    const { server, store, actions, batch } = setup();
    const before = { ...store.view!.pieces[4]! };
    store.beginDrag(4, before.x, before.y);
    store.dragTo(before.x + 100, before.y + 100);
    const [grabMsg] = actions() as Array<{ seq: number }>;
    grab(server, OTHER, 4, 0);
    batch([{ type: "holds", holds: [[4, OTHER, 4]] }, { type: "reject", seq: grabMsg!.seq, reason: "held-by-other" }]);
    expect(store.drag).toBeNull();
    expect(store.view!.pieces[4]).toMatchObject({ x: before.x, y: before.y });
    expect(store.notices.current.at(-1)?.text).toContain("Bea");
    expect(store.view!.holds.get(4)?.playerId).toBe(OTHER);
  });

  it("refuses locally to drag a piece someone else holds, without sending anything", () => {
    const { server, store, actions, batch } = setup();
    grab(server, OTHER, 1, 0);
    batch([{ type: "holds", holds: [[1, OTHER, 1]] }]);
    const piece = store.view!.pieces[1]!;
    expect(store.beginDrag(1, piece.x, piece.y)).toBe("held");
    expect(actions()).toHaveLength(0);
  });
});

describe("reconciliation", () => {
  it("snaps a drop into place at once, then follows the room's verdict", () => {
    const { server, store, actions, batch, piecesEvent, advance, drawnX } = setup();
    const target = solvedPosition(store.view!.spec, 0);
    const piece = store.view!.pieces[0]!;
    store.beginDrag(0, piece.x, piece.y);
    store.endDrag(target.x + 5, target.y - 4);
    // Optimistic: the shared rules already locked it on the board.
    expect(store.view!.pieces[0]).toMatchObject({ x: target.x, y: target.y, locked: true });
    expect(store.progress().placed).toBe(1);
    // The snap is animated: the drawn position eases in.
    expect(drawnX(0)).not.toBe(target.x);
    advance(1_000);
    expect(drawnX(0)).toBe(target.x);

    // The room decided otherwise (say another player's move got there first): the view follows it.
    const [grabMsg, dropMsg] = actions() as Array<{ seq: number }>;
    server.pieces[0]!.x = 5;
    server.pieces[0]!.y = 6;
    server.version += 2;
    batch([
      { type: "ack", seq: grabMsg!.seq, version: server.version - 1 },
      { type: "ack", seq: dropMsg!.seq, version: server.version },
      piecesEvent([0]),
    ]);
    expect(store.view!.pieces[0]).toMatchObject({ x: 5, y: 6, locked: false });
  });

  it("a fresh welcome after a reconnect replaces local state and voids actions in flight", () => {
    const { server, store, link } = setup();
    const piece = store.view!.pieces[7]!;
    store.beginDrag(7, piece.x, piece.y);
    store.dragTo(piece.x + 50, piece.y + 50);
    link.setState("reconnecting");
    expect(store.drag).toBeNull();
    server.pieces[7]!.x = 11;
    link.deliver({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: ME, token: "t", snapshot: snapshotOf(server) });
    expect(store.pending).toHaveLength(0);
    expect(store.view!.pieces[7]!.x).toBe(11);
  });
});

describe("remote pieces glide", () => {
  it("interpolates towards a remote delta instead of jumping", () => {
    const { server, store, batch, piecesEvent, advance, drawn } = setup();
    const from = drawn.smoothing.x[6]!;
    server.pieces[6]!.x = from + 200;
    server.version++;
    batch([piecesEvent([6])]);
    expect(store.view!.pieces[6]!.x).toBe(from + 200);
    advance(16);
    const midway = drawn.smoothing.x[6]!;
    expect(midway).toBeGreaterThan(from);
    expect(midway).toBeLessThan(from + 200);
    advance(16);
    expect(drawn.smoothing.x[6]!).toBeGreaterThan(midway);
    advance(1_000);
    expect(drawn.smoothing.x[6]!).toBe(from + 200);
  });

  it("smooths other players' cursors and ignores its own", () => {
    const { store, batch, advance, drawn } = setup();
    batch([{ type: "cursors", cursors: [[OTHER, 100, 100], [ME, 5, 5]] }]);
    // A frame draws the cursor where it first appeared.
    advance(16);
    batch([{ type: "cursors", cursors: [[OTHER, 300, 100]] }]);
    advance(16);
    const cursor = drawn.cursors.get(OTHER)!;
    expect(cursor.x).toBeGreaterThan(100);
    expect(cursor.x).toBeLessThan(300);
    expect(store.presence.cursors.has(ME)).toBe(false);
  });
});
