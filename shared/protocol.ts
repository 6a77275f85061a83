/**
 * The wire protocol: one schema per message, unions tagged by `type`, and the
 * TypeScript types derived from the schemas. Both sides validate every frame
 * they receive with these.
 */
import * as v from "valibot";
import { MAX_PIECES, PuzzleOptionsSchema, PuzzleSpecSchema } from "./puzzle-spec.ts";
import { MAX_NAME_CHARS, MAX_RAW_NAME_LENGTH, normalizeName } from "./names.ts";
import { unpackPieces } from "./packed-pieces.ts";
import { ChatEventSchema, ChatHistoryEventSchema, ChatRefusedEventSchema, ChatSchema, MarkEventSchema, MarkSchema } from "./chat.ts";
import { HOST_EVENT_SCHEMAS, HOST_REJECT_REASONS, HostErrorCodeSchema, HostMessageSchema, PasswordSchema } from "./host-controls.ts";

/**
 * Bump on any change to the wire format.
 * History: 1 - first format (hello/welcome, grab/move/drop/cursor, batched frames).
 *          2 - reject reason "conflict" (stateless-occ gave up after repeated write conflicts).
 *          3 - error code "server-error" (the server failed unexpectedly; nothing changed);
 *              rotation: the room option `rotation`, the `rotate` action, a piece's quarter
 *              turns as an optional last element of its wire form, reject reasons
 *              "rotation-off" and "bad-rotation".
 *              limits (issue 10): error codes "rate-limited" and "over-quota", reject reason
 *              "rate-limited", the server's heartbeat `ping` and the client's `pong`, close
 *              codes 4003-4007 (flooding, not reading, hello timeout, refused, too many
 *              sockets), names normalised by shared/names.ts.
 *              5,000 pieces (issue 11): a snapshot's `pieces` is one packed string
 *              (shared/packed-pieces.ts), no longer an array of piece tuples.
 *              crowds (issue 11): hello's optional `role` ("player" | "watcher"), the
 *              welcome's `role`, `watchingBecause` and `audience`, the `seat` message
 *              (a watcher asks for a player seat), the batch events `audience` (players
 *              and watchers counted) and `seated` (this connection now plays), reject
 *              reason "watching" and error code "watching" (a watcher cannot act).
 *              replay (issue 13): no socket message changed; the stateful room serves its
 *              action log over HTTP, GET /parties/main/<room>/log (shared/http.ts LogPage).
 *          4 - a room people gather in (issue 14):
 *              chat and marks (shared/chat.ts): the client messages `chat` and `mark`, the
 *              batch events `chat`, `chat-history` (a joiner's first frame), `mark` and
 *              `chat-refused` (reasons "empty", "too-long", "control-characters",
 *              "rate-limited", "off-table"), in every mode.
 *              private rooms and host controls (shared/host-controls.ts): hello's optional
 *              `password`, the `host` message (kick, ban, lock, watch-only, restart), the
 *              batch events `room-controls`, `kicked` and `host-passed`, the host error
 *              codes, reject reason "watch-only", watchingBecause "locked", close codes
 *              4010-4013 (kicked, banned, password, restarted).
 *              public lobby: hello's optional `listed` (with `create`: the new stateful
 *              room reports itself to the directory party); the directory's HTTP API
 *              (shared/directory.ts) is party to party and GET only, no other socket
 *              message changed.
 *          5 - error code "listing-off": a hello with `listed: true` to a stateless hub
 *              (only stateful rooms are listed); the hubs also refuse a hello's `password`,
 *              with the existing "no-password" (they keep no private rooms).
 */
export const PROTOCOL_VERSION = 5;

/** Largest frame a client may send; hello is the biggest legitimate one. */
export const MAX_CLIENT_FRAME_BYTES = 2_048;
/** Longest name, in characters a player sees (shared/names.ts counts them). */
export const MAX_NAME_LENGTH = MAX_NAME_CHARS;

export const MODES = ["stateful", "stateless", "stateless-occ"] as const;
export const ModeSchema = v.picklist(MODES);
export type Mode = v.InferOutput<typeof ModeSchema>;

