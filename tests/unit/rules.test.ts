/**
 * The puzzle rules as pure functions: holds and leases, moves, snapping and
 * merging, locking, completion, and every rejection reason.
 */
import { describe, expect, it } from "vitest";
import { clonePuzzle, createPuzzle, groupMembers, heldGroupOf, puzzleState, type PuzzleState } from "../../shared/puzzle-state.ts";
import { MAX_PIECES, pieceCountOf, solvedPosition } from "../../shared/puzzle-spec.ts";
import { REJECT_REASONS } from "../../shared/protocol.ts";
import {
  GRAB_LEASE_MS,
  SNAP_RADIUS_PX,
  drop,
  expireLeases,
  grab,
  move,
  releasePlayer,
  rotate,
  type Applied,
  type RejectReason,
  type RuleResult,
} from "../../shared/rules.ts";

const A = "alice";
const B = "bob";
const T0_MS = 1_000_000;

/** 3 rows x 4 cols of 64 px square cells; the board starts at (179, 135). */
function twelvePieces(seed = 1): PuzzleState {
  return createPuzzle({ imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed });
}

/** 2 x 2 cells. */
function fourPieces(seed = 1): PuzzleState {
  return createPuzzle({ imageId: "test", imageWidth: 1000, imageHeight: 1000, pieceCount: 4, seed });
}

function ok(result: RuleResult): Applied {
  if (!result.ok) expect.fail(`expected the action to apply, got ${result.reason}`);
  return result;
}

/** Puts a piece somewhere directly, to set up a case. */
function put(state: PuzzleState, id: number, x: number, y: number): void {
  const piece = state.pieces[id]!;
  piece.x = x;
  piece.y = y;
}

/** Grabs and drops in one step, as a player would. */
function place(state: PuzzleState, playerId: string, id: number, x: number, y: number, nowMs = T0_MS): Applied {
  ok(grab(state, playerId, id, nowMs));
  return ok(drop(state, playerId, id, x, y, nowMs));
}

/** Everything a rule may change, in comparable form. */
function observable(state: PuzzleState): unknown {
  return {
    pieces: state.pieces.map((piece) => ({ ...piece })),
    holds: [...state.holds].sort(([a], [b]) => a - b),
    placedBy: [...state.placedBy].sort(),
    version: state.version,
    completedAtMs: state.completedAtMs,
  };
}

/** Pieces of a group keep their solved offsets from each other. */
function expectRigid(state: PuzzleState, group: number): void {
  const { spec } = state;
  const members = groupMembers(state, group);
  const first = members[0]!;
  const origin = solvedPosition(spec, first);
  for (const id of members) {
    const solved = solvedPosition(spec, id);
    expect(state.pieces[id]!.x - state.pieces[first]!.x, `piece ${id} x offset`).toBe(solved.x - origin.x);
    expect(state.pieces[id]!.y - state.pieces[first]!.y, `piece ${id} y offset`).toBe(solved.y - origin.y);
  }
}

