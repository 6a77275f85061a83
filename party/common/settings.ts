/**
 * What every room-like party (the stateful room and the stateless hubs) sets
 * the same way, so that the modes differ only in what applies a move.
 */
import { readBoolean, readIntegerInRange, readNonNegativeInteger } from "./env.ts";

/** Players per room unless partykit.json's MAX_PLAYERS says otherwise. */
export const DEFAULT_MAX_PLAYERS = 64;
/** The most MAX_PLAYERS may say: past it, a room is a crowd of watchers, not of players. */
export const MAX_MAX_PLAYERS = 256;
/** Watchers per room unless MAX_WATCHERS says otherwise (0: nobody may watch). */
export const DEFAULT_MAX_WATCHERS = 2_000;
/** Cursors reach a client at most this often. */
export const CURSOR_INTERVAL_MS = 50;

/** The MAX_PLAYERS setting: 1 to MAX_MAX_PLAYERS. */
export function readMaxPlayers(env: Record<string, unknown>): number {
  return readIntegerInRange(env, "MAX_PLAYERS", DEFAULT_MAX_PLAYERS, 1, MAX_MAX_PLAYERS);
}

/** The MAX_WATCHERS setting: an integer >= 0. */
export function readMaxWatchers(env: Record<string, unknown>): number {
  return readNonNegativeInteger(env, "MAX_WATCHERS", DEFAULT_MAX_WATCHERS);
}

/**
 * The HIBERNATE setting (default true: "false" runs the room awake, as before
 * issue 11). With it on, the runtime may drop an idle room from memory while
 * its sockets stay open and build it again for the next event (server.ts
 * onStart); the guard's deadlines run from the storage alarm, which wakes it.
 * What `partykit dev` does and does not deliver with it on is in
 * docs/architecture.md (Crowds).
 */
export function readHibernate(env: Record<string, unknown>): boolean {
  return readBoolean(env, "HIBERNATE", true);
}