/**
 * The PartyKit party a client connects to for each mode (`main` is partykit.json's main).
 * PartyKit turns party names into JavaScript identifiers, so no dashes.
 */
export const PARTY_FOR_MODE: Record<Mode, string> = {
  stateful: "main",
  stateless: "stateless",
  "stateless-occ": "stateless_occ",
};

const Integer = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** Why the rules refuse a rotate: the room does not turn pieces, or the rotation is not 0-3. */
export const ROTATION_REJECT_REASONS = ["rotation-off", "bad-rotation"] as const;

/** Why the rules (or a backend) refused an action. */
export const REJECT_REASONS = [
  "no-such-piece",
  "piece-locked",
  "held-by-other",
  "not-holding",
  "out-of-range",
  "puzzle-complete",
  // Not a rule's verdict: the stateless-occ backend gives up on an action whose
  // store write kept losing to concurrent writers (see party/stateless/).
  "conflict",
  ...ROTATION_REJECT_REASONS,
  // Not a rule's verdict either: the connection sent actions faster than its limit
  // (party/common/limits.ts), and this one was dropped unread.
  "rate-limited",
  // The connection is watching (issue 11): it may take a seat, not act.
  "watching",
  ...HOST_REJECT_REASONS,
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Finite coordinates; how far off the table is acceptable is the rules' call. */
const Coordinate = v.pipe(v.number(), v.finite(), v.minValue(-1e6), v.maxValue(1e6));
const Seq = Integer(0, Number.MAX_SAFE_INTEGER);
const PieceId = Integer(0, MAX_PIECES - 1);
const PlayerId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

// ---- client to server ----

/** What a connection does in its room: plays (acts, shows a cursor), or only watches. */
export const ROLES = ["player", "watcher"] as const;
export const RoleSchema = v.picklist(ROLES);
export type Role = v.InferOutput<typeof RoleSchema>;

export const HelloSchema = v.object({
  type: v.literal("hello"),
  protocol: v.pipe(v.number(), v.integer()),
  /** Normalised (shared/names.ts); a name it refuses is refused with its sentence. */
  name: v.pipe(v.string(), v.maxLength(MAX_RAW_NAME_LENGTH), v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const checked = normalizeName(dataset.value);
    if (checked.ok) return checked.name;
    addIssue({ message: checked.reason });
    return NEVER;
  })),
  /** The token a previous welcome gave, to resume that player after a reconnect. */
  token: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** Options for a room that has no puzzle yet; ignored by a room that has one. */
  create: v.optional(PuzzleOptionsSchema),
  /** Absent: a player. A player hello into a room whose seats are all taken is admitted as a watcher. */
  role: v.optional(RoleSchema),
  /** A private room's join password (at creation: makes the room private). Not needed to resume by token. */
  password: v.optional(PasswordSchema),
  /** With `create`: list the new room in the public lobby (party/room/directory-reporter.ts); ignored otherwise. */
  listed: v.optional(v.boolean()),
});
export const GrabSchema = v.object({ type: v.literal("grab"), seq: Seq, pieceId: PieceId });
export const MoveSchema = v.object({ type: v.literal("move"), seq: Seq, pieceId: PieceId, x: Coordinate, y: Coordinate });
export const DropSchema = v.object({ type: v.literal("drop"), seq: Seq, pieceId: PieceId, x: Coordinate, y: Coordinate });
/**
 * Turns the held group about `pieceId` until that piece has `rotation` quarter
 * turns. Any finite number passes here; a rotation that is not 0-3 is the rules'
 * to refuse ("bad-rotation"), as coordinates off the table are.
 */
export const RotateSchema = v.object({ type: v.literal("rotate"), seq: Seq, pieceId: PieceId, rotation: v.pipe(v.number(), v.finite()) });
export const CursorSchema = v.object({ type: v.literal("cursor"), x: Coordinate, y: Coordinate });
export const PingSchema = v.object({ type: v.literal("ping"), t: v.pipe(v.number(), v.finite()) });
/** A watcher asks for a player seat: granted with a `seated` event, or refused with `room-full`. */
export const SeatSchema = v.object({ type: v.literal("seat") });