describe("grab", () => {
  it("is exclusive: a group held by one player cannot be taken by another", () => {
    const state = twelvePieces();
    const result = ok(grab(state, A, 0, T0_MS));
    expect(result.changedHolds).toEqual([0]);
    expect(state.holds.get(0)).toEqual({ playerId: A, pieceId: 0, expiresAtMs: T0_MS + GRAB_LEASE_MS });
    expect(grab(state, B, 0, T0_MS + 1)).toEqual({ ok: false, reason: "held-by-other" });
    expect(state.holds.get(0)!.playerId).toBe(A);
  });

  it("covers the whole group: another piece of a held group cannot be taken either", () => {
    const state = twelvePieces();
    put(state, 0, 10, 10);
    place(state, A, 1, 10 + 64, 10);
    expect(state.pieces[1]!.group).toBe(0);
    ok(grab(state, A, 1, T0_MS));
    expect(grab(state, B, 0, T0_MS)).toEqual({ ok: false, reason: "held-by-other" });
    expect(grab(state, B, 1, T0_MS)).toEqual({ ok: false, reason: "held-by-other" });
  });

  it("grabbing another group releases the first: one hold per player", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    const result = ok(grab(state, A, 5, T0_MS));
    expect(result.changedHolds.sort()).toEqual([0, 5]);
    expect([...state.holds.keys()]).toEqual([5]);
    expect(heldGroupOf(state, A)).toBe(5);
    // The released group is free for someone else.
    ok(grab(state, B, 0, T0_MS));
  });

  it("re-grabbing the held group renews the lease", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    ok(grab(state, A, 0, T0_MS + 5_000));
    expect(state.holds.get(0)!.expiresAtMs).toBe(T0_MS + 5_000 + GRAB_LEASE_MS);
    expect(state.holds.size).toBe(1);
  });

  it("takes over a group whose lease ran out, even before expireLeases", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    expect(grab(state, B, 0, T0_MS + GRAB_LEASE_MS)).toEqual({ ok: false, reason: "held-by-other" });
    ok(grab(state, B, 0, T0_MS + GRAB_LEASE_MS + 1));
    expect(state.holds.get(0)!.playerId).toBe(B);
    expect(heldGroupOf(state, A)).toBeUndefined();
  });
});

describe("move", () => {
  it("moves only for the holder", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    expect(move(state, B, 0, 50, 50, T0_MS)).toEqual({ ok: false, reason: "held-by-other" });
    const result = ok(move(state, A, 0, 50, 50, T0_MS));
    expect(result.changedPieces).toEqual([0]);
    expect(state.pieces[0]).toMatchObject({ x: 50, y: 50 });
  });

  it.each([
    [100.4, 200.6, 100, 201],
    [99.5, 0.49, 100, 0],
    [33, 44, 33, 44],
  ])("rounds (%f, %f) to whole pixels (%i, %i)", (x, y, expectedX, expectedY) => {
    const state = twelvePieces();
    ok(grab(state, A, 3, T0_MS));
    ok(move(state, A, 3, x, y, T0_MS));
    expect(state.pieces[3]).toMatchObject({ x: expectedX, y: expectedY });
  });

  it.each([
    ["left and top", -50, -40, 0, 0],
    ["right and bottom", 1_200, 900, 614 - 64, 461 - 64],
    ["right only", 600, 100, 614 - 64, 100],
  ])("clamps a single piece to the table (%s)", (_label, x, y, expectedX, expectedY) => {
    const state = twelvePieces();
    expect(state.spec.tableWidth).toBe(614);
    expect(state.spec.tableHeight).toBe(461);
    ok(grab(state, A, 2, T0_MS));
    ok(move(state, A, 2, x, y, T0_MS));
    expect(state.pieces[2]).toMatchObject({ x: expectedX, y: expectedY });
  });

  it("clamps the whole group, not only the piece it is held by", () => {
    const state = twelvePieces();
    // Pieces 0 and 1 side by side, 0 on the left; held by piece 1.
    put(state, 0, 10, 10);
    place(state, A, 1, 74, 10);
    ok(grab(state, A, 1, T0_MS));
    ok(move(state, A, 1, 20, 5, T0_MS));
    expect(state.pieces[0]).toMatchObject({ x: 0, y: 5 });
    expect(state.pieces[1]).toMatchObject({ x: 64, y: 5 });
    ok(move(state, A, 1, 1_200, 900, T0_MS));
    expect(state.pieces[1]).toMatchObject({ x: 614 - 64, y: 461 - 64 });
    expect(state.pieces[0]).toMatchObject({ x: 614 - 128, y: 461 - 64 });
  });

  it("renews the lease on every move", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    ok(move(state, A, 0, 20, 20, T0_MS + GRAB_LEASE_MS));
    expect(state.holds.get(0)!.expiresAtMs).toBe(T0_MS + 2 * GRAB_LEASE_MS);
  });
});

