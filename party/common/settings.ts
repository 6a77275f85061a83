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
 * The HIBERNATE setting (default false). With hibernation on, `partykit dev`
 * 0.0.115 delivers the closes a room makes from a timer (the guard's hello
 * deadline, heartbeat and not-reading closes) only when the server stops:
 * measured by tests/integration/limits-load.test.ts and limits-fair-play.test.ts,
 * which fail with it on. Closes made while handling a frame arrive. Until the
 * guard runs from the storage alarm (an event the runtime delivers), the room
 * keeps its sockets' limits and runs awake.
 */
export function readHibernate(env: Record<string, unknown>): boolean {
  return readBoolean(env, "HIBERNATE", false);
}