export const ClientMessageSchema = v.variant("type", [HelloSchema, GrabSchema, MoveSchema, DropSchema, RotateSchema, CursorSchema, PingSchema, SeatSchema, ChatSchema, MarkSchema, HostMessageSchema]);
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
export type Hello = v.InferOutput<typeof HelloSchema>;
/** The messages that are a player's action on the puzzle, numbered by `seq`. */
export const ActionMessageSchema = v.variant("type", [GrabSchema, MoveSchema, DropSchema, RotateSchema]);
export type ActionMessage = v.InferOutput<typeof ActionMessageSchema>;
export const ACTION_TYPES: readonly string[] = ActionMessageSchema.options.map((option) => option.entries.type.literal);
export function isActionMessage(message: { type: string }): message is ActionMessage {
  return ACTION_TYPES.includes(message.type);
}
/** An action as the rules take it: the message without its sequence number. */
export type PuzzleAction = ActionMessage extends infer A ? (A extends ActionMessage ? Omit<A, "seq"> : never) : never;

// ---- server to client ----

export const PlayerSchema = v.object({
  id: PlayerId,
  name: v.string(),
  color: v.string(),
  connected: v.boolean(),
  placed: v.number(),
});
export type Player = v.InferOutput<typeof PlayerSchema>;

/** A piece's quarter turns on the wire: a last element its encoders leave out when it is 0. */
const WireRotationSchema = v.picklist([0, 1, 2, 3]);
const Locked = v.picklist([0, 1]);
/**
 * A piece as a parsed snapshot holds it (and as storage and the stateless
 * document keep it): [x, y, group, locked ? 1 : 0], then its rotation when
 * turned. On the wire a snapshot's pieces are packed (shared/packed-pieces.ts).
 */
export const WirePieceSchema = v.union([
  v.strictTuple([v.number(), v.number(), v.number(), Locked]),
  v.strictTuple([v.number(), v.number(), v.number(), Locked, WireRotationSchema]),
]);
/** A changed piece on the wire: [id, x, y, group, locked ? 1 : 0], then its rotation when turned. */
export const WirePieceChangeSchema = v.union([
  v.strictTuple([v.number(), v.number(), v.number(), v.number(), Locked]),
  v.strictTuple([v.number(), v.number(), v.number(), v.number(), Locked, WireRotationSchema]),
]);
/** A hold on the wire: [group, playerId, grabbed pieceId], or [group, null, -1] when released. */
export const WireHoldSchema = v.tuple([v.number(), v.nullable(PlayerId), v.number()]);
export type WirePiece = v.InferOutput<typeof WirePieceSchema>;
export type WirePieceChange = v.InferOutput<typeof WirePieceChangeSchema>;
export type WireHold = v.InferOutput<typeof WireHoldSchema>;

/**
 * The full state a joiner gets. On the wire its pieces are one string
 * (shared/packed-pieces.ts: about 7 bytes a piece where tuples took 18); parsing
 * unpacks them, so a parsed Snapshot holds every piece's tuple in id order.
 */
export const SnapshotSchema = v.pipe(
  v.object({
    spec: PuzzleSpecSchema,
    pieces: v.string(),
    holds: v.array(WireHoldSchema),
    players: v.array(PlayerSchema),
    version: v.number(),
    completedAtMs: v.nullable(v.number()),
    startedAtMs: v.number(),
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const unpacked = unpackPieces(dataset.value.spec, dataset.value.pieces);
    if (unpacked.ok) return { ...dataset.value, pieces: unpacked.pieces };
    addIssue({ message: unpacked.problem });
    return NEVER;
  }),
);
/** A snapshot as parsed: its pieces unpacked. */
export type Snapshot = v.InferOutput<typeof SnapshotSchema>;
/** A snapshot as sent: its pieces packed (packPieces). */
export type WireSnapshot = v.InferInput<typeof SnapshotSchema>;

