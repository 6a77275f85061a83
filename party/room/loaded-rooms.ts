/**
 * The stateful rooms this process holds in memory, and the budget they share:
 * LOADED_PIECES_BUDGET pieces across every loaded room. A room that would take
 * the total past it first unloads idle rooms (no socket open), longest idle
 * first: their puzzle is in storage, and they rebuild from it when someone
 * comes back. Only a new puzzle is refused when every loaded room is in use;
 * a room that exists always loads.
 *
 * Module-level on purpose: every room of a PartyKit project runs in the process
 * (isolate) that serves it, so this sees all of them there.
 */

/** What the registry needs of a room. */
export interface LoadedRoom {
  /** Pieces it holds in memory now. */
  readonly loadedPieces: number;
  /** Since when it has had no socket open; null while it has one. */
  readonly idleSinceMs: number | null;
  /** Drops its puzzle from memory; returns the pieces freed (0 if it could not). */
  unload(): number;
}

const rooms = new Set<LoadedRoom>();

/** Counts `room` in the budget (again): call whenever it loads or creates a puzzle. */
export function registerLoaded(room: LoadedRoom): void {
  rooms.add(room);
}

/** `room` holds nothing any more (it unloaded). */
export function unregisterLoaded(room: LoadedRoom): void {
  rooms.delete(room);
}

/** Pieces held by every loaded room of the process. */
export function loadedPiecesTotal(): number {
  let total = 0;
  for (const room of rooms) total += room.loadedPieces;
  return total;
}

/**
 * Makes room in `budget` for `pieces` more, unloading idle rooms (other than
 * `asking`) longest idle first; true when they fit.
 */
export function makeRoomFor(pieces: number, budget: number, asking: LoadedRoom): boolean {
  let total = loadedPiecesTotal();
  if (total + pieces <= budget) return true;
  const idle = [...rooms].filter((room) => room !== asking && room.idleSinceMs !== null).sort((a, b) => a.idleSinceMs! - b.idleSinceMs!);
  for (const room of idle) {
    const freed = room.unload();
    if (freed > 0) rooms.delete(room);
    total -= freed;
    if (total + pieces <= budget) return true;
  }
  return false;
}