describe("lease expiry", () => {
  it("expireLeases releases exactly the holds whose lease ran out", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    ok(grab(state, B, 5, T0_MS + 3_000));
    const before = state.version;
    expect(expireLeases(state, T0_MS + GRAB_LEASE_MS)).toEqual([]);
    expect(state.version).toBe(before);
    expect(expireLeases(state, T0_MS + GRAB_LEASE_MS + 1)).toEqual([0]);
    expect(state.version).toBe(before + 1);
    expect([...state.holds.keys()]).toEqual([5]);
    expect(expireLeases(state, T0_MS + 3_000 + GRAB_LEASE_MS + 1)).toEqual([5]);
    expect(state.holds.size).toBe(0);
  });

  it("refuses a move or drop after the lease ran out, and takes nothing from the state", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    const late = T0_MS + GRAB_LEASE_MS + 1;
    const before = observable(state);
    expect(move(state, A, 0, 20, 20, late)).toEqual({ ok: false, reason: "not-holding" });
    expect(drop(state, A, 0, 20, 20, late)).toEqual({ ok: false, reason: "not-holding" });
    expect(observable(state)).toEqual(before);
  });

  it("releasePlayer drops every hold of that player only", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    ok(grab(state, B, 5, T0_MS));
    expect(releasePlayer(state, A)).toEqual([0]);
    expect([...state.holds.keys()]).toEqual([5]);
    expect(releasePlayer(state, A)).toEqual([]);
  });
});