/** How many connections play and how many watch, as everyone in the room is told. */
export const AudienceSchema = v.object({ players: v.number(), watchers: v.number() });
export type Audience = v.InferOutput<typeof AudienceSchema>;
/** Why a player's hello was admitted as a watcher. */
export const WATCHING_BECAUSE = ["asked", "room-full", "locked"] as const;

export const WelcomeSchema = v.object({
  type: v.literal("welcome"),
  protocol: v.number(),
  mode: ModeSchema,
  playerId: PlayerId,
  token: v.string(),
  snapshot: SnapshotSchema,
  /** Absent from rooms that know no watchers (the stateless modes): a player. */
  role: v.optional(RoleSchema),
  /** A watcher's reason: it asked to watch, or every player seat was taken. */
  watchingBecause: v.optional(v.picklist(WATCHING_BECAUSE)),
  audience: v.optional(AudienceSchema),
});

/** Why a frame was refused: its input was bad, or the server failed. */
export const ErrorCodeSchema = v.picklist([
  "bad-json",
  "bad-message",
  "binary-unsupported",
  "too-large",
  "not-joined",
  "already-joined",
  "version-mismatch",
  "room-full",
  "no-puzzle",
  "server-error",
  // A watcher's cursor or a watching hello where watching is not offered (the stateless modes).
  "watching",
  // A hello asking to be listed in the public lobby where rooms are never listed (the stateless modes).
  "listing-off",
]);
/**
 * The limits' refusals (issue 10), which say nothing of the input: a frame over
 * the connection's rate limit, a room over its creator's quota or the server's budget.
 */
export const LimitErrorCodeSchema = v.picklist(["rate-limited", "over-quota"]);
export type ErrorCode = v.InferOutput<typeof ErrorCodeSchema> | v.InferOutput<typeof LimitErrorCodeSchema> | v.InferOutput<typeof HostErrorCodeSchema>;
export const ErrorSchema = v.object({ type: v.literal("error"), code: v.union([ErrorCodeSchema, LimitErrorCodeSchema, HostErrorCodeSchema]), message: v.string() });
export const PongSchema = v.object({ type: v.literal("pong"), t: v.number(), serverTimeMs: v.number() });

// Events carried by a batch frame: everything since the client's previous frame.
export const AckEventSchema = v.object({ type: v.literal("ack"), seq: v.number(), version: v.number() });
export const RejectEventSchema = v.object({ type: v.literal("reject"), seq: v.number(), reason: v.picklist(REJECT_REASONS) });
export const PiecesEventSchema = v.object({ type: v.literal("pieces"), pieces: v.array(WirePieceChangeSchema) });
export const HoldsEventSchema = v.object({ type: v.literal("holds"), holds: v.array(WireHoldSchema) });
/** Cursors: [playerId, x, y]. Throttled and never persisted. */
export const CursorsEventSchema = v.object({ type: v.literal("cursors"), cursors: v.array(v.tuple([PlayerId, v.number(), v.number()])) });
export const PlayerJoinedEventSchema = v.object({ type: v.literal("player-joined"), player: PlayerSchema });
export const PlayerLeftEventSchema = v.object({ type: v.literal("player-left"), playerId: PlayerId });
export const PlacedEventSchema = v.object({ type: v.literal("placed"), playerId: PlayerId, placed: v.number() });
export const CompleteEventSchema = v.object({ type: v.literal("complete"), completedAtMs: v.number() });
/** The audience changed (coalesced: at most one per frame). */
export const AudienceEventSchema = v.object({ type: v.literal("audience"), players: v.number(), watchers: v.number() });
/** This connection took a player seat: from now on it may act. */
export const SeatedEventSchema = v.object({ type: v.literal("seated") });

export const BatchEventSchema = v.variant("type", [
  AckEventSchema,
  RejectEventSchema,
  PiecesEventSchema,
  HoldsEventSchema,
  CursorsEventSchema,
  PlayerJoinedEventSchema,
  PlayerLeftEventSchema,
  PlacedEventSchema,
  CompleteEventSchema,
  AudienceEventSchema,
  SeatedEventSchema,
  ChatEventSchema,
  ChatHistoryEventSchema,
  MarkEventSchema,
  ChatRefusedEventSchema,
  ...HOST_EVENT_SCHEMAS,
]);
export type BatchEvent = v.InferOutput<typeof BatchEventSchema>;

