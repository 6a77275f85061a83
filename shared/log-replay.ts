/**
 * Replaying the action log (action-log.ts): from the puzzle's seeded start, or
 * from a checkpoint (log-checkpoint.ts), every entry goes through the functions
 * the room used, with the room's time, so the replay lands exactly where the
 * room was: pieces, groups, locks, holds, placed counts, completion, version.
 * The replay viewer, the tests and anyone checking a room's history use it.
 */
import { createPuzzle, type PuzzleState } from "./puzzle-state.ts";
import type { PuzzleOptions, PuzzleSpec } from "./puzzle-spec.ts";
import { applyAction, expireLeases, releasePlayer } from "./rules.ts";
import type { LogEntry } from "./action-log.ts";
import { stateFromCheckpoint, type LogCheckpoint } from "./log-checkpoint.ts";

/** The creator's options a spec was derived from: createPuzzle of these rebuilds the seeded start. */
export function optionsOf(spec: PuzzleSpec): PuzzleOptions {
  const { imageId, imageWidth, imageHeight, pieceCount, seed, rotation } = spec;
  return { imageId, imageWidth, imageHeight, pieceCount, seed, rotation };
}

/** Where a replay starts: the checkpoint's state, or the seeded start when the log goes back to it. */
export function replayStart(spec: PuzzleSpec, checkpoint: LogCheckpoint | null): PuzzleState {
  return checkpoint ? stateFromCheckpoint(spec, checkpoint) : createPuzzle(optionsOf(spec));
}

/** What one entry changed, as the rules reported it. */
export interface ReplayStep {
  changedPieces: readonly number[];
  changedHolds: readonly number[];
  /** Pieces the entry connected to a neighbour or to the board (a drop). */
  placed: number;
  completed: boolean;
}

/** An entry the rules refuse where the room applied it: the log does not belong to this start. */
export class LogReplayError extends Error {}

const NOTHING: readonly number[] = [];

/** Applies entry number `index` to `state`; throws LogReplayError when the rules refuse an action the room applied. */
export function applyLogEntry(state: PuzzleState, entry: LogEntry, index: number): ReplayStep {
  switch (entry.kind) {
    case "action": {
      const result = applyAction(state, entry.playerId, entry.action, entry.atMs);
      if (!result.ok) throw new LogReplayError(`log entry ${index}: ${entry.playerId}'s ${entry.action.type} of piece ${entry.action.pieceId} is refused here (${result.reason}), though the room applied it`);
      return result;
    }
    case "release":
      return { changedPieces: NOTHING, changedHolds: releasePlayer(state, entry.playerId), placed: 0, completed: false };
    case "lease": {
      const group = state.pieces[entry.pieceId]?.group;
      const hold = group === undefined ? undefined : state.holds.get(group);
      if (!hold || hold.playerId !== entry.playerId) throw new LogReplayError(`log entry ${index}: ${entry.playerId} holds no group with piece ${entry.pieceId} here, though the room kept that hold's lease short`);
      hold.expiresAtMs = entry.expiresAtMs;
      return { changedPieces: NOTHING, changedHolds: NOTHING, placed: 0, completed: false };
    }
    case "expire":
      return { changedPieces: NOTHING, changedHolds: expireLeases(state, entry.atMs), placed: 0, completed: false };
    case "restart": {
      const changedHolds = [...state.holds.keys()];
      state.holds.clear();
      return { changedPieces: NOTHING, changedHolds, placed: 0, completed: false };
    }
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}

/** Replays `entries` (numbered from `from`) onto `state`. */
export function replayEntries(state: PuzzleState, entries: readonly LogEntry[], from: number): void {
  entries.forEach((entry, offset) => applyLogEntry(state, entry, from + offset));
}
