/**
 * A checkpoint of the action log: the whole puzzle state after a given number
 * of entries, holds and their leases included, so that replaying the entries
 * after it lands where the room did. The room writes one now and then and folds
 * the entries before it away when its log outgrows its storage budget; a room
 * stored before the log existed starts its log at one.
 *
 * Pieces are a compact text, one `x,y,group,locked[,rotation];` per piece in id
 * order, the group left empty when it is the piece's own id (a piece alone) and
 * the rotation left out when 0.
 */
import * as v from "valibot";
import { MAX_PIECES, pieceCountOf, type PuzzleSpec } from "./puzzle-spec.ts";
import { puzzleState, type PieceState, type PuzzleState } from "./puzzle-state.ts";
import { isRotation } from "./rotation.ts";
import { LogFormatError } from "./action-log.ts";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const PieceId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_PIECES - 1));
const PlayerId = v.pipe(v.string(), v.minLength(1));

export const LogCheckpointSchema = v.object({
  /** Entries before this one are in the checkpoint. */
  index: Count,
  /** The room's time when it was taken; null for a room stored before the log existed, whose history is unknown. */
  atMs: v.nullable(v.pipe(v.number(), v.finite())),
  version: Count,
  completedAtMs: v.nullable(v.number()),
  pieces: v.string(),
  /** [group, playerId, grabbed piece, lease end]. */
  holds: v.array(v.strictTuple([PieceId, PlayerId, PieceId, v.number()])),
  /** [playerId, pieces placed]. */
  placed: v.array(v.strictTuple([PlayerId, Count])),
});
export type LogCheckpoint = v.InferOutput<typeof LogCheckpointSchema>;

/** Encodes pieces as the checkpoint text. */
export function encodePieces(pieces: readonly PieceState[]): string {
  let text = "";
  pieces.forEach((piece, id) => {
    text += `${piece.x},${piece.y},${piece.group === id ? "" : piece.group},${piece.locked ? 1 : 0}${piece.rotation === 0 ? "" : `,${piece.rotation}`};`;
  });
  return text;
}

const PIECE = /^(-?\d+),(-?\d+),(\d*),([01])(?:,([0-3]))?$/;

/** Decodes the checkpoint text of a puzzle of `count` pieces; throws LogFormatError. */
export function decodePieces(text: string, count: number): PieceState[] {
  const parts = text.endsWith(";") ? text.slice(0, -1).split(";") : [text];
  if (parts.length !== count) throw new LogFormatError(`a checkpoint holds ${text === "" ? 0 : parts.length} pieces, the puzzle ${count}`);
  return parts.map((part, id) => {
    const match = PIECE.exec(part);
    if (!match) throw new LogFormatError(`checkpoint piece ${id} ("${part.slice(0, 40)}") is not a piece`);
    const group = match[3] === "" ? id : Number(match[3]);
    if (group >= count) throw new LogFormatError(`checkpoint piece ${id} is in group ${group}, not a piece of this puzzle`);
    const rotation = Number(match[5] ?? 0);
    return { x: Number(match[1]), y: Number(match[2]), group, locked: match[4] === "1", rotation: isRotation(rotation) ? rotation : 0 };
  });
}

/** The checkpoint of `state` after `index` entries, taken at `atMs`. */
export function checkpointOf(state: PuzzleState, index: number, atMs: number | null): LogCheckpoint {
  return {
    index,
    atMs,
    version: state.version,
    completedAtMs: state.completedAtMs,
    pieces: encodePieces(state.pieces),
    holds: [...state.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId, hold.expiresAtMs]),
    placed: [...state.placedBy],
  };
}

/** The state a checkpoint holds, for a puzzle of `spec`. */
export function stateFromCheckpoint(spec: PuzzleSpec, checkpoint: LogCheckpoint): PuzzleState {
  return puzzleState({
    spec,
    pieces: decodePieces(checkpoint.pieces, pieceCountOf(spec)),
    holds: new Map(checkpoint.holds.map(([group, playerId, pieceId, expiresAtMs]) => [group, { playerId, pieceId, expiresAtMs }])),
    placedBy: new Map(checkpoint.placed),
    version: checkpoint.version,
    completedAtMs: checkpoint.completedAtMs,
  });
}

/** What a checkpoint costs in storage, near enough for a budget: its text and a little per field. */
export function checkpointBytes(checkpoint: LogCheckpoint): number {
  return 64 + checkpoint.pieces.length + 48 * checkpoint.holds.length + 48 * checkpoint.placed.length;
}
