/**
 * Rotation: the geometry of quarter turns, turning a group about its held
 * piece, snapping only between pieces turned alike, locking only upright, the
 * seeded start rotations, and the wire form of a turned piece.
 */
import { describe, expect, it } from "vitest";
import { createPuzzle, groupMembers, mergeGroups, type PuzzleState } from "../../shared/puzzle-state.ts";
import { boardRect, pieceCountOf, solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { applyAction, drop, grab, move, rotate, GRAB_LEASE_MS, type Applied, type RuleResult } from "../../shared/rules.ts";
import { footprint, memberOffset, neighbourOffset, turned, turnVector, type Rotation } from "../../shared/rotation.ts";
import { PiecesEventSchema, SnapshotSchema } from "../../shared/protocol.ts";
import { pieceFromWire, wirePiece, wirePieceChange } from "../../shared/replica.ts";
import * as v from "valibot";
import { InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { decodeDocument, encodeDocument } from "../../party/stateless/document.ts";

const A = "alice";
const B = "bob";
const T0_MS = 1_000_000;

/** 3 rows x 4 cols of 64 x 64 cells on a 614 x 461 table; the board at (179, 135). */
const SQUARE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 1, rotation: true };
/** Cells wider than tall: 64 x 36. */
const WIDE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 900, pieceCount: 12, seed: 1, rotation: true };

/** A rotation-on puzzle with every piece upright, so each case sets the turns it needs. */
function upright(options: PuzzleOptions = SQUARE): PuzzleState {
  const state = createPuzzle(options);
  for (const piece of state.pieces) piece.rotation = 0;
  return state;
}

function ok(result: RuleResult): Applied {
  if (!result.ok) expect.fail(`expected the action to apply, got ${result.reason}`);
  return result;
}

/** Joins `ids` into one group turned by `rotation`, `anchor`'s cell at (x, y). */
function groupAt(state: PuzzleState, ids: number[], anchor: number, x: number, y: number, rotation: Rotation = 0): number {
  const group = Math.min(...ids);
  for (const id of ids) {
    const offset = memberOffset(state.spec, anchor, id, rotation);
    Object.assign(state.pieces[id]!, { x: x + offset.x, y: y + offset.y, rotation });
    mergeGroups(state, state.pieces[id]!.group, group);
  }
  return group;
}

/** The pieces of a group lie at their solved offsets turned by their one rotation. */
function expectRigid(state: PuzzleState, group: number): void {
  const members = groupMembers(state, group);
  const first = state.pieces[members[0]!]!;
  for (const id of members) {
    const piece = state.pieces[id]!;
    expect(piece.rotation, `piece ${id} rotation`).toBe(first.rotation);
    const offset = memberOffset(state.spec, members[0]!, id, first.rotation);
    expect({ x: piece.x - first.x, y: piece.y - first.y }, `piece ${id} offset`).toEqual(offset);
  }
}

describe("quarter-turn geometry", () => {
  it.each([
    [0, { x: 3, y: 5 }],
    [1, { x: -5, y: 3 }],
    [2, { x: -3, y: -5 }],
    [3, { x: 5, y: -3 }],
  ] as const)("a vector turned %i quarter turns clockwise (y down)", (rotation, expected) => {
    expect(turnVector(3, 5, rotation)).toEqual(expected);
  });

  it("never writes a negative zero", () => {
    for (const rotation of [0, 1, 2, 3] as const) {
      const { x, y } = turnVector(0, 0, rotation);
      expect(Object.is(x, -0) || Object.is(y, -0), `rotation ${rotation}`).toBe(false);
    }
  });

  it("turns wrap around both ways", () => {
    expect(turned(3, 1)).toBe(0);
    expect(turned(0, -1)).toBe(3);
    expect(turned(1, 6)).toBe(3);
  });

  it("a turned piece that is not square covers its cell turned about the centre", () => {
    const spec = createPuzzle(WIDE).spec;
    const { pieceWidth: w, pieceHeight: h } = spec;
    expect(w).not.toBe(h);
    expect(footprint(spec, 0)).toEqual({ left: 0, top: 0, right: w, bottom: h });
    expect(footprint(spec, 2)).toEqual({ left: 0, top: 0, right: w, bottom: h });
    const quarter = footprint(spec, 1);
    expect(quarter).toEqual(footprint(spec, 3));
    expect(quarter.right - quarter.left).toBe(h);
    expect(quarter.bottom - quarter.top).toBe(w);
    expect((quarter.left + quarter.right) / 2).toBe(w / 2);
    expect((quarter.top + quarter.bottom) / 2).toBe(h / 2);
  });
});