describe("what a snap reports and reads", () => {
  it("a group that takes the dropped group's name is reported whole, as it changed", () => {
    const state = twelvePieces();
    put(state, 1, 84, 20);
    const result = place(state, A, 0, 20, 20);
    expect(state.pieces[1]!.group).toBe(0);
    expect(result.changedPieces).toEqual([0, 1]);
  });

  it("a piece dropped onto a locked group locks, and the group's other pieces are not news", () => {
    const state = twelvePieces();
    for (const id of [0, 1, 2, 4, 5, 6]) place(state, A, id, solvedPosition(state.spec, id).x, solvedPosition(state.spec, id).y);
    expect(groupMembers(state, 0)).toEqual([0, 1, 2, 4, 5, 6]);
    expect(state.pieces[0]!.locked).toBe(true);
    const target = solvedPosition(state.spec, 8);
    const result = place(state, A, 8, target.x + 5, target.y - 4);
    expect(state.pieces[8]).toEqual({ ...target, group: 0, locked: true, rotation: 0 });
    expect(result.changedPieces).toEqual([8]);
    expect(result.placed).toBe(1);
  });

  it("a drop onto the locked group of a MAX_PIECES end game reads a few pieces, not every one", () => {
    const fresh = createPuzzle({ imageId: "test", imageWidth: 1920, imageHeight: 1080, pieceCount: MAX_PIECES, seed: 3 });
    const count = pieceCountOf(fresh.spec);
    const loose = [count - 1, Math.floor(count / 2), 17];
    const pieces = fresh.pieces.map((piece, id) => (loose.includes(id) ? piece : { ...solvedPosition(fresh.spec, id), group: 0, locked: true, rotation: 0 as const }));
    const state = puzzleState({ spec: fresh.spec, pieces, holds: new Map(), placedBy: new Map(), version: 0, completedAtMs: null });
    let reads = 0;
    state.pieces = new Proxy(state.pieces, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    for (const id of loose) {
      reads = 0;
      const result = place(state, A, id, solvedPosition(state.spec, id).x, solvedPosition(state.spec, id).y);
      expect(result.changedPieces).toEqual([id]);
      expect(reads, `drop of piece ${id}`).toBeLessThan(100);
    }
    expect(state.completedAtMs).toBe(T0_MS);
    expect(groupMembers(state, 0)).toHaveLength(count);
  });
});

describe("snapping to neighbours", () => {
  // Piece 0 lies at (20, 20), far from the board; piece 1 (its right neighbour)
  // fits at (84, 20).
  const cases: Array<[string, number, number, boolean]> = [
    ["exactly in place", 0, 0, true],
    ["10 px to the right", 10, 0, true],
    ["on the radius horizontally", SNAP_RADIUS_PX, 0, true],
    ["on the radius diagonally (12, 16)", 12, 16, true],
    ["just beyond the radius", SNAP_RADIUS_PX + 1, 0, false],
    ["beyond the radius diagonally (15, 15)", 15, 15, false],
    ["above and left, within", -8, -9, true],
    ["far away", 100, 0, false],
  ];

  it.each(cases)("drop of piece 1 %s (offset %i, %i) snaps: %s", (_label, dx, dy, snaps) => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    const result = place(state, A, 1, 84 + dx, 20 + dy);
    if (snaps) {
      expect(state.pieces[1]).toEqual({ x: 84, y: 20, group: 0, locked: false, rotation: 0 });
      expect(state.pieces[0]).toEqual({ x: 20, y: 20, group: 0, locked: false, rotation: 0 });
      expect(result.placed).toBe(1);
      // Piece 0 neither moved nor changed group: only piece 1 is news.
      expect(result.changedPieces).toEqual([1]);
      expect(state.placedBy.get(A)).toBe(1);
    } else {
      expect(state.pieces[1]).toEqual({ x: 84 + dx, y: 20 + dy, group: 1, locked: false, rotation: 0 });
      expect(state.pieces[0]!.group).toBe(0);
      expect(result.placed).toBe(0);
      expect(state.placedBy.has(A)).toBe(false);
    }
    expect(state.holds.size).toBe(0);
  });

  it("joins vertical neighbours too, and the group id is the smallest piece id", () => {
    const state = twelvePieces();
    put(state, 5, 30, 300);
    place(state, A, 9, 30 + 3, 300 + 64 - 4);
    expect(state.pieces[9]).toEqual({ x: 30, y: 364, group: 5, locked: false, rotation: 0 });
    place(state, A, 1, 30, 300 - 64 + 7);
    expect(groupMembers(state, 1)).toEqual([1, 5, 9]);
    expectRigid(state, 1);
  });

  it("a merged group moves as one, by any of its pieces", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    place(state, A, 1, 84, 20);
    place(state, A, 4, 20, 84);
    expect(groupMembers(state, 0)).toEqual([0, 1, 4]);
    ok(grab(state, B, 4, T0_MS));
    expect([...state.holds.keys()]).toEqual([0]);
    const result = ok(move(state, B, 4, 100, 250, T0_MS));
    expect(result.changedPieces).toEqual([0, 1, 4]);
    expect(state.pieces[4]).toMatchObject({ x: 100, y: 250 });
    expect(state.pieces[0]).toMatchObject({ x: 100, y: 186 });
    expect(state.pieces[1]).toMatchObject({ x: 164, y: 186 });
    ok(drop(state, B, 0, 30, 30, T0_MS));
    expectRigid(state, 0);
    expect(state.pieces[0]).toMatchObject({ x: 30, y: 30 });
  });

  it("joins two groups into one when the dropped group bridges them", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    put(state, 2, 148, 20);
    const result = place(state, A, 1, 84 + 5, 20 - 3);
    expect(groupMembers(state, 0)).toEqual([0, 1, 2]);
    expectRigid(state, 0);
    expect(result.placed).toBe(1);
  });

  it("does not merge into a group someone else holds", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    ok(grab(state, B, 0, T0_MS));
    const result = place(state, A, 1, 84, 20);
    expect(state.pieces[1]!.group).toBe(1);
    expect(state.pieces[0]!.group).toBe(0);
    expect(result.placed).toBe(0);
    expect(state.holds.get(0)!.playerId).toBe(B);
    // Once B lets go, A's next drop joins them.
    ok(drop(state, B, 0, 20, 20, T0_MS));
    place(state, A, 1, 84, 20);
    expect(state.pieces[1]!.group).toBe(0);
  });

  it("merges into a group whose holder's lease ran out, and reports that hold released", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    ok(grab(state, B, 0, T0_MS));
    const later = T0_MS + GRAB_LEASE_MS + 1;
    ok(grab(state, A, 1, later));
    const result = ok(drop(state, A, 1, 84, 20, later));
    expect(state.pieces[1]!.group).toBe(0);
    expect(state.holds.has(0)).toBe(false);
    expect(result.changedHolds).toContain(0);
    expect(result.placed).toBe(1);
  });
});

