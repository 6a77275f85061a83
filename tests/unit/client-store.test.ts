/**
 * The browser store without a browser: optimistic moves, acks, rejects,
 * reconciliation with the room's deltas, smoothing of remote pieces, the
 * lost-move/desync check, and tidying through ordinary actions.
 */
import { describe, expect, it } from "vitest";
import { PuzzleStore, MOVE_SEND_INTERVAL_MS } from "../../client/store/puzzle-store.ts";
import { LOST_TOLERANCE_PX } from "../../client/store/integrity.ts";
import { planTidy } from "../../client/store/tidy.ts";
import { createPuzzle, type PuzzleState } from "../../shared/puzzle-state.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { SNAP_RADIUS_PX, drop, grab } from "../../shared/rules.ts";
import type { BatchEvent, ClientMessage, Player, Snapshot, Welcome } from "../../shared/protocol.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";

const ME = "me";
const OTHER = "other";
const players: Player[] = [
  { id: ME, name: "Me", color: "#e6194b", connected: true, placed: 0 },
  { id: OTHER, name: "Bea", color: "#3cb44b", connected: true, placed: 0 },
];

function snapshotOf(state: PuzzleState): Snapshot {
  return {
    spec: state.spec,
    pieces: state.pieces.map((piece) => [piece.x, piece.y, piece.group, piece.locked ? 1 : 0]),
    holds: [...state.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId]),
    players,
    version: state.version,
    completedAtMs: state.completedAtMs,
    startedAtMs: 0,
  };
}

function setup(pieceCount = 12) {
  const server = createPuzzle({ imageId: "test", imageWidth: 800, imageHeight: 600, pieceCount, seed: 99 });
  const sent: ClientMessage[] = [];
  let nowMs = 1_000;
  const store = new PuzzleStore({ send: (message) => sent.push(message), now: () => nowMs });
  const welcome: Welcome = { type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: ME, token: "t", snapshot: snapshotOf(server) };
  store.welcome(welcome);
  store.setStatus("open");
  /** Advances time in frames of at most 16 ms, as the scene's loop would. */
  const advance = (ms: number) => {
    for (let left = ms; left > 0; left -= 16) {
      nowMs += Math.min(16, left);
      store.tick(nowMs, new Set());
    }
  };
  /** A point `distance` px from the piece towards the table's centre, so the rules never clamp it. */
  const inward = (id: number, distance: number) => {
    const piece = store.view!.pieces[id]!;
    const spec = store.view!.spec;
    return { x: piece.x + Math.sign(spec.tableWidth / 2 - piece.x) * distance, y: piece.y };
  };
  /** What the room would send after applying `events` to its own state. */
  const batch = (events: BatchEvent[]) => store.batch({ type: "batch", version: server.version, events });
  const piecesEvent = (ids: number[]): BatchEvent => ({ type: "pieces", pieces: ids.map((id) => { const p = server.pieces[id]!; return [id, p.x, p.y, p.group, p.locked ? 1 : 0]; }) });
  const actions = () => sent.filter((message) => message.type === "grab" || message.type === "move" || message.type === "drop");
  return { server, store, sent, actions, advance, inward, batch, piecesEvent, now: () => nowMs };
}

