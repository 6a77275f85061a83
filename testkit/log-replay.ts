/**
 * Checking a room's action log against the room: read every page, replay the
 * entries from where the log starts, and put the replayed state and the room's
 * snapshot in one comparable form (pieces, holds, version, completion, placed
 * counts). Unit tests read pages from RoomCore in-process, integration tests
 * over HTTP (room-http.ts).
 */
import type { LogPage } from "../shared/http.ts";
import { readWholeLog } from "../shared/log-reader.ts";
import { replayEntries, replayStart } from "../shared/log-replay.ts";
import type { PuzzleState } from "../shared/puzzle-state.ts";
import type { Snapshot, WirePiece } from "../shared/protocol.ts";
import { wirePiece } from "../shared/replica.ts";
import type { RoomCore } from "../party/room/room-core.ts";

/** What a replay must land on, in a form both sides can be put in. */
export interface ComparableState {
  pieces: WirePiece[];
  holds: Array<[number, string, number]>;
  version: number;
  completedAtMs: number | null;
  /** [playerId, placed] of every player who placed something. */
  placed: Array<[string, number]>;
}

export function comparableState(state: PuzzleState): ComparableState {
  return {
    pieces: state.pieces.map(wirePiece),
    holds: [...state.holds].map(([group, hold]): [number, string, number] => [group, hold.playerId, hold.pieceId]).sort((a, b) => a[0] - b[0]),
    version: state.version,
    completedAtMs: state.completedAtMs,
    placed: [...state.placedBy].filter(([, placed]) => placed > 0).sort(),
  };
}

export function comparableSnapshot(snapshot: Snapshot): ComparableState {
  return {
    pieces: snapshot.pieces,
    holds: snapshot.holds.map(([group, playerId, pieceId]): [number, string, number] => [group, playerId!, pieceId]).sort((a, b) => a[0] - b[0]),
    version: snapshot.version,
    completedAtMs: snapshot.completedAtMs,
    placed: snapshot.players.filter((player) => player.placed > 0).map((player): [string, number] => [player.id, player.placed]).sort(),
  };
}

/** Reads the whole log through `fetchPage` and replays it; resolves to the state it lands on and the entries read. */
export async function replayLog(fetchPage: (from: number | undefined) => Promise<LogPage>): Promise<{ state: PuzzleState; entries: number; first: number; pages: number; last: LogPage }> {
  let pages = 0;
  const { reader, last } = await readWholeLog(async (from) => {
    pages++;
    return fetchPage(from);
  });
  const state = replayStart(last.spec, reader.checkpoint);
  replayEntries(state, reader.entries, reader.first);
  return { state, entries: reader.entries.length, first: reader.first, pages, last };
}

/** Pages of a RoomCore's log, in-process. */
export function corePages(core: RoomCore): (from: number | undefined) => Promise<LogPage> {
  return async (from) => {
    const result = await core.logPage(from);
    if (!result) throw new Error("the room has no puzzle, so no log");
    if (!result.ok) throw new Error(`the room refused the log page from ${from}: ${result.error}`);
    return result.page;
  };
}