describe("snapping to the board", () => {
  it.each([
    ["exactly", 0, 0, true],
    ["within the radius", 14, -14, true],
    ["beyond the radius", 15, -15, false],
  ])("a piece dropped %s on its spot locks: %s", (_label, dx, dy, locks) => {
    const state = twelvePieces();
    const target = solvedPosition(state.spec, 6);
    const result = place(state, A, 6, target.x + dx, target.y + dy);
    if (locks) {
      expect(state.pieces[6]).toEqual({ ...target, group: 6, locked: true, rotation: 0 });
      expect(result.placed).toBe(1);
    } else {
      expect(state.pieces[6]).toEqual({ x: target.x + dx, y: target.y + dy, group: 6, locked: false, rotation: 0 });
      expect(result.placed).toBe(0);
    }
  });

  it("a locked piece can no longer be grabbed", () => {
    const state = twelvePieces();
    const target = solvedPosition(state.spec, 6);
    place(state, A, 6, target.x, target.y);
    expect(grab(state, B, 6, T0_MS)).toEqual({ ok: false, reason: "piece-locked" });
  });

  it("a whole group locks at once, every piece on its own spot", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    place(state, A, 1, 84, 20);
    const target = solvedPosition(state.spec, 0);
    const result = place(state, A, 1, target.x + 64 + 6, target.y - 5);
    expect(result.placed).toBe(2);
    for (const id of [0, 1]) expect(state.pieces[id]).toEqual({ ...solvedPosition(state.spec, id), group: 0, locked: true, rotation: 0 });
  });

  it("merging into a locked group locks the dropped group", () => {
    const state = twelvePieces();
    const spot0 = solvedPosition(state.spec, 0);
    place(state, A, 0, spot0.x, spot0.y);
    // Piece 5 fits below-right; piece 1 right of 0, so 1 and 5 form a loose group.
    put(state, 1, 400, 10);
    place(state, A, 5, 400, 74);
    expect(groupMembers(state, 1)).toEqual([1, 5]);
    // Drop the pair so piece 1 is within the radius of its place next to 0 but
    // far enough (> radius) from the board spot for the board not to be the reason.
    const spot1 = solvedPosition(state.spec, 1);
    const result = place(state, B, 1, spot1.x + 12, spot1.y + 12);
    expect(result.placed).toBe(2);
    for (const id of [0, 1, 5]) expect(state.pieces[id]).toEqual({ ...solvedPosition(state.spec, id), group: 0, locked: true, rotation: 0 });
    expect(state.placedBy.get(B)).toBe(2);
  });

  it("a locked group that the drop reaches is never moved off its spot", () => {
    // Regression: after joining a locked group, the merge loop went on to join
    // a loose neighbour by moving the locked pieces onto it.
    const state = twelvePieces();
    const spot = (id: number) => solvedPosition(state.spec, id);
    place(state, A, 0, spot(0).x, spot(0).y);
    // Piece 2 lies loose 15 px right of its spot (left there by a player who
    // disconnected mid-drag), within the radius of where piece 1 will be.
    put(state, 2, spot(2).x + 15, spot(2).y);
    const result = place(state, A, 1, spot(1).x + 4, spot(1).y);
    for (const id of [0, 1, 2]) {
      expect(state.pieces[id], `piece ${id}`).toEqual({ ...spot(id), group: 0, locked: true, rotation: 0 });
    }
    expect(result.placed).toBe(1);
  });
});

