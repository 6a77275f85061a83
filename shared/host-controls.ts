/**
 * Private rooms and host controls (issue 14), the wire half: the join password a
 * hello may carry, the host's commands, the events that tell the room of them,
 * and the permission table the room checks every command against. Pure: the
 * room applies it (party/room/room-host.ts), the client reads it to know which
 * buttons to show; a hidden button is never the check.
 *
 * It imports nothing from protocol.ts (which builds its unions from these
 * schemas), so the two modules never load each other.
 */
import * as v from "valibot";
import { PuzzleOptionsSchema } from "./puzzle-spec.ts";

/** What the host may do to the room. */
export const HOST_CONTROLS = ["kick", "ban", "lock", "watch-only", "restart"] as const;
export type HostControl = (typeof HOST_CONTROLS)[number];

/** Who a connection is in its room, as the permission table sees it. */
export const ROOM_ROLES = ["host", "player", "watcher"] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

/**
 * Which role may use which control. Only the host, for every control: a
 * player's or a watcher's command is refused with "not-host". A table rather
 * than an `if`, so a new role or a shared control is one line the tests see.
 */
export const HOST_PERMISSIONS: Readonly<Record<HostControl, readonly RoomRole[]>> = {
  kick: ["host"],
  ban: ["host"],
  lock: ["host"],
  "watch-only": ["host"],
  restart: ["host"],
};

export function mayControl(role: RoomRole, control: HostControl): boolean {
  return HOST_PERMISSIONS[control].includes(role);
}

/** Longest join password, in UTF-16 units: a phrase a friend can type, well under a frame. */
export const MAX_PASSWORD_LENGTH = 64;
/** A kick's or a ban's reason, as the one kicked reads it (a close reason holds 123 bytes). */
export const MAX_KICK_REASON_LENGTH = 80;

/** A join password as a hello carries it: any text but the empty one (no password is no field). */
export const PasswordSchema = v.pipe(v.string(), v.minLength(1, "a password cannot be empty: leave the field out"), v.maxLength(MAX_PASSWORD_LENGTH));

const TargetId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const KickReason = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(MAX_KICK_REASON_LENGTH)));

/** A host's command; `ban` also closes the player's connection and refuses its resume token for good. */
export const HostCommandSchema = v.variant("control", [
  v.object({ control: v.literal("kick"), playerId: TargetId, reason: KickReason }),
  v.object({ control: v.literal("ban"), playerId: TargetId, reason: KickReason }),
  v.object({ control: v.literal("lock"), on: v.boolean() }),
  v.object({ control: v.literal("watch-only"), on: v.boolean() }),
  /** A fresh puzzle from new options: pieces, progress and the action log start over. */
  v.object({ control: v.literal("restart"), create: PuzzleOptionsSchema }),
]);
export type HostCommand = v.InferOutput<typeof HostCommandSchema>;

/** Client to server: the host's command. Answered with an error, or by the room's events. */
export const HostMessageSchema = v.object({ type: v.literal("host"), command: HostCommandSchema });
export type HostMessage = v.InferOutput<typeof HostMessageSchema>;

/**
 * Why the room refused a hello or a command. "password-required": a private
 * room's hello came without one; "wrong-password"; "no-password": a password
 * sent to a room that has none (a wrong link, not silently let in);
 * "banned": this resume token was banned; "not-host": a command from someone
 * the table does not allow; "no-such-player": a kick or ban of someone not in
 * the room; "room-locked": a watcher asked for a seat in a locked room;
 * "host-controls-off": the stateless modes have no host.
 */
export const HostErrorCodeSchema = v.picklist(["password-required", "wrong-password", "no-password", "banned", "not-host", "no-such-player", "room-locked", "host-controls-off"]);
export type HostErrorCode = v.InferOutput<typeof HostErrorCodeSchema>;

/** Why an action was refused in a watch-only room ("a show": nobody acts, the host neither). */
export const HOST_REJECT_REASONS = ["watch-only"] as const;

/** The close codes of host controls; none is retried by the client. */
export const CLOSE_KICKED = 4010;
export const CLOSE_BANNED = 4011;
/** A private room's hello without the right password: the client asks for it. */
export const CLOSE_PASSWORD = 4012;
/** The host restarted the room with a new picture: the client loads the room again. */
export const CLOSE_RESTARTED = 4013;

/**
 * The room's controls as everyone sees them: sent to each joiner after its
 * welcome and to everyone whenever they change. `hostId` null: nobody holds the
 * seat (a room made before hosts existed, until a player is present).
 */
export const RoomControlsEventSchema = v.object({
  type: v.literal("room-controls"),
  hostId: v.nullable(TargetId),
  locked: v.boolean(),
  watchOnly: v.boolean(),
  /** Whether a join password guards the room (never the password). */
  private: v.boolean(),
});
export type RoomControlsEvent = v.InferOutput<typeof RoomControlsEventSchema>;

/** A player was kicked (or banned): everyone is told who and why. */
export const KickedEventSchema = v.object({
  type: v.literal("kicked"),
  playerId: TargetId,
  name: v.string(),
  banned: v.boolean(),
  reason: v.string(),
});

/** The host seat passed on: the host was away for HOST_AWAY_MS (party/room/room-host.ts). */
export const HostPassedEventSchema = v.object({ type: v.literal("host-passed"), hostId: TargetId, fromId: v.nullable(TargetId) });

export const HOST_EVENT_SCHEMAS = [RoomControlsEventSchema, KickedEventSchema, HostPassedEventSchema] as const;

/** The invite link's fragment key for the password: `#pw=...` never reaches a server's logs. */
export const PASSWORD_FRAGMENT_KEY = "pw";
