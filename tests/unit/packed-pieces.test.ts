/**
 * The packed pieces of a snapshot (shared/packed-pieces.ts): every state a
 * piece can be in comes back as it went, the size per piece stays bounded at
 * the largest puzzle, and a string that is not a packing of the spec's pieces
 * is refused, never half read.
 */
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { MAX_PACKED_BYTES_PER_PIECE, packPieces, unpackPieces } from "../../shared/packed-pieces.ts";
import { MAX_PIECES, pieceCountOf, solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { createPuzzle, groupMembers, mergeGroups, setGroupLocked, type PuzzleState } from "../../shared/puzzle-state.ts";
import { ROTATIONS } from "../../shared/rotation.ts";
import { createPrng } from "../../shared/prng.ts";
import { PROTOCOL_VERSION, SnapshotSchema, parseServerFrame, type WireSnapshot } from "../../shared/protocol.ts";
import { wirePiece, wireSnapshot } from "../../shared/replica.ts";
import { serverFrame } from "../../shared/frames.ts";

const options = (overrides: Partial<PuzzleOptions> = {}): PuzzleOptions => ({
  imageId: "test",
  imageWidth: 1920,
  imageHeight: 1080,
  pieceCount: 48,
  seed: 5,
  ...overrides,
});

function roundTrips(state: PuzzleState): void {
  const unpacked = unpackPieces(state.spec, packPieces(state.spec, state.pieces));
  expect(unpacked).toEqual({ ok: true, pieces: state.pieces.map(wirePiece) });
}

/**
 * A game under way, drawn from `seed`: neighbours joined into groups (through
 * the index's own setters, so groups are named by their smallest piece), some
 * groups locked on the board, the loose ones turned and scattered.
 */
function played(state: PuzzleState, seed: number, joins: number): PuzzleState {
  const prng = createPrng(seed);
  const { spec } = state;
  const count = pieceCountOf(spec);
  for (let join = 0; join < joins; join++) {
    const id = Math.floor(prng() * count);
    const other = prng() < 0.5 ? id + 1 : id + spec.cols;
    if (other >= count || (other === id + 1 && other % spec.cols === 0)) continue;
    const [a, b] = [state.pieces[id]!.group, state.pieces[other]!.group];
    if (a !== b) mergeGroups(state, Math.max(a, b), Math.min(a, b));
  }
  for (const group of [...state.groups.keys()]) {
    const members = groupMembers(state, group);
    const roll = prng();
    if (roll < 0.3) {
      for (const id of members) Object.assign(state.pieces[id]!, solvedPosition(spec, id), { rotation: 0 });
      setGroupLocked(state, group, true);
    } else {
      const rotation = spec.rotation ? ROTATIONS[Math.floor(prng() * 4)]! : 0;
      const dx = Math.round((prng() - 0.5) * spec.tableWidth * 0.5);
      const dy = Math.round((prng() - 0.5) * spec.tableHeight * 0.5);
      for (const id of members) {
        const piece = state.pieces[id]!;
        piece.x = Math.min(Math.max(piece.x + dx, 0), spec.tableWidth - spec.pieceWidth);
        piece.y = Math.min(Math.max(piece.y + dy, 0), spec.tableHeight - spec.pieceHeight);
        piece.rotation = rotation;
      }
    }
  }
  return state;
}

describe("packed pieces round trip", () => {
  it.each([4, 48, 1000, MAX_PIECES])("a fresh puzzle of %i pieces, upright and turned", (pieceCount) => {
    roundTrips(createPuzzle(options({ pieceCount })));
    roundTrips(createPuzzle(options({ pieceCount, rotation: true, seed: 9 })));
  });

  it.each([1, 2, 3])("a game under way (seed %i), every way a group is named", (seed) => {
    const state = played(createPuzzle(options({ pieceCount: 1200, rotation: true, seed })), seed, 900);
    const headers = new Set<string>();
    state.pieces.forEach((piece, id) => {
      const left = id % state.spec.cols > 0 && state.pieces[id - 1]!.group === piece.group;
      const above = id >= state.spec.cols && state.pieces[id - state.spec.cols]!.group === piece.group;
      headers.add(piece.group === id ? "own" : left ? "left" : above ? "above" : "explicit");
    });
    expect([...headers].sort()).toEqual(["above", "explicit", "left", "own"]);
    roundTrips(state);
  });

  it("every rotation and lock state, at the solved spot and away from it", () => {
    const state = createPuzzle(options({ pieceCount: 48, rotation: true }));
    let id = 0;
    for (const rotation of ROTATIONS) {
      for (const locked of [false, true]) {
        for (const atSolved of [false, true]) {
          const piece = state.pieces[id]!;
          Object.assign(piece, { rotation, locked }, atSolved ? solvedPosition(state.spec, id) : {});
          id++;
        }
      }
    }
    roundTrips(state);
  });

  it("coordinates the rules never make still come back exactly", () => {
    const state = createPuzzle(options({ pieceCount: 12 }));
    const odd = [
      [0.5, -0.25],
      [-10_000, 3],
      [2 ** 31, 7],
      [1e6, -1e6],
      [-state.spec.pieceWidth, -state.spec.pieceHeight],
      [-state.spec.pieceWidth - 1, 0],
    ];
    odd.forEach(([x, y], index) => Object.assign(state.pieces[index]!, { x, y }));
    roundTrips(state);
  });
});

describe("packed pieces size", () => {
  const bound = (count: number) => Math.ceil((count * MAX_PACKED_BYTES_PER_PIECE * 4) / 3);

  it.each([
    [1920, 1080, false],
    [1080, 1920, true],
    [1000, 1000, true],
  ])("at MAX_PIECES (%ix%i, rotation %s), fresh or under way, within the bound per piece", (imageWidth, imageHeight, rotation) => {
    const state = createPuzzle(options({ pieceCount: MAX_PIECES, imageWidth, imageHeight, rotation }));
    const count = pieceCountOf(state.spec);
    expect(packPieces(state.spec, state.pieces).length).toBeLessThanOrEqual(bound(count));
    played(state, 4, count);
    expect(packPieces(state.spec, state.pieces).length).toBeLessThanOrEqual(bound(count));
  });

  it("a welcome of MAX_PIECES pieces and 64 players is at most 12 bytes a piece", () => {
    const state = played(createPuzzle(options({ pieceCount: MAX_PIECES, rotation: true })), 6, MAX_PIECES / 2);
    const players = Array.from({ length: 64 }, (_, index) => ({ id: `player-${index}`, name: `Player ${index}`, color: "#ff8800", connected: true, placed: index }));
    const holds = players.map((player, index): [number, string, number] => [state.pieces[index * 7]!.group, player.id, index * 7]);
    const snapshot = wireSnapshot(state, { holds, players, version: 12_345, completedAtMs: null, startedAtMs: 1_700_000_000_000 });
    const frame = serverFrame({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: "player-0", token: "t".repeat(32), snapshot });
    expect(new TextEncoder().encode(frame).length / pieceCountOf(state.spec)).toBeLessThanOrEqual(12);
    const parsed = parseServerFrame(frame);
    expect(parsed.ok && parsed.message.type === "welcome" && parsed.message.snapshot.pieces).toEqual(state.pieces.map(wirePiece));
  });
});

describe("packed pieces refused", () => {
  const state = createPuzzle(options({ pieceCount: 12 }));
  const packed = packPieces(state.spec, state.pieces);
  const snapshot = (pieces: string): WireSnapshot => ({ spec: state.spec, pieces, holds: [], players: [], version: 0, completedAtMs: null, startedAtMs: 0 });

  it.each([
    ["cut short", packed.slice(0, -3)],
    ["with bytes to spare", `${packed}AAAA`],
    ["not base64url", `${packed.slice(0, -4)}+/==`],
    ["empty", ""],
  ])("%s", (_label, text) => {
    expect(unpackPieces(state.spec, text).ok).toBe(false);
    expect(v.safeParse(SnapshotSchema, snapshot(text)).success).toBe(false);
  });

  it("a group that is no piece of the puzzle, or a neighbour's group where there is none", () => {
    const outside = createPuzzle(options({ pieceCount: 12 }));
    outside.pieces[3]!.group = 12;
    expect(unpackPieces(outside.spec, packPieces(outside.spec, outside.pieces))).toMatchObject({ ok: false, problem: "piece 3: bad group" });
    // Piece 0's header saying "the group of the piece to my left" (bits 3-4 = 1).
    const header = (0b01 << 3).toString(2).padStart(8, "0");
    const bytes = Uint8Array.from([parseInt(header, 2)]);
    const text = Buffer.from(bytes).toString("base64url");
    expect(unpackPieces(state.spec, text)).toMatchObject({ ok: false, problem: "piece 0: bad group" });
  });

  it("a parsed snapshot holds the tuples, a sent one the string", () => {
    const parsed = v.parse(SnapshotSchema, snapshot(packed));
    expect(parsed.pieces).toEqual(state.pieces.map(wirePiece));
    expect(typeof snapshot(packed).pieces).toBe("string");
  });
});
