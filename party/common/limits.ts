/**
 * What one client may cost a room and a server, as settings: partykit.json vars
 * (or `partykit dev --var NAME=value`, or the deployed project's env), each with
 * a default, read once when a party starts (env.ts fails loudly on a bad value).
 *
 * The defaults leave a real player far inside them: a drag sends 25 moves a
 * second, the client's tidy ("gather", "sort edges") at most 40 actions at once
 * and TIDY_ACTIONS_PER_S (client/store/tidy-queue.ts) a second, the scripted
 * players of the load scripts at most 120 moves a second (`--rate`). The room
 * benchmark's ceiling search raises the action limits through its settings,
 * since it measures the room, not the limit.
 */
import { readPositiveInteger } from "./env.ts";

/** What one socket may send and must read, and how long it may stay silent. */
export interface ConnectionLimits {
  /** grab/move/drop frames a second, sustained, and in one burst. */
  actionsPerS: number;
  actionBurst: number;
  /** cursor frames a second, sustained, and in one burst (the client sends 20 a second). */
  cursorsPerS: number;
  cursorBurst: number;
  /** Every other frame (hello, pings, heartbeat answers, and frames no schema accepts). */
  otherFramesPerS: number;
  otherFrameBurst: number;
  /**
   * Frames over the limit a socket may send before it is closed as a flood; the
   * allowance refills at a tenth of this a second, so a client that bursts over
   * now and then is answered, not closed.
   */
  floodRefusals: number;
  /** After a flood close, new sockets from the same address are refused this long (where the runtime shows the address). */
  floodPenaltyMs: number;
  /** A socket that has not sent an admitted hello this long after opening is closed. */
  helloTimeoutMs: number;
  /** Every joined socket is pinged this often... */
  heartbeatIntervalMs: number;
  /** ...and closed when a ping stays unanswered this long. */
  heartbeatTimeoutMs: number;
  /**
   * Bytes sent to a socket after the last heartbeat it answered (so bytes it has
   * not shown it read): past this, it is closed and what the room held for it freed.
   */
  maxUnreadBytes: number;
  /** Sockets one client address may have open in one room (where the runtime shows the address). */
  maxSocketsPerAddress: number;
  /** Sockets that have not joined yet, per room; a newer one pushes out the oldest. */
  maxConnectingSockets: number;
}

/** What one client address may create, and what one server process keeps loaded. */
export interface Quotas {
  /** Rooms one client address may create a minute (where the runtime shows the address). */
  roomsPerAddressPerMin: number;
  /** Pictures one client address may upload a minute. */
  uploadsPerAddressPerMin: number;
  /** Pieces of all the stateful rooms a process keeps in memory; idle rooms are unloaded past it. */
  loadedPiecesBudget: number;
  /** A stateful room with no socket this long unloads its puzzle (it rebuilds from storage). */
  roomIdleUnloadMs: number;
  /** An uploaded picture no room was created with within this long is deleted. */
  unclaimedPictureTtlMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  actionsPerS: 150,
  actionBurst: 150,
  cursorsPerS: 40,
  cursorBurst: 40,
  otherFramesPerS: 10,
  otherFrameBurst: 40,
  floodRefusals: 200,
  floodPenaltyMs: 10_000,
  helloTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 15_000,
  maxUnreadBytes: 1024 * 1024,
  maxSocketsPerAddress: 8,
  maxConnectingSockets: 128,
};

export const DEFAULT_QUOTAS: Quotas = {
  roomsPerAddressPerMin: 10,
  uploadsPerAddressPerMin: 3,
  loadedPiecesBudget: 250_000,
  roomIdleUnloadMs: 120_000,
  unclaimedPictureTtlMs: 10 * 60_000,
};

/** The partykit.json var of each limit. */
export const CONNECTION_LIMIT_VARS: Record<keyof ConnectionLimits, string> = {
  actionsPerS: "ACTIONS_PER_S",
  actionBurst: "ACTION_BURST",
  cursorsPerS: "CURSORS_PER_S",
  cursorBurst: "CURSOR_BURST",
  otherFramesPerS: "OTHER_FRAMES_PER_S",
  otherFrameBurst: "OTHER_FRAME_BURST",
  floodRefusals: "FLOOD_REFUSALS",
  floodPenaltyMs: "FLOOD_PENALTY_MS",
  helloTimeoutMs: "HELLO_TIMEOUT_MS",
  heartbeatIntervalMs: "HEARTBEAT_INTERVAL_MS",
  heartbeatTimeoutMs: "HEARTBEAT_TIMEOUT_MS",
  maxUnreadBytes: "MAX_UNREAD_BYTES",
  maxSocketsPerAddress: "MAX_SOCKETS_PER_ADDRESS",
  maxConnectingSockets: "MAX_CONNECTING_SOCKETS",
};

export const QUOTA_VARS: Record<keyof Quotas, string> = {
  roomsPerAddressPerMin: "ROOMS_PER_ADDRESS_PER_MIN",
  uploadsPerAddressPerMin: "UPLOADS_PER_ADDRESS_PER_MIN",
  loadedPiecesBudget: "LOADED_PIECES_BUDGET",
  roomIdleUnloadMs: "ROOM_IDLE_UNLOAD_MS",
  unclaimedPictureTtlMs: "UNCLAIMED_PICTURE_TTL_MS",
};

/**
 * What one speaker (a player, or a watcher) may say and mark (issue 14),
 * per minute sustained and in one burst. A chat frame also pays the guard's
 * "other" bucket, so a flood is closed there as any other flood is.
 */
export interface ChatLimits {
  chatLinesPerMin: number;
  chatBurst: number;
  marksPerMin: number;
  markBurst: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  chatLinesPerMin: 30,
  chatBurst: 5,
  marksPerMin: 30,
  markBurst: 5,
};

export const CHAT_LIMIT_VARS: Record<keyof ChatLimits, string> = {
  chatLinesPerMin: "CHAT_LINES_PER_MIN",
  chatBurst: "CHAT_BURST",
  marksPerMin: "MARKS_PER_MIN",
  markBurst: "MARK_BURST",
};

export function readChatLimits(env: Record<string, unknown>): ChatLimits {
  return readAll(env, DEFAULT_CHAT_LIMITS, CHAT_LIMIT_VARS);
}

/** A hold renewed only by moves that move nothing lapses this long after its group last moved (room-core.ts). */
export const DEFAULT_STILL_HOLD_MAX_MS = 30_000;

/** The STILL_HOLD_MAX_MS setting. */
export function readStillHoldMaxMs(env: Record<string, unknown>): number {
  return readPositiveInteger(env, "STILL_HOLD_MAX_MS", DEFAULT_STILL_HOLD_MAX_MS);
}

function readAll<T extends object>(env: Record<string, unknown>, defaults: T, vars: Record<keyof T, string>): T {
  const read = {} as T;
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    (read[key] as number) = readPositiveInteger(env, vars[key], defaults[key] as number);
  }
  return read;
}

export function readConnectionLimits(env: Record<string, unknown>): ConnectionLimits {
  return readAll(env, DEFAULT_CONNECTION_LIMITS, CONNECTION_LIMIT_VARS);
}

export function readQuotas(env: Record<string, unknown>): Quotas {
  return readAll(env, DEFAULT_QUOTAS, QUOTA_VARS);
}