describe("turning a group about its held piece", () => {
  it.each([
    ["square cells", SQUARE],
    ["cells wider than tall", WIDE],
  ] as const)("%s: the held piece stays put, the rest swings round it, and four turns bring everything back", (_label, options) => {
    const state = upright(options);
    const { pieceWidth: w } = state.spec;
    // Pieces 0, 1, 4, 5: the top-left 2 x 2 of the picture, held by piece 5 in the middle of the table.
    const group = groupAt(state, [0, 1, 4, 5], 5, 280, 220);
    const start = state.pieces.map((piece) => ({ ...piece }));
    ok(grab(state, A, 5, T0_MS));
    const result = ok(rotate(state, A, 5, 1, T0_MS + 5));
    expect(result.changedPieces).toEqual([0, 1, 4, 5]);
    expect(state.pieces[5]).toMatchObject({ x: 280, y: 220, rotation: 1 });
    // The left neighbour (4) is now above the pivot, by the piece's width, which is now its height.
    expect(state.pieces[4]).toMatchObject({ x: 280, y: 220 - w, rotation: 1 });
    expectRigid(state, group);
    expect(state.holds.get(group)!.expiresAtMs).toBe(T0_MS + 5 + GRAB_LEASE_MS);

    for (const [rotation, atMs] of [[2, 10], [3, 20], [0, 30]] as const) ok(rotate(state, A, 5, rotation, T0_MS + atMs));
    expect(state.pieces).toEqual(start);
  });

  it("turns about the piece named, whichever piece of the group it is", () => {
    const state = upright();
    const group = groupAt(state, [0, 1], 0, 300, 200);
    ok(grab(state, A, 1, T0_MS));
    ok(rotate(state, A, 0, 2, T0_MS));
    expect(state.pieces[0]).toMatchObject({ x: 300, y: 200, rotation: 2 });
    expect(state.pieces[1]).toMatchObject({ x: 300 - state.spec.pieceWidth, y: 200, rotation: 2 });
    expectRigid(state, group);
  });

  it("a turn to the rotation the piece has renews the lease and moves nothing", () => {
    const state = upright();
    ok(grab(state, A, 3, T0_MS));
    const before = state.pieces.map((piece) => ({ ...piece }));
    const result = ok(rotate(state, A, 3, 0, T0_MS + 9_000));
    expect(result.changedPieces).toEqual([]);
    expect(state.pieces).toEqual(before);
    expect(state.holds.get(3)!.expiresAtMs).toBe(T0_MS + 9_000 + GRAB_LEASE_MS);
    expect(state.version).toBe(2);
  });

  it("a group turned past the table's edge is pushed back onto it whole", () => {
    const state = upright(WIDE);
    // A row of three held by its left end at the top edge: turned a quarter, it would hang above the table.
    const group = groupAt(state, [0, 1, 2], 2, 100, 0);
    ok(grab(state, A, 2, T0_MS));
    ok(rotate(state, A, 2, 1, T0_MS));
    expectRigid(state, group);
    const box = footprint(state.spec, 1);
    for (const id of [0, 1, 2]) {
      const piece = state.pieces[id]!;
      expect(piece.y + box.top, `piece ${id} top`).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(piece.x) && Number.isInteger(piece.y)).toBe(true);
    }
    expect(Math.min(...[0, 1, 2].map((id) => state.pieces[id]!.y)) + box.top).toBeLessThan(1);
  });

  it("moves and drops keep a turned group's footprint on the table", () => {
    const state = upright(WIDE);
    const box = footprint(state.spec, 1);
    ok(grab(state, A, 0, T0_MS));
    ok(rotate(state, A, 0, 1, T0_MS));
    ok(move(state, A, 0, -state.spec.tableWidth, -state.spec.tableHeight, T0_MS));
    expect(state.pieces[0]).toMatchObject({ x: Math.ceil(-box.left), y: Math.ceil(-box.top) });
    ok(drop(state, A, 0, 2 * state.spec.tableWidth, 2 * state.spec.tableHeight, T0_MS));
    expect(state.pieces[0]).toMatchObject({ x: Math.floor(state.spec.tableWidth - box.right), y: Math.floor(state.spec.tableHeight - box.bottom), rotation: 1 });
  });

  it("goes through the one action path", () => {
    const state = upright();
    ok(applyAction(state, A, { type: "grab", pieceId: 2 }, T0_MS));
    ok(applyAction(state, A, { type: "rotate", pieceId: 2, rotation: 3 }, T0_MS));
    expect(state.pieces[2]!.rotation).toBe(3);
  });
});

