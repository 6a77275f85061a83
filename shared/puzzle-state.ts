/**
 * The mutable state of one puzzle and its generation from a seed. The room owns
 * the authoritative copy; clients hold replicas built from snapshots and deltas.
 *
 * A piece's position may be written directly; its group and its lock go through
 * setPiece/mergeGroups/lockGroup, which keep the group index and the locked
 * count, so that no rule has to scan every piece.
 */
import { createPrng, between } from "./prng.ts";
import { boardRect, createSpec, pieceCountOf, type PuzzleOptions, type PuzzleSpec } from "./puzzle-spec.ts";
import { footprint, type Rotation } from "./rotation.ts";

export interface PieceState {
  /** Table position of the top-left corner of the piece's cell, as it lies upright (shared/rotation.ts). */
  x: number;
  y: number;
  /** Id of the group the piece belongs to: the smallest piece id in it. */
  group: number;
  /** Locked pieces sit on their board position and can no longer move. */
  locked: boolean;
  /** Quarter turns clockwise about the cell's centre; the same for every piece of a group, 0 when locked. */
  rotation: Rotation;
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
  /** The members of every group, ascending, by group id: derived from `pieces`, kept by the setters below. */
  readonly groups: Map<number, number[]>;
  /** How many pieces are locked: derived from `pieces`, kept by the setters below. */
  lockedPieces: number;
}

/** Everything of a PuzzleState but what is derived from its pieces. */
export type PuzzleFields = Omit<PuzzleState, "groups" | "lockedPieces">;

/** A state from its fields, with the group index and the locked count built from the pieces. */
export function puzzleState(fields: PuzzleFields): PuzzleState {
  const groups = new Map<number, number[]>();
  let lockedPieces = 0;
  fields.pieces.forEach((piece, id) => {
    const members = groups.get(piece.group);
    if (members) members.push(id);
    else groups.set(piece.group, [id]);
    if (piece.locked) lockedPieces++;
  });
  return { ...fields, groups, lockedPieces };
}

/** Mixed into the seed for the start rotations, so that they draw from a stream of their own. */
const ROTATION_SEED_SALT = 0x9e3779b9;

/**
 * Builds a fresh puzzle: the spec from the options, and every piece scattered
 * on the table around (never on) the board, determined by the seed. With
 * rotation on, each piece also starts turned by quarter turns drawn from a
 * second stream of the seed: positions draw as they do without rotation, and
 * only a turned piece that is not square keeps its turned footprint (not its
 * cell) on the table and off the board.
 */
export function createPuzzle(options: PuzzleOptions): PuzzleState {
  const spec = createSpec(options);
  const prng = createPrng(spec.seed);
  const turns = spec.rotation ? createPrng(spec.seed ^ ROTATION_SEED_SALT) : null;
  const board = boardRect(spec);
  const boardRight = board.x + board.width;
  const boardBottom = board.y + board.height;
  const pieces: PieceState[] = [];
  for (let id = 0; id < pieceCountOf(spec); id++) {
    const rotation = turns ? (Math.floor(turns() * 4) as Rotation) : 0;
    const box = footprint(spec, rotation);
    const minX = Math.ceil(-box.left);
    const minY = Math.ceil(-box.top);
    const maxX = Math.floor(spec.tableWidth - box.right);
    const maxY = Math.floor(spec.tableHeight - box.bottom);
    let x = 0;
    let y = 0;
    // Rejection sampling: the band around the board is over half the table, so
    // this ends in a couple of draws on average.
    // A turned footprint may let the cell's corner lie just off the table: `+ 0` keeps Math.round's -0 out of positions.
    do {
      x = Math.round(between(prng, minX, maxX)) + 0;
      y = Math.round(between(prng, minY, maxY)) + 0;
    } while (
      x + box.right > spec.boardX - spec.pieceWidth / 4 &&
      x + box.left < boardRight + spec.pieceWidth / 4 &&
      y + box.bottom > spec.boardY - spec.pieceHeight / 4 &&
      y + box.top < boardBottom + spec.pieceHeight / 4
    );
    pieces.push({ x, y, group: id, locked: false, rotation });
  }
  return puzzleState({ spec, pieces, holds: new Map(), placedBy: new Map(), version: 0, completedAtMs: null });
}

const NO_MEMBERS: readonly number[] = [];

/** Ids of the pieces in a group, in ascending order (the index's own array: do not change it). */
export function groupMembers(state: PuzzleState, group: number): readonly number[] {
  return state.groups.get(group) ?? NO_MEMBERS;
}

/**
 * Sets a piece wholesale, as a replica does from the wire (which may move a
 * piece between any two groups: a backend that loses writes can split them).
 */
export function setPiece(state: PuzzleState, id: number, x: number, y: number, group: number, locked: boolean, rotation: Rotation): void {
  const piece = state.pieces[id];
  if (!piece) return;
  piece.x = x;
  piece.y = y;
  piece.rotation = rotation;
  if (piece.locked !== locked) state.lockedPieces += locked ? 1 : -1;
  piece.locked = locked;
  if (piece.group === group) return;
  removeMember(state.groups, piece.group, id);
  insertMember(state.groups, group, id);
  piece.group = group;
}

/** Joins group `from` into group `into`: every piece of `from` takes `into` as its group. */
export function mergeGroups(state: PuzzleState, from: number, into: number): void {
  if (from === into) return;
  const moving = state.groups.get(from);
  if (!moving) return;
  for (const id of moving) state.pieces[id]!.group = into;
  const target = state.groups.get(into);
  state.groups.set(into, target ? mergeSorted(target, moving) : moving);
  state.groups.delete(from);
}

/** Locks or unlocks every piece of a group. */
export function setGroupLocked(state: PuzzleState, group: number, locked: boolean): void {
  for (const id of groupMembers(state, group)) {
    const piece = state.pieces[id]!;
    if (piece.locked !== locked) state.lockedPieces += locked ? 1 : -1;
    piece.locked = locked;
  }
}

/** Number of pieces locked on the board. */
export function lockedCount(state: PuzzleState): number {
  return state.lockedPieces;
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
    groups: new Map([...state.groups].map(([group, members]) => [group, [...members]])),
    lockedPieces: state.lockedPieces,
  };
}

function removeMember(groups: Map<number, number[]>, group: number, id: number): void {
  const members = groups.get(group);
  if (!members) return;
  const index = members.indexOf(id);
  if (index >= 0) members.splice(index, 1);
  if (members.length === 0) groups.delete(group);
}

function insertMember(groups: Map<number, number[]>, group: number, id: number): void {
  const members = groups.get(group);
  if (!members) {
    groups.set(group, [id]);
    return;
  }
  let low = 0;
  let high = members.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (members[mid]! < id) low = mid + 1;
    else high = mid;
  }
  members.splice(low, 0, id);
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const merged: number[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) merged[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) merged[k++] = a[i++]!;
  while (j < b.length) merged[k++] = b[j++]!;
  return merged;
}
