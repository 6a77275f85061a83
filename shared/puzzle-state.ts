/**
 * The mutable state of one puzzle and its generation from a seed. The room owns
 * the authoritative copy; clients hold replicas built from snapshots and deltas.
 */
import { createPrng, between } from "./prng.ts";
import { boardRect, createSpec, pieceCountOf, type PuzzleOptions, type PuzzleSpec } from "./puzzle-spec.ts";

export interface PieceState {
  /** Table position of the top-left corner of the piece's cell. */
  x: number;
  y: number;
  /** Id of the group the piece belongs to: the smallest piece id in it. */
  group: number;
  /** Locked pieces sit on their board position and can no longer move. */
  locked: boolean;
}

export interface Hold {
  playerId: string;
  /** The piece the player grabbed the group by. */
  pieceId: number;
  /** The hold is a lease: past this instant anyone may take the group. */
  expiresAtMs: number;
}

export interface PuzzleState {
  spec: PuzzleSpec;
  pieces: PieceState[];
  /** Current holds, by group id. */
  holds: Map<number, Hold>;
  /** Pieces each player has connected to a neighbour or to the board. */
  placedBy: Map<string, number>;
  /** Bumped by every applied action. */
  version: number;
  completedAtMs: number | null;
}

/**
 * Builds a fresh puzzle: the spec from the options, and every piece scattered
 * on the table around (never on) the board, determined by the seed.
 */
export function createPuzzle(options: PuzzleOptions): PuzzleState {
  const spec = createSpec(options);
  const prng = createPrng(spec.seed);
  const board = boardRect(spec);
  const boardRight = board.x + board.width;
  const boardBottom = board.y + board.height;
  const maxX = spec.tableWidth - spec.pieceWidth;
  const maxY = spec.tableHeight - spec.pieceHeight;
  const pieces: PieceState[] = [];
  for (let id = 0; id < pieceCountOf(spec); id++) {
    let x = 0;
    let y = 0;
    // Rejection sampling: the band around the board is over half the table, so
    // this ends in a couple of draws on average.
    do {
      x = Math.round(between(prng, 0, maxX));
      y = Math.round(between(prng, 0, maxY));
    } while (
      x + spec.pieceWidth > spec.boardX - spec.pieceWidth / 4 &&
      x < boardRight + spec.pieceWidth / 4 &&
      y + spec.pieceHeight > spec.boardY - spec.pieceHeight / 4 &&
      y < boardBottom + spec.pieceHeight / 4
    );
    pieces.push({ x, y, group: id, locked: false });
  }
  return { spec, pieces, holds: new Map(), placedBy: new Map(), version: 0, completedAtMs: null };
}

/** Ids of the pieces in a group, in ascending order. */
export function groupMembers(state: PuzzleState, group: number): number[] {
  const members: number[] = [];
  state.pieces.forEach((piece, id) => {
    if (piece.group === group) members.push(id);
  });
  return members;
}

/** Number of pieces locked on the board. */
export function lockedCount(state: PuzzleState): number {
  let count = 0;
  for (const piece of state.pieces) if (piece.locked) count++;
  return count;
}

export function isComplete(state: PuzzleState): boolean {
  return state.completedAtMs !== null;
}

/** Who holds the group a piece belongs to, if anyone. */
export function holderOf(state: PuzzleState, pieceId: number): Hold | undefined {
  const piece = state.pieces[pieceId];
  return piece ? state.holds.get(piece.group) : undefined;
}

/** The group a player holds, if any. */
export function heldGroupOf(state: PuzzleState, playerId: string): number | undefined {
  for (const [group, hold] of state.holds) if (hold.playerId === playerId) return group;
  return undefined;
}

/** A deep copy, for replicas that must not share objects with their source. */
export function clonePuzzle(state: PuzzleState): PuzzleState {
  return {
    spec: state.spec,
    pieces: state.pieces.map((piece) => ({ ...piece })),
    holds: new Map([...state.holds].map(([group, hold]) => [group, { ...hold }])),
    placedBy: new Map(state.placedBy),
    version: state.version,
    completedAtMs: state.completedAtMs,
  };
}