describe("snapping only with matching rotation", () => {
  /** Piece 0 lies at (300, 200) turned by `fixed`; piece 1, turned by `moving`, is dropped where `at` says. */
  function dropNextTo(fixed: Rotation, moving: Rotation, at: "turned fit" | "upright fit"): PuzzleState {
    const state = upright();
    Object.assign(state.pieces[0]!, { x: 300, y: 200, rotation: fixed });
    ok(grab(state, A, 1, T0_MS));
    ok(rotate(state, A, 1, moving, T0_MS));
    const offset = at === "turned fit" ? neighbourOffset(state.spec, 0, 1, fixed) : { x: state.spec.pieceWidth, y: 0 };
    ok(drop(state, A, 1, 300 + offset.x + 7, 200 + offset.y - 5, T0_MS));
    return state;
  }

  it.each([
    [0, 0, "upright fit", true],
    [1, 1, "turned fit", true],
    [2, 2, "turned fit", true],
    [3, 3, "turned fit", true],
    [1, 1, "upright fit", false],
    [2, 2, "upright fit", false],
    [0, 1, "upright fit", false],
    [1, 0, "turned fit", false],
    [3, 1, "turned fit", false],
  ] as const)("a piece at rotation %i, its right neighbour turned %i, dropped at the %s: snaps %s", (fixed, moving, at, snaps) => {
    const state = dropNextTo(fixed, moving, at);
    expect(state.pieces[1]!.group === state.pieces[0]!.group).toBe(snaps);
    if (snaps) {
      expectRigid(state, 0);
      expect(state.placedBy.get(A)).toBe(1);
    }
  });
});

describe("locking only upright", () => {
  it.each([0, 1, 2, 3] as const)("a piece dropped exactly on its spot at rotation %i locks only upright", (rotation) => {
    const state = upright();
    const spot = solvedPosition(state.spec, 6);
    ok(grab(state, A, 6, T0_MS));
    ok(rotate(state, A, 6, rotation, T0_MS));
    ok(drop(state, A, 6, spot.x, spot.y, T0_MS));
    expect(state.pieces[6]!.locked).toBe(rotation === 0);
  });

  it("the whole picture joined but turned neither locks nor completes until turned upright", () => {
    const state = upright();
    const all = Array.from({ length: pieceCountOf(state.spec) }, (_, id) => id);
    // Everything but piece 11, turned a half turn, well away from the board.
    groupAt(state, all.slice(0, 11), 0, 500, 400, 2);
    Object.assign(state.pieces[11]!, { x: 20, y: 20, rotation: 2 });
    const fit = memberOffset(state.spec, 0, 11, 2);
    ok(grab(state, A, 11, T0_MS));
    ok(drop(state, A, 11, 500 + fit.x, 400 + fit.y, T0_MS));
    expect(groupMembers(state, 0)).toHaveLength(12);
    expect(state.lockedPieces).toBe(0);
    expect(state.completedAtMs).toBeNull();

    ok(grab(state, A, 11, T0_MS + 1));
    ok(rotate(state, A, 11, 0, T0_MS + 2));
    const result = ok(drop(state, A, 11, 300, 250, T0_MS + 3));
    expect(result.completed).toBe(true);
    state.pieces.forEach((piece, id) => expect(piece).toEqual({ ...solvedPosition(state.spec, id), group: 0, locked: true, rotation: 0 }));
  });
});

