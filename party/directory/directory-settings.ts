/**
 * The directory's timing and size, from partykit.json vars. The directory and
 * the rooms that report to it read the same vars, so the heartbeat is checked
 * against the TTL here: a heartbeat slower than the TTL would drop live rooms.
 */
import { readPositiveInteger } from "../common/env.ts";

/** A listed room with no news for this long is dropped (it went quiet: its last socket closed, or its process died). */
export const DEFAULT_DIRECTORY_TTL_MS = 60_000;
/** A live listed room reports at least this often, changed or not. */
export const DEFAULT_DIRECTORY_HEARTBEAT_MS = 20_000;
/** A room reports at most once per this, however much changes (joins, leaves, pieces placed). */
export const DEFAULT_DIRECTORY_REPORT_INTERVAL_MS = 3_000;
/** Rooms the directory holds at most; a new room past it is refused until one drops. */
export const DEFAULT_DIRECTORY_MAX_ROOMS = 200;

export interface DirectorySettings {
  ttlMs: number;
  heartbeatMs: number;
  reportIntervalMs: number;
  maxRooms: number;
}

/** DIRECTORY_TTL_MS, DIRECTORY_HEARTBEAT_MS, DIRECTORY_REPORT_INTERVAL_MS, DIRECTORY_MAX_ROOMS; throws on a heartbeat that could not keep a room listed. */
export function readDirectorySettings(env: Record<string, unknown>): DirectorySettings {
  const settings = {
    ttlMs: readPositiveInteger(env, "DIRECTORY_TTL_MS", DEFAULT_DIRECTORY_TTL_MS),
    heartbeatMs: readPositiveInteger(env, "DIRECTORY_HEARTBEAT_MS", DEFAULT_DIRECTORY_HEARTBEAT_MS),
    reportIntervalMs: readPositiveInteger(env, "DIRECTORY_REPORT_INTERVAL_MS", DEFAULT_DIRECTORY_REPORT_INTERVAL_MS),
    maxRooms: readPositiveInteger(env, "DIRECTORY_MAX_ROOMS", DEFAULT_DIRECTORY_MAX_ROOMS),
  };
  // Two heartbeats per TTL: one lost or late report does not drop a live room.
  if (settings.heartbeatMs * 2 > settings.ttlMs) throw new Error(`setting DIRECTORY_HEARTBEAT_MS (${settings.heartbeatMs}) must be at most half of DIRECTORY_TTL_MS (${settings.ttlMs})`);
  if (settings.reportIntervalMs > settings.heartbeatMs) throw new Error(`setting DIRECTORY_REPORT_INTERVAL_MS (${settings.reportIntervalMs}) must be at most DIRECTORY_HEARTBEAT_MS (${settings.heartbeatMs})`);
  return settings;
}