describe("completion", () => {
  it.each([
    ["4 pieces", fourPieces],
    ["12 pieces", twelvePieces],
  ])("%s: dropping every piece on its spot completes the puzzle", (_label, make) => {
    const state = make();
    const count = pieceCountOf(state.spec);
    let completions = 0;
    // Alternate players and an order that mixes lone pieces with joins.
    const order = Array.from({ length: count }, (_, i) => (i * 5) % count);
    expect(new Set(order).size).toBe(count);
    order.forEach((id, step) => {
      const player = step % 2 === 0 ? A : B;
      const target = solvedPosition(state.spec, id);
      const result = place(state, player, id, target.x + 3, target.y - 2, T0_MS + step);
      if (result.completed) completions++;
      expect(result.completed).toBe(step === count - 1);
    });
    expect(completions).toBe(1);
    expect(state.completedAtMs).toBe(T0_MS + count - 1);
    expect(state.pieces.every((piece, id) => piece.locked && piece.x === solvedPosition(state.spec, id).x)).toBe(true);
    expect((state.placedBy.get(A) ?? 0) + (state.placedBy.get(B) ?? 0)).toBe(count);
    expect(state.placedBy.get(A)).toBe(Math.ceil(count / 2));
  });

  it("a puzzle assembled off the board locks in place as a whole and completes", () => {
    const state = fourPieces();
    put(state, 0, 5, 5);
    place(state, A, 1, 69, 5);
    place(state, B, 2, 5, 69);
    expect(state.completedAtMs).toBeNull();
    const result = place(state, A, 3, 69, 69, T0_MS + 50);
    expect(result.completed).toBe(true);
    expect(state.completedAtMs).toBe(T0_MS + 50);
    state.pieces.forEach((piece, id) => expect(piece).toEqual({ ...solvedPosition(state.spec, id), group: 0, locked: true, rotation: 0 }));
    expect(state.placedBy.get(A)).toBe(2);
    expect(state.placedBy.get(B)).toBe(1);
  });

  it("counts placements per player: every piece joined to something counts once per drop", () => {
    const state = twelvePieces();
    put(state, 0, 20, 20);
    expect(place(state, A, 1, 84, 20).placed).toBe(1);
    expect(place(state, B, 2, 148, 20).placed).toBe(1);
    // Dropping the group of three onto the board counts all three for B.
    const spot1 = solvedPosition(state.spec, 1);
    expect(place(state, B, 1, spot1.x - 5, spot1.y + 5).placed).toBe(3);
    // A drop that joins nothing counts nothing.
    expect(place(state, A, 7, 20, 300).placed).toBe(0);
    expect(state.placedBy.get(A)).toBe(1);
    expect(state.placedBy.get(B)).toBe(4);
  });
});

describe("versions", () => {
  it("every applied action bumps the version once; rejections leave it", () => {
    const state = twelvePieces();
    ok(grab(state, A, 0, T0_MS));
    ok(move(state, A, 0, 10, 10, T0_MS));
    ok(drop(state, A, 0, 10, 10, T0_MS));
    expect(state.version).toBe(3);
    grab(state, A, 999, T0_MS);
    expect(state.version).toBe(3);
  });
});

interface RejectCase {
  name: string;
  reason: RejectReason;
  setup?: (state: PuzzleState) => void;
  act: (state: PuzzleState) => RuleResult;
}

const lockPiece6 = (state: PuzzleState) => {
  const target = solvedPosition(state.spec, 6);
  place(state, B, 6, target.x, target.y);
};
const solveAll = (state: PuzzleState) => {
  for (let id = 0; id < pieceCountOf(state.spec); id++) {
    const target = solvedPosition(state.spec, id);
    place(state, B, id, target.x, target.y);
  }
};

/** The same puzzle in a room with rotation on (every piece still upright). */
const turning = (state: PuzzleState) => {
  state.spec = { ...state.spec, rotation: true };
};
const turningAndHeld = (state: PuzzleState) => {
  turning(state);
  ok(grab(state, A, 3, T0_MS));
};