describe("the seeded start layout's rotations", () => {
  const big = (options: Partial<PuzzleOptions>): PuzzleOptions => ({ imageId: "test", imageWidth: 1000, imageHeight: 1000, pieceCount: 1024, seed: 77, ...options });

  it("is the same for the same seed, different for another, and uses every quarter turn", () => {
    const a = createPuzzle(big({ rotation: true }));
    expect(createPuzzle(big({ rotation: true })).pieces).toEqual(a.pieces);
    const rotations = a.pieces.map((piece) => piece.rotation);
    expect(createPuzzle(big({ rotation: true, seed: 78 })).pieces.map((piece) => piece.rotation)).not.toEqual(rotations);
    for (const rotation of [0, 1, 2, 3]) {
      const share = rotations.filter((value) => value === rotation).length / rotations.length;
      expect(share, `share of rotation ${rotation}`).toBeGreaterThan(0.2);
      expect(share, `share of rotation ${rotation}`).toBeLessThan(0.3);
    }
  });

  it("without rotation every piece is upright; with it, square pieces lie where they would without", () => {
    const off = createPuzzle(big({}));
    const on = createPuzzle(big({ rotation: true }));
    expect(off.spec.rotation).toBe(false);
    expect(off.pieces.every((piece) => piece.rotation === 0)).toBe(true);
    expect(on.spec.pieceWidth).toBe(on.spec.pieceHeight);
    expect(on.pieces.map(({ x, y }) => ({ x, y }))).toEqual(off.pieces.map(({ x, y }) => ({ x, y })));
  });

  it.each([
    [1000, 2000, 1000, 5],
    [500, 900, 1600, 6],
    [12, 1600, 900, 7],
  ])("%i pieces of %ix%i (seed %i): every turned footprint starts on the table and off the board", (pieceCount, imageWidth, imageHeight, seed) => {
    const state = createPuzzle(big({ pieceCount, imageWidth, imageHeight, seed, rotation: true }));
    const { spec } = state;
    expect(spec.pieceWidth).not.toBe(spec.pieceHeight);
    const board = boardRect(spec);
    state.pieces.forEach((piece, id) => {
      const box = footprint(spec, piece.rotation);
      const left = piece.x + box.left;
      const top = piece.y + box.top;
      const right = piece.x + box.right;
      const bottom = piece.y + box.bottom;
      expect(Number.isInteger(piece.x) && Number.isInteger(piece.y)).toBe(true);
      expect(left >= 0 && top >= 0 && right <= spec.tableWidth && bottom <= spec.tableHeight, `piece ${id} on the table`).toBe(true);
      const overlapsBoard = right > board.x && left < board.x + board.width && bottom > board.y && top < board.y + board.height;
      expect(overlapsBoard, `piece ${id} off the board`).toBe(false);
    });
  });

  it("pins one turned puzzle so a change to its generation cannot go unnoticed", () => {
    const state = createPuzzle({ ...WIDE, seed: 7 });
    const fingerprint = JSON.stringify(state.pieces);
    let hash = 0;
    for (let i = 0; i < fingerprint.length; i++) hash = (Math.imul(hash, 31) + fingerprint.charCodeAt(i)) >>> 0;
    expect({ rotations: state.pieces.map((piece) => piece.rotation).join(""), hash }).toMatchInlineSnapshot(`
      {
        "hash": 1228565828,
        "rotations": "312010301232",
      }
    `);
  });
});

