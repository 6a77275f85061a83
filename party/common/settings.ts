/**
 * What every room-like party (the stateful room and the stateless hubs) sets
 * the same way, so that the modes differ only in what applies a move.
 */
import { readPositiveInteger } from "./env.ts";

/** Players per room unless partykit.json's MAX_PLAYERS says otherwise. */
export const DEFAULT_MAX_PLAYERS = 64;
/** Cursors reach a client at most this often. */
export const CURSOR_INTERVAL_MS = 50;

/** The MAX_PLAYERS setting. */
export function readMaxPlayers(env: Record<string, unknown>): number {
  return readPositiveInteger(env, "MAX_PLAYERS", DEFAULT_MAX_PLAYERS);
}
