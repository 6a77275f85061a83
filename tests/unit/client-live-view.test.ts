/**
 * The incremental view: after any sequence of own drags, the room's answers,
 * another player's actions, reconnects and clock steps, it equals the replica
 * with the pending actions and the unsent drag replayed from scratch; what it
 * reports brings the drawn positions to it; and its work follows the change,
 * not the size of the puzzle.
 */
import { describe, expect, it } from "vitest";
import { createPrng, type Prng } from "../../shared/prng.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { clonePuzzle, type PuzzleState } from "../../shared/puzzle-state.ts";
import { applyAction, move, releasePlayer, type RuleResult } from "../../shared/rules.ts";
import { wireHold, wirePieceChange } from "../../shared/replica.ts";
import { PROTOCOL_VERSION, type BatchEvent, type ClientMessage } from "../../shared/protocol.ts";
import type { PuzzleStore } from "../../client/store/puzzle-store.ts";
import { ME, OTHER, setup, snapshotOf } from "./client-harness.ts";

const pick = <T>(prng: Prng, items: readonly T[]): T => items[Math.floor(prng() * items.length)]!;

/** The view as the store used to make it: a clone of the replica, every pending action and the unsent drag replayed. */
function fromScratch(store: PuzzleStore, nowMs: number): PuzzleState {
  const view = clonePuzzle(store.replica!.puzzle);
  for (const { message } of store.pending) applyAction(view, ME, message, nowMs);
  const drag = store.drag;
  if (drag?.unsent) move(view, ME, drag.pieceId, drag.x, drag.y, nowMs);
  return view;
}

/** Everything a player can see of a state (lease expiries are the room's business). */
function visible(state: PuzzleState) {
  return {
    pieces: state.pieces,
    groups: [...state.groups].sort(([a], [b]) => a - b),
    holds: [...state.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId]).sort(([a], [b]) => Number(a) - Number(b)),
    lockedPieces: state.lockedPieces,
    completedAtMs: state.completedAtMs,
  };
}

/** Batch events for what an applied action changed on the room's state. */
function eventsOf(server: PuzzleState, result: RuleResult): BatchEvent[] {
  if (!result.ok) return [];
  const events: BatchEvent[] = [];
  if (result.changedPieces.length > 0) events.push({ type: "pieces", pieces: result.changedPieces.map((id) => wirePieceChange(server, id)) });
  if (result.changedHolds.length > 0) events.push({ type: "holds", holds: result.changedHolds.map((group) => wireHold(server, group)) });
  if (result.completed) events.push({ type: "complete", completedAtMs: server.completedAtMs! });
  return events;
}

function play(seed: number, steps: number): void {
  const prng = createPrng(seed);
  const harness = setup(30);
  const { server, store, link, clock, drawn, batch } = harness;
  let delivered = 0;
  let otherHolding: number | null = null;
  let queued: BatchEvent[] = [];
  const spec = server.spec;
  const somewhere = () => ({ x: Math.round(prng() * (spec.tableWidth - spec.pieceWidth)), y: Math.round(prng() * (spec.tableHeight - spec.pieceHeight)) });

  /** The room applies what this client sent since the last time, in order. */
  const roomTakesOwn = () => {
    for (; delivered < link.sent.length; delivered++) {
      const message: ClientMessage = link.sent[delivered]!;
      if (message.type !== "grab" && message.type !== "move" && message.type !== "drop") continue;
      const result = applyAction(server, ME, message, clock.now());
      queued.push(result.ok ? { type: "ack", seq: message.seq, version: server.version } : { type: "reject", seq: message.seq, reason: result.reason });
      queued.push(...eventsOf(server, result));
    }
  };
  const flush = () => {
    if (queued.length === 0 && prng() < 0.5) return;
    batch(queued);
    queued = [];
  };

  for (let step = 0; step < steps; step++) {
    const roll = prng();
    const view = store.view!;
    const loose = view.pieces.flatMap((piece, id) => (!piece.locked ? [id] : []));
    if (roll < 0.12 && !store.drag && loose.length > 0) {
      const id = pick(prng, loose);
      const piece = view.pieces[id]!;
      store.beginDrag(id, piece.x + 5, piece.y + 5);
    } else if (roll < 0.35 && store.drag) {
      const to = somewhere();
      store.dragTo(to.x, to.y);
    } else if (roll < 0.42 && store.drag) {
      const drag = store.drag;
      // Half the drops aim at the piece's place on the board, so snaps and locks happen.
      const home = solvedPosition(spec, drag.pieceId);
      const to = prng() < 0.5 ? { x: home.x - drag.offsetX + 3, y: home.y - drag.offsetY - 2 } : somewhere();
      store.endDrag(to.x, to.y);
    } else if (roll < 0.62) {
      roomTakesOwn();
      flush();
    } else if (roll < 0.8) {
      // The other player grabs, moves or drops, and the room tells everyone.
      let result: RuleResult;
      if (otherHolding === null) {
        const id = pick(prng, loose.length > 0 ? loose : [0]);
        result = applyAction(server, OTHER, { type: "grab", pieceId: id }, clock.now());
        if (result.ok) otherHolding = id;
      } else if (prng() < 0.7) {
        result = applyAction(server, OTHER, { type: "move", pieceId: otherHolding, ...somewhere() }, clock.now());
      } else {
        const home = solvedPosition(spec, otherHolding);
        result = applyAction(server, OTHER, { type: "drop", pieceId: otherHolding, ...(prng() < 0.5 ? home : somewhere()) }, clock.now());
        otherHolding = null;
      }
      queued.push(...eventsOf(server, result));
      if (prng() < 0.5) flush();
    } else if (roll < 0.97) {
      harness.advance(Math.floor(prng() * 60));
    } else {
      // A reconnect: what was in flight is lost, the room releases this player, a welcome resumes.
      link.setState("reconnecting");
      delivered = link.sent.length;
      queued = [];
      releasePlayer(server, ME);
      harness.welcome();
      link.setState("open");
    }
    expect(visible(store.view!), `seed ${seed}, step ${step}`).toEqual(visible(fromScratch(store, clock.now())));
  }

  // The end: the player lets go, the room answers everything, the pointer stays still.
  const drag = store.drag;
  if (drag) store.endDrag(drag.x - drag.offsetX, drag.y - drag.offsetY);
  roomTakesOwn();
  batch(queued);
  harness.advance(2_000);
  expect(store.pending, `seed ${seed}`).toHaveLength(0);
  expect(visible(store.view!)).toEqual(visible(server));
  const drawnAt = store.view!.pieces.map((_, id) => ({ x: drawn.smoothing.x[id], y: drawn.smoothing.y[id] }));
  expect(drawnAt, `seed ${seed}: every change reached the drawn positions`).toEqual(store.view!.pieces.map(({ x, y }) => ({ x, y })));
}