const REJECT_CASES: RejectCase[] = [
  { name: "grab of a piece id past the end", reason: "no-such-piece", act: (s) => grab(s, A, 12, T0_MS) },
  { name: "grab of a negative piece id", reason: "no-such-piece", act: (s) => grab(s, A, -1, T0_MS) },
  { name: "grab of a fractional piece id", reason: "no-such-piece", act: (s) => grab(s, A, 1.5, T0_MS) },
  { name: "move of a piece id past the end", reason: "no-such-piece", act: (s) => move(s, A, 99, 10, 10, T0_MS) },
  { name: "drop of a NaN piece id", reason: "no-such-piece", act: (s) => drop(s, A, Number.NaN, 10, 10, T0_MS) },
  { name: "grab of a locked piece", reason: "piece-locked", setup: lockPiece6, act: (s) => grab(s, A, 6, T0_MS) },
  { name: "move of a locked piece", reason: "piece-locked", setup: lockPiece6, act: (s) => move(s, A, 6, 10, 10, T0_MS) },
  { name: "drop of a locked piece", reason: "piece-locked", setup: lockPiece6, act: (s) => drop(s, A, 6, 10, 10, T0_MS) },
  { name: "grab of a piece another holds", reason: "held-by-other", setup: (s) => void grab(s, B, 3, T0_MS), act: (s) => grab(s, A, 3, T0_MS) },
  { name: "move of a piece another holds", reason: "held-by-other", setup: (s) => void grab(s, B, 3, T0_MS), act: (s) => move(s, A, 3, 10, 10, T0_MS) },
  { name: "drop of a piece another holds", reason: "held-by-other", setup: (s) => void grab(s, B, 3, T0_MS), act: (s) => drop(s, A, 3, 10, 10, T0_MS) },
  { name: "move of a piece nobody holds", reason: "not-holding", act: (s) => move(s, A, 3, 10, 10, T0_MS) },
  { name: "drop of a piece nobody holds", reason: "not-holding", act: (s) => drop(s, A, 3, 10, 10, T0_MS) },
  {
    name: "move after the lease ran out",
    reason: "not-holding",
    setup: (s) => void grab(s, A, 3, T0_MS),
    act: (s) => move(s, A, 3, 10, 10, T0_MS + GRAB_LEASE_MS + 1),
  },
  { name: "move to x = NaN", reason: "out-of-range", setup: (s) => void grab(s, A, 3, T0_MS), act: (s) => move(s, A, 3, Number.NaN, 10, T0_MS) },
  { name: "move to y = Infinity", reason: "out-of-range", setup: (s) => void grab(s, A, 3, T0_MS), act: (s) => move(s, A, 3, 10, Number.POSITIVE_INFINITY, T0_MS) },
  { name: "move more than a table to the right", reason: "out-of-range", setup: (s) => void grab(s, A, 3, T0_MS), act: (s) => move(s, A, 3, 3 * 614, 10, T0_MS) },
  { name: "drop more than a table above", reason: "out-of-range", setup: (s) => void grab(s, A, 3, T0_MS), act: (s) => drop(s, A, 3, 10, -462, T0_MS) },
  { name: "grab after completion", reason: "puzzle-complete", setup: solveAll, act: (s) => grab(s, A, 0, T0_MS) },
  { name: "move after completion", reason: "puzzle-complete", setup: solveAll, act: (s) => move(s, A, 0, 10, 10, T0_MS) },
  { name: "drop after completion", reason: "puzzle-complete", setup: solveAll, act: (s) => drop(s, A, 0, 10, 10, T0_MS) },
  { name: "rotate in a room with rotation off", reason: "rotation-off", setup: (s) => void grab(s, A, 3, T0_MS), act: (s) => rotate(s, A, 3, 1, T0_MS) },
  { name: "rotate to 4 quarter turns", reason: "bad-rotation", setup: turningAndHeld, act: (s) => rotate(s, A, 3, 4, T0_MS) },
  { name: "rotate to -1 quarter turns", reason: "bad-rotation", setup: turningAndHeld, act: (s) => rotate(s, A, 3, -1, T0_MS) },
  { name: "rotate to a fractional rotation", reason: "bad-rotation", setup: turningAndHeld, act: (s) => rotate(s, A, 3, 1.5, T0_MS) },
  { name: "rotate to NaN", reason: "bad-rotation", setup: turningAndHeld, act: (s) => rotate(s, A, 3, Number.NaN, T0_MS) },
  { name: "rotate of a piece another holds", reason: "held-by-other", setup: (s) => (turning(s), void grab(s, B, 3, T0_MS)), act: (s) => rotate(s, A, 3, 1, T0_MS) },
  { name: "rotate of a piece nobody holds", reason: "not-holding", setup: turning, act: (s) => rotate(s, A, 3, 1, T0_MS) },
  { name: "rotate of a locked piece", reason: "piece-locked", setup: (s) => (turning(s), lockPiece6(s)), act: (s) => rotate(s, A, 6, 1, T0_MS) },
  { name: "rotate of a piece id past the end", reason: "no-such-piece", setup: turning, act: (s) => rotate(s, A, 12, 1, T0_MS) },
  { name: "rotate after completion", reason: "puzzle-complete", setup: (s) => (turning(s), solveAll(s)), act: (s) => rotate(s, A, 0, 1, T0_MS) },
];