describe("a turned piece on the wire", () => {
  it("carries its rotation as a last element only when turned", () => {
    const state = upright();
    expect(wirePiece(state.pieces[0]!)).toHaveLength(4);
    state.pieces[0]!.rotation = 3;
    expect(wirePiece(state.pieces[0]!)).toEqual([state.pieces[0]!.x, state.pieces[0]!.y, 0, 0, 3]);
    expect(wirePieceChange(state, 0)).toEqual([0, state.pieces[0]!.x, state.pieces[0]!.y, 0, 0, 3]);
    expect(pieceFromWire(wirePiece(state.pieces[0]!))).toEqual(state.pieces[0]);
    expect(pieceFromWire([1, 2, 3, 0])).toEqual({ x: 1, y: 2, group: 3, locked: false, rotation: 0 });
  });

  it("the schemas take both forms and refuse a rotation outside 0-3 or an extra element", () => {
    const parses = (pieces: unknown[]) => v.safeParse(PiecesEventSchema, { type: "pieces", pieces }).success;
    expect(parses([[0, 1, 2, 0, 0], [1, 1, 2, 0, 0, 3], [2, 1, 2, 0, 0, 0]])).toBe(true);
    expect(parses([[1, 1, 2, 0, 0, 4]])).toBe(false);
    expect(parses([[1, 1, 2, 0, 0, 1.5]])).toBe(false);
    expect(parses([[1, 1, 2, 0, 0, 1, 7]])).toBe(false);
    const state = createPuzzle({ ...SQUARE, seed: 3 });
    const snapshot = { spec: state.spec, pieces: state.pieces.map(wirePiece), holds: [], players: [], version: 0, completedAtMs: null, startedAtMs: 0 };
    const parsed = v.safeParse(SnapshotSchema, snapshot);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(parsed.output.pieces.map(pieceFromWire)).toEqual(state.pieces);
  });
});

describe("other players' holds", () => {
  it("nobody turns a group someone else holds", () => {
    const state = upright();
    ok(grab(state, B, 4, T0_MS));
    expect(rotate(state, A, 4, 1, T0_MS)).toEqual({ ok: false, reason: "held-by-other" });
    expect(state.pieces[4]!.rotation).toBe(0);
  });
});

describe("rotation in the rooms", () => {
  it("the stateful room turns pieces for everyone, refuses a turn with rotation off, and its summary says which", () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    const bob = room.connect();
    ann.hello("Ann", { create: SQUARE });
    bob.hello("Bob");
    ann.act({ type: "grab", pieceId: 2 });
    ann.act({ type: "rotate", pieceId: 2, rotation: 3 });
    room.settle();
    bob.sync();
    expect(bob.replica!.puzzle.pieces[2]!.rotation).toBe(3);
    expect(room.core.summary().rotation).toBe(true);

    const plain = new InMemoryRoom();
    const cy = plain.connect();
    cy.hello("Cy", { create: { ...SQUARE, rotation: false } });
    cy.act({ type: "grab", pieceId: 2 });
    cy.act({ type: "rotate", pieceId: 2, rotation: 1 });
    plain.settle();
    const replies = cy.socket.received.flatMap((message) => (message.type === "batch" ? message.events : []));
    expect(replies).toContainEqual({ type: "reject", seq: 2, reason: "rotation-off" });
    expect(plain.core.snapshot()!.pieces.every((piece) => piece.length === 4)).toBe(true);
    expect(plain.core.summary().rotation).toBe(false);
  });

  it("the stateless document carries rotation, and one stored before rotation reads as without", () => {
    const state = createPuzzle({ ...SQUARE, seed: 11 });
    const decoded = decodeDocument(encodeDocument({ state, startedAtMs: 5 }));
    expect(decoded.state.spec.rotation).toBe(true);
    expect(decoded.state.pieces).toEqual(state.pieces);

    const old = JSON.parse(encodeDocument({ state: createPuzzle({ ...SQUARE, rotation: false }), startedAtMs: 5 })) as { spec: Record<string, unknown> };
    delete old.spec.rotation;
    const before = decodeDocument(JSON.stringify(old));
    expect(before.state.spec.rotation).toBe(false);
    expect(before.state.pieces.every((piece) => piece.rotation === 0)).toBe(true);
  });
});