export const BatchSchema = v.object({ type: v.literal("batch"), version: v.number(), events: v.array(BatchEventSchema) });

// ---- the server's heartbeat (issue 10) ----

/**
 * The server's heartbeat: a room pings every joined socket and expects the
 * `pong` back within a deadline; a socket that does not answer (or has not read
 * what it was sent) is closed. `t` is the server's serial, echoed unchanged.
 */
export const HeartbeatSchema = v.object({ type: v.literal("ping"), t: v.pipe(v.number(), v.integer(), v.minValue(0)) });
export type Heartbeat = v.InferOutput<typeof HeartbeatSchema>;
/**
 * The client's answer to a heartbeat. It is read at the boundary
 * (party/common/socket-guard.ts), never by a room, so it is not one of the
 * ClientMessageSchema's messages.
 */
export const HeartbeatReplySchema = v.object({ type: v.literal("pong"), t: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)) });
export type HeartbeatReply = v.InferOutput<typeof HeartbeatReplySchema>;

export const ServerMessageSchema = v.variant("type", [WelcomeSchema, BatchSchema, ErrorSchema, PongSchema, HeartbeatSchema]);
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
/** A server message as sent: what ServerMessageSchema parses into a ServerMessage (a welcome's pieces packed). */
export type WireServerMessage = v.InferInput<typeof ServerMessageSchema>;
export type Welcome = v.InferOutput<typeof WelcomeSchema>;
/** A welcome as sent (its snapshot's pieces packed). */
export type WireWelcome = v.InferInput<typeof WelcomeSchema>;
export type Batch = v.InferOutput<typeof BatchSchema>;

/** WebSocket close codes the room uses, with the reason shown to the player. */
export const CLOSE_VERSION_MISMATCH = 4001;
export const CLOSE_ROOM_FULL = 4002;
/** The limits' closes (issue 10); the first three may be retried, the last two are for good. */
export const CLOSE_FLOODING = 4003;
export const CLOSE_NOT_READING = 4004;
export const CLOSE_HELLO_TIMEOUT = 4005;
/** The hello cannot be admitted as it is (a name refused, a quota reached): retrying cannot help. */
export const CLOSE_REFUSED = 4006;
/** This address has as many sockets open in the room as it may. */
export const CLOSE_TOO_MANY_SOCKETS = 4007;
/** WebSocket close reasons are at most 123 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; message: string };

const utf8 = new TextEncoder();

/** Parses and validates one client frame; never throws. */
export function parseClientFrame(frame: string | ArrayBuffer | ArrayBufferView): ParseResult<ClientMessage> {
  if (typeof frame !== "string") return { ok: false, code: "binary-unsupported", message: "binary frames are not part of the protocol; send JSON text" };
  // A UTF-16 unit is 1-3 UTF-8 bytes on the wire: count bytes only when it matters.
  const bytes = frame.length * 3 <= MAX_CLIENT_FRAME_BYTES || frame.length > MAX_CLIENT_FRAME_BYTES ? frame.length : utf8.encode(frame).length;
  if (bytes > MAX_CLIENT_FRAME_BYTES) return { ok: false, code: "too-large", message: `frame of ${bytes} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, code: "bad-json", message: "frame is not valid JSON" };
  }
  const result = v.safeParse(ClientMessageSchema, json);
  if (!result.success) return { ok: false, code: "bad-message", message: describeIssues(result.issues) };
  return { ok: true, message: result.output };
}

/** Parses and validates one server frame; never throws. */
export function parseServerFrame(frame: string): ParseResult<ServerMessage> {
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, code: "bad-json", message: "frame is not valid JSON" };
  }
  const result = v.safeParse(ServerMessageSchema, json);
  if (!result.success) return { ok: false, code: "bad-message", message: describeIssues(result.issues) };
  return { ok: true, message: result.output };
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