describe("the incremental view", () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`equals the view derived from scratch (seed ${seed})`, () => play(seed, 250));
  }

  it("reports exactly the pieces a batch moved, and the group a grab starts to drag", () => {
    const { server, store, batch, piecesEvent } = setup();
    const changed = new Set<number>();
    store.takeChanges(changed);
    changed.clear();
    server.pieces[6]!.x += 30;
    server.version++;
    batch([piecesEvent([6])]);
    store.takeChanges(changed);
    expect([...changed]).toEqual([6]);
    changed.clear();
    const piece = store.view!.pieces[4]!;
    store.beginDrag(4, piece.x, piece.y);
    store.takeChanges(changed);
    expect([...changed]).toEqual([4]);
    expect(store.motionOf(4)).toBe("follow");
    expect(store.motionOf(6)).toBe("glide");
  });
});

/** Counts reads of a piece by index through the pieces array. */
function countReads(state: PuzzleState): { reads: number } {
  const counter = { reads: 0 };
  state.pieces = new Proxy(state.pieces, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) counter.reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return counter;
}

describe("work in proportion to the change", () => {
  it("a batch and a drag step read a few pieces of a 2,500-piece puzzle, not every one", () => {
    const { server, store, batch, piecesEvent, inward, advance } = setup(2_500);
    const replicaReads = countReads(store.replica!.puzzle);
    const viewReads = countReads(store.view!);
    const reads = () => replicaReads.reads + viewReads.reads;

    server.pieces[7]!.x += 30;
    server.version++;
    batch([piecesEvent([7]), { type: "cursors", cursors: [[OTHER, 5, 5]] }]);
    expect(reads()).toBeLessThan(50);

    const piece = { ...store.view!.pieces[3]! };
    store.beginDrag(3, piece.x, piece.y);
    advance(40);
    const before = reads();
    for (let step = 1; step <= 20; step++) {
      const to = inward(3, step);
      store.dragTo(to.x, to.y);
      advance(16);
    }
    // A full scan would read 2,500 pieces; a step replays the grab and the moves in flight on one piece.
    expect((reads() - before) / 20).toBeLessThan(100);
    store.endDrag(piece.x + 40, piece.y);
    expect(store.view!.pieces[3]!.x).toBe(piece.x + 40);
    expect(reads() - before).toBeLessThan(2_500);
  });
});

describe("a reconnect to the same puzzle", () => {
  it("keeps the drawn positions and glides them to the new state", () => {
    const { server, store, link, drawn, advance } = setup();
    const from = drawn.smoothing.x[5]!;
    link.setState("reconnecting");
    server.pieces[5]!.x = from + 100;
    link.deliver({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: ME, token: "t", snapshot: snapshotOf(server) });
    link.setState("open");
    advance(16);
    expect(drawn.smoothing.x[5]!).toBeGreaterThan(from);
    expect(drawn.smoothing.x[5]!).toBeLessThan(from + 100);
    advance(1_000);
    expect(store.view!.pieces[5]!.x).toBe(from + 100);
    expect(drawn.smoothing.x[5]!).toBe(from + 100);
  });
});