/**
 * Reasons no rule gives: each names where it comes from and where it is tested.
 * Anything else in REJECT_REASONS needs a row in REJECT_CASES.
 */
const REASONS_FROM_OUTSIDE_THE_RULES: Partial<Record<RejectReason, string>> = {
  conflict: "the stateless-occ backend (party/stateless/) giving up after repeated write conflicts",
  "rate-limited": "the boundary's rate limit on actions (party/common/socket-guard.ts; tests/unit/socket-guard.test.ts)",
  watching: "the stateful room refusing a watcher's action (party/room/room-core.ts; tests/unit/room-crowd.test.ts)",
  "watch-only": "the host made the room watch-only (party/room/room-host.ts; tests/unit/room-host.test.ts)",
};

describe("rejections", () => {
  it("the table covers every RejectReason", () => {
    const covered = new Set<RejectReason>(REJECT_CASES.map((row) => row.reason));
    for (const reason of Object.keys(REASONS_FROM_OUTSIDE_THE_RULES) as RejectReason[]) {
      expect(covered.has(reason), `${reason} is produced by a rule after all: drop it from the exemptions`).toBe(false);
      covered.add(reason);
    }
    const missing = REJECT_REASONS.filter((reason) => !covered.has(reason));
    expect(missing, "add a row to REJECT_CASES for each new RejectReason").toEqual([]);
  });

  it.each(REJECT_CASES.map((row) => [row.name, row] as const))("%s is rejected with its reason and changes nothing", (_name, row) => {
    const state = twelvePieces();
    row.setup?.(state);
    const before = observable(state);
    const copy = clonePuzzle(state);
    expect(row.act(state)).toEqual({ ok: false, reason: row.reason });
    expect(observable(state)).toEqual(before);
    expect(observable(copy)).toEqual(before);
  });

  it("rules never throw, even for nonsense", () => {
    const state = twelvePieces();
    for (const id of [Number.NaN, Number.POSITIVE_INFINITY, -0.5, 2 ** 53, -1e9]) {
      for (const [x, y] of [[Number.NaN, 0], [0, Number.NEGATIVE_INFINITY], [1e308, -1e308]] as const) {
        expect(() => grab(state, A, id, T0_MS)).not.toThrow();
        expect(() => move(state, A, id, x, y, T0_MS)).not.toThrow();
        expect(() => drop(state, A, id, x, y, T0_MS)).not.toThrow();
        expect(() => rotate(state, A, id, x, T0_MS)).not.toThrow();
      }
    }
  });
});