describe("optimistic local moves", () => {
  it("shows a drag at once and sends moves at most every MOVE_SEND_INTERVAL_MS", () => {
    const { store, actions, advance, inward } = setup();
    const start = { ...store.view!.pieces[3]! };
    const [a, b, c] = [inward(3, 50), inward(3, 60), inward(3, 70)];
    expect(store.beginDrag(3, start.x, start.y)).toBe("dragging");
    expect(actions().map((message) => message.type)).toEqual(["grab"]);
    advance(MOVE_SEND_INTERVAL_MS);
    store.dragTo(a.x, a.y);
    store.dragTo(b.x, b.y);
    store.dragTo(c.x, c.y);
    expect(store.view!.pieces[3]).toMatchObject({ x: c.x, y: c.y });
    expect(store.smoothing!.x[3]).toBe(c.x);
    expect(actions().filter((message) => message.type === "move")).toHaveLength(1);
    advance(MOVE_SEND_INTERVAL_MS);
    const moves = actions().filter((message) => message.type === "move");
    expect(moves).toHaveLength(2);
    expect(moves[0]).toMatchObject({ pieceId: 3, x: a.x, y: a.y });
    expect(moves[1]).toMatchObject({ pieceId: 3, x: c.x, y: c.y });
  });

  it("never snaps the dragged piece back to an older echo from the room", () => {
    const { server, store, actions, advance, inward, batch, piecesEvent } = setup();
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
    expect(store.smoothing!.x[5]).toBe(far.x);
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
    expect(store.notices.at(-1)?.text).toContain("Bea");
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
    const { server, store, actions, batch, piecesEvent, advance } = setup();
    const target = solvedPosition(store.view!.spec, 0);
    const piece = store.view!.pieces[0]!;
    store.beginDrag(0, piece.x, piece.y);
    store.endDrag(target.x + 5, target.y - 4);
    // Optimistic: the shared rules already locked it on the board.
    expect(store.view!.pieces[0]).toMatchObject({ x: target.x, y: target.y, locked: true });
    expect(store.progress().placed).toBe(1);
    // The snap is animated: the drawn position eases in.
    expect(store.smoothing!.x[0]).not.toBe(target.x);
    advance(1_000);
    expect(store.smoothing!.x[0]).toBe(target.x);

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
    const { server, store } = setup();
    const piece = store.view!.pieces[7]!;
    store.beginDrag(7, piece.x, piece.y);
    store.dragTo(piece.x + 50, piece.y + 50);
    store.setStatus("reconnecting");
    expect(store.drag).toBeNull();
    server.pieces[7]!.x = 11;
    store.welcome({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: ME, token: "t", snapshot: snapshotOf(server) });
    expect(store.pending).toHaveLength(0);
    expect(store.view!.pieces[7]!.x).toBe(11);
  });
});

describe("remote pieces glide", () => {
  it("interpolates towards a remote delta instead of jumping", () => {
    const { server, store, batch, piecesEvent, advance } = setup();
    const from = store.smoothing!.x[6]!;
    server.pieces[6]!.x = from + 200;
    server.version++;
    batch([piecesEvent([6])]);
    expect(store.view!.pieces[6]!.x).toBe(from + 200);
    advance(16);
    const midway = store.smoothing!.x[6]!;
    expect(midway).toBeGreaterThan(from);
    expect(midway).toBeLessThan(from + 200);
    advance(16);
    expect(store.smoothing!.x[6]!).toBeGreaterThan(midway);
    advance(1_000);
    expect(store.smoothing!.x[6]!).toBe(from + 200);
  });

  it("smooths other players' cursors and ignores its own", () => {
    const { store, batch, advance } = setup();
    batch([{ type: "cursors", cursors: [[OTHER, 100, 100], [ME, 5, 5]] }]);
    batch([{ type: "cursors", cursors: [[OTHER, 300, 100]] }]);
    advance(16);
    const cursor = store.cursors.get(OTHER)!;
    expect(cursor.x).toBeGreaterThan(100);
    expect(cursor.x).toBeLessThan(300);
    expect(store.cursors.has(ME)).toBe(false);
  });
});

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

  it("counts nothing when the stored state holds the acknowledged move", () => {
    const { server, store, now } = ackedDrop();
    store.checkIntegrity(snapshotOf(server), now());
    store.checkIntegrity(snapshotOf(server), now());
    expect(store.integrity.lostMoves).toBe(0);
    expect(store.integrity.desyncedPieces).toBe(0);
  });

  it("counts an acknowledged drop that a later whole-state write undid", () => {
    const { server, store, now, original, to } = ackedDrop();
    expect(server.pieces[8]).toMatchObject(to);
    const stored = createPuzzle(server.spec);
    stored.pieces[8] = { ...original };
    expect(Math.abs(original.x - to.x)).toBeGreaterThan(LOST_TOLERANCE_PX);
    store.checkIntegrity(snapshotOf(stored), now());
    expect(store.integrity.lostMoves).toBe(1);
    // Judged once: the same loss is not counted again.
    store.checkIntegrity(snapshotOf(stored), now());
    expect(store.integrity.lostMoves).toBe(1);
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
    const { server, store, actions, batch, advance, inward } = setup();
    const piece = store.view!.pieces[9]!;
    store.beginDrag(9, piece.x, piece.y);
    const [grabMsg] = actions() as Array<{ seq: number }>;
    grab(server, ME, 9, 0);
    batch([{ type: "ack", seq: grabMsg!.seq, version: server.version }, { type: "holds", holds: [[9, ME, 9]] }]);
    advance(MOVE_SEND_INTERVAL_MS);
    const to = inward(9, 40);
    store.dragTo(to.x, to.y);
    const moveMsg = actions().at(-1) as { seq: number };
    batch([{ type: "reject", seq: moveMsg.seq, reason: "not-holding" }]);
    expect(store.integrity.lostMoves).toBe(1);
    expect(store.drag).toBeNull();
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
