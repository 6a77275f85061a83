/**
 * The authoritative puzzle room, free of any transport: it sees sockets through
 * a three-member interface, storage through RoomStorage, time through a clock,
 * and asks its host to call `flush()` later instead of owning timers. PartyKit
 * adapts it in server.ts; tests drive it in-process.
 */
import { createPuzzle, lockedCount, type PuzzleState } from "../../shared/puzzle-state.ts";
import { pieceCountOf } from "../../shared/puzzle-spec.ts";
import { applyAction, expireLeases, releasePlayer } from "../../shared/rules.ts";
import * as v from "valibot";
import { MAX_RAW_NAME_LENGTH } from "../../shared/names.ts";
import { CLOSE_REFUSED, PROTOCOL_VERSION, RoleSchema, type ActionMessage, type Audience, type BatchEvent, type Hello, type Mode, type Player, type Role, type Snapshot, type WireHold, type WirePieceChange, type WireSnapshot } from "../../shared/protocol.ts";
import { ackEvent, batchFrame, json, rejectEvent, welcomeFrame, type Json } from "../../shared/frames.ts";
import type { LogPage, RoomSummary } from "../../shared/http.ts";
import { snapshotFromWire, wireHold, wirePieceChange, wireSnapshot } from "../../shared/replica.ts";
import { PlayerRoster, type Admission, type Connecting, type Joined, type RosterPlayer } from "../common/player-roster.ts";
import { dispatchFrame, reportFailure, type FrameHandlers } from "../common/frame-dispatch.ts";
import { sendError, sendMessage, type RoomSocket } from "../common/socket.ts";
import { CURSOR_INTERVAL_MS } from "../common/settings.ts";
import { DEFAULT_STILL_HOLD_MAX_MS } from "../common/limits.ts";
import {
  META_KEY,
  PROGRESS_KEY,
  chunkCount,
  chunkKey,
  chunkOf,
  encodeChunk,
  loadRoom,
  KEYS_PER_CALL,
  type RoomHostStorage,
  type StoredMeta,
  type StoredPlayer,
  type StoredProgress,
} from "./room-storage.ts";
import { STORAGE_VERSION } from "./storage-migrations.ts";
import { ActionLogStore, type LogSliceResult } from "./action-log-store.ts";
import { RoomChat } from "./room-chat.ts";
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from "../common/limits.ts";
import { WATCHER_COLOR } from "../../shared/chat.ts";
import { RoomHostControls } from "./room-host.ts";
import { CLOSE_RESTARTED } from "../../shared/host-controls.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { NewsJournal, type NewsEncoders } from "./news-journal.ts";

/**
 * Frames are paced per client. Everyone gets what changed on the room's
 * broadcast tick, all in one flush. The tick fits the room's size (see
 * `tickMsFor`): a small room ticks every ACK_BATCH_MS, and the tick grows with
 * the connections until, at BROADCAST_TICK_MS, the room sends about
 * ROOM_FRAMES_PER_S frames a second however many it serves. A tick is due a
 * tick after the last one, and a change that finds it due (a room that was
 * quiet for a tick) is sent at once, in the same event: a move in a quiet room
 * goes out as it would from an unbatched room, and only the moves that follow
 * it within a tick wait, for one frame that carries them all. An ack rides the
 * tick when the tick is at most ACK_RIDE_MS away, so up to 64 connections (a
 * 16 ms tick) every ack rides one and a flush is a tick: an ack-only flush
 * costs a storage write and a frame for the acting client, which at 64 x 30 Hz
 * tripled the flushes (docs/figures.md). In a bigger room an ack that would
 * wait longer goes in the next flush for acks, at least ACK_BATCH_MS after the
 * last flush, so the acks of actions that arrive together share one storage
 * write. Each client's frames draw on a token bucket of FRAME_BURST tokens
 * refilled at FRAMES_PER_S - FRAME_BURST a second (or one frame per tick where
 * the tick is shorter), so at the largest tick no one-second window holds more
 * than FRAMES_PER_S frames, and a client that asks for more waits about 18 ms
 * per frame, never long.
 */
export const BROADCAST_TICK_MS = 30;
export const ACK_RIDE_MS = 16;
export const ACK_BATCH_MS = 4;
export const FRAMES_PER_S = 60;
export const FRAME_BURST = 3;
const FRAME_TOKENS_PER_MS = (FRAMES_PER_S - FRAME_BURST) / 1000;
/**
 * The frames a second a room aims to send in all, which sets its tick: a
 * room of n connections ticks every n * 1000 / ROOM_FRAMES_PER_S ms, within
 * ACK_BATCH_MS..BROADCAST_TICK_MS: 4 ms at 16 connections, 16 ms at 64, 30 ms
 * from 120 on (what that costs and gives: docs/figures.md).
 */
export const ROOM_FRAMES_PER_S = 4_000;
/**
 * A frame carries at most this many cursors: players holding a piece first,
 * then the most recently moved, so a watcher's frame at 1,000 connections
 * costs what it costs at 64. A cursor left out goes when it moves again.
 */
export const MAX_CURSORS_PER_FRAME = 32;
/**
 * In a room at the largest tick (a crowd), a watcher's frames are at least this
 * far apart, each on a tick. A watcher sends nothing, and its table eases each
 * piece to where the frame says; the room's frames a second are then mostly the
 * players'. At 100 players and 900 watchers a frame per tick to every watcher
 * kept workerd busy sending them (bench:crowd: 87% of a core, fan-out p99 2.8 s).
 */
export const CROWD_WATCHER_FRAME_MS = 100;
/**
 * In a crowd the counts ("12 playing, 240 watching") go out at most this often:
 * each count change is news for every connection, so in a join storm of 1,000
 * a count per tick kept every socket's frame due and the room busy sending
 * counts while it let the others in.
 */
export const CROWD_AUDIENCE_MS = 1_000;

/** The broadcast tick of a room of `connections` (see ROOM_FRAMES_PER_S). */
export function tickMsFor(connections: number, roomFramesPerS = ROOM_FRAMES_PER_S): number {
  return Math.min(BROADCAST_TICK_MS, Math.max(ACK_BATCH_MS, Math.ceil((connections * 1000) / roomFramesPerS)));
}

/** WebSocket's own close code for a server that met a condition it cannot handle. */
export const CLOSE_INTERNAL_ERROR = 1011;

/**
 * A hold renews with every move, but a move that moves nothing (a still drag's
 * renewal) renews it only this long after the group last really moved: a
 * player who stops to think keeps the piece for a while, a client that only
 * renews (to sit on a piece for ever) loses it GRAB_LEASE_MS later. The
 * STILL_HOLD_MAX_MS setting (party/common/limits.ts) may change it.
 */
export const STILL_HOLD_MAX_MS = DEFAULT_STILL_HOLD_MAX_MS;

export type { RoomSocket } from "../common/socket.ts";

/**
 * What a connection needs after the room slept (hibernation: server.ts keeps it
 * in the socket's attachment, under 200 bytes): who it is, what it may do, and
 * the name and token a watcher takes a seat with.
 */
export const SessionAttachmentSchema = v.object({
  playerId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  role: RoleSchema,
  token: v.pipe(v.string(), v.maxLength(64)),
  name: v.pipe(v.string(), v.maxLength(MAX_RAW_NAME_LENGTH)),
});
export type SessionAttachment = v.InferOutput<typeof SessionAttachmentSchema>;

export interface RoomHost {
  storage: RoomHostStorage;
  now(): number;
  /** Ask for `flush()` to be called after `delayMs`; repeated asks may coalesce. */
  requestFlush(delayMs: number): void;
  /** A fresh unguessable id. */
  randomId(): string;
  /**
   * Asked before a hello creates the puzzle: null to go ahead, or the sentence
   * saying why not (the creator's quota, the server's budget). Without it, every
   * creation goes ahead.
   */
  admitPuzzle?(pieces: number, address: string | undefined): string | null;
  /** A socket joined or took a seat: what it needs after a wake (see SessionAttachment). */
  attach?(socketId: string, attachment: SessionAttachment): void;
  /** Resolves after `delayMs` (a refused password's delay, room-host.ts); absent: at once. */
  wait?(delayMs: number): Promise<void>;
  /** The hello that created the puzzle (the public lobby's listing reads it: directory-reporter.ts). */
  puzzleCreated?(hello: Hello): void;
}

/** A page of the log, or why not (a sentence, and the HTTP status to answer with). */
export type LogPageResult = { ok: true; page: LogPage } | Exclude<LogSliceResult, { ok: true }>;

export interface RoomOptions {
  mode: Mode;
  maxPlayers: number;
  /** Watchers beside the players (default 0: a full room refuses, as before watching existed). */
  maxWatchers?: number;
  /** The room's frame budget that sets its tick (default ROOM_FRAMES_PER_S). */
  roomFramesPerS?: number;
  /** How long still renewals keep a hold (default STILL_HOLD_MAX_MS). */
  stillHoldMaxMs?: number;
  /** What one speaker may say and mark (default DEFAULT_CHAT_LIMITS). */
  chat?: ChatLimits;
}

/** A joined client, with its pacing: only a joined session is sent frames. */
interface PacedSession extends Joined {
  readonly role: Role;
  /** The hello's name and the welcome's token: a watcher takes a seat with them. */
  readonly name: string;
  readonly token: string;
  /** Acks and rejects owed to this client (serialized), and when its frame with them is due. */
  replies: Json<BatchEvent>[];
  repliesDueMs: number;
  /** Events for this client alone (serialized), sent with its next frame; what everyone hears is in the room's news. */
  events: Json<BatchEvent>[];
  /** The room's news serial up to which this client has been sent room events, pieces and holds (see NewsJournal). */
  newsSeen: number;
  /** The room's cursor serial up to which this client has been sent cursors. */
  cursorsSeen: number;
  /** The room version this client's last frame carried. */
  versionSent: number;
  lastFrameMs: number;
  lastCursorMs: number;
  /** Frame budget (token bucket), as of tokensAtMs. */
  tokens: number;
  tokensAtMs: number;
}

export class RoomCore {
  private state: PuzzleState | null = null;
  private readonly roster: PlayerRoster<PacedSession>;
  private readonly frameHandlers: FrameHandlers<PacedSession>;
  private startedAtMs = 0;
  private actionsApplied = 0;
  private actionsRejected = 0;

  /** Wire form of changed pieces and holds, made once however many clients receive it. */
  private readonly pieceJson = new Map<number, Json<WirePieceChange>>();
  private readonly holdJson = new Map<number, Json<WireHold>>();
  /** Room events, pieces and holds that changed, kept until every client has been sent them. */
  private readonly news = new NewsJournal();
  private readonly newsEncoders: NewsEncoders = {
    piece: (id) => this.pieceJson.get(id) ?? cached(this.pieceJson, id, wirePieceChange(this.state!, id)),
    hold: (group) => this.holdJson.get(group) ?? cached(this.holdJson, group, wireHold(this.state!, group)),
  };
  /** Storage chunks to write at the next flush. */
  private dirtyChunks = new Set<number>();
  /** The players or placed counts changed: meta is written at the next flush. */
  private metaDirty = false;
  /** What progress last stored (null: nothing yet); every action moves it, and releases bump the version without one. */
  private storedProgress: StoredProgress | null = null;
  /** Every change to the puzzle, written with the state it leads to (action-log-store.ts). */
  private log = ActionLogStore.fresh();
  /** Set by load when storage holds what this room cannot read. */
  private unreadableStorage: string | null = null;
  /** Latest cursor of each connected player, with the serial of its last move. */
  private readonly cursors = new Map<string, { x: number; y: number; serial: number }>();
  private cursorSerial = 0;
  /** The cursors in the order frames take them (holders, then most recent), per flush. */
  private cursorRanking: { atMs: number; ranked: string[]; encoded: Map<number, Json<BatchEvent> | null> } | null = null;
  /** The welcome's snapshot, encoded once per room version and players list. */
  private snapshotCache: { version: number; players: number; encoded: Json<WireSnapshot> } | null = null;
  /** Bumped whenever what the snapshot's players list says changes. */
  private playersGeneration = 0;
  /** Snapshots encoded so far (the cache's misses): for tests and the crowd bench. */
  snapshotEncodings = 0;
  /** The players or watchers counted changed: everyone hears the counts at the next flush (in a crowd, CROWD_AUDIENCE_MS after the last counts). */
  private audienceDirty = false;
  private audienceSentMs = Number.NEGATIVE_INFINITY;
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  /** The last flush that was a tick (see the pacing above): the next is due a tick later. */
  private lastTickMs = Number.NEGATIVE_INFINITY;
  private flushRequestedForMs: number | null = null;
  /** When each holding player's group last really moved (see STILL_HOLD_MAX_MS). */
  private readonly lastMovedAtMs = new Map<string, number>();
  /** True while the puzzle is in storage only (unload); ensureLoaded() brings it back. */
  private inStorageOnly = false;
  private reloading: Promise<void> | null = null;
  /** Chat lines and marks, and the last lines in storage (room-chat.ts). */
  private readonly chat: RoomChat<PacedSession>;
  /** The host seat, the private room's password and the host's switches (room-host.ts). */
  private readonly hosting: RoomHostControls;

  constructor(
    private readonly host: RoomHost,
    private readonly options: RoomOptions,
  ) {
    this.roster = new PlayerRoster(options.maxPlayers, () => host.randomId(), options.maxWatchers ?? 0);
    this.frameHandlers = {
      hello: (connecting, hello) => this.join(connecting, hello),
      act: (acting, action) => this.act(acting, action),
      cursor: (session, x, y) => {
        if (session.role === "watcher") return sendError(session.socket, "watching", "you are watching: take a seat to show your cursor");
        this.cursors.set(session.playerId, { x, y, serial: ++this.cursorSerial });
        this.requestFlushAt(this.host.now() + CURSOR_INTERVAL_MS);
      },
      seat: (session) => this.seat(session),
      chat: (session, chat) => this.chat.say(session, chat),
      mark: (session, mark) => this.chat.mark(session, mark),
      now: () => this.host.now(),
      host: (session, message) => this.hosting.command(session, message.command),
    };
    this.chat = new RoomChat<PacedSession>(options.chat ?? DEFAULT_CHAT_LIMITS, {
      storage: host.storage,
      now: () => host.now(),
      spec: () => this.state?.spec ?? null,
      broadcast: (event) => {
        this.broadcastEvent(event);
        this.scheduleFlush();
      },
      reply: (session, event) => this.reply(session, event),
      // A watcher has no roster entry: its hello's name and the watchers' grey.
      speaker: (session) => {
        const player = session.role === "player" ? this.roster.players.get(session.playerId) : undefined;
        return { from: session.playerId, name: player?.name ?? session.name, color: player?.color ?? WATCHER_COLOR, watcher: !player };
      },
    });
    this.hosting = new RoomHostControls({
      storage: host.storage,
      now: () => host.now(),
      wait: host.wait && ((delayMs) => host.wait!(delayMs)),
      players: this.roster.players,
      playerWithToken: (token) => this.roster.playerWithToken(token),
      connectionOf: (playerId) => this.roster.connectionOf(playerId),
      watcher: (watcherId) => this.roster.watcherWithId(watcherId),
      connectedPlayerIds: () => this.roster.connectedPlayerIds(),
      broadcast: (event) => {
        this.broadcastEvent(event);
        this.scheduleFlush();
      },
      tell: (joined, event) => {
        const session = this.roster.sessions.get(joined.socket.id);
        if (session?.state === "joined") this.reply(session, event);
      },
      wakeAt: (atMs) => this.requestFlushAt(atMs),
      drop: (socketId) => this.disconnect(socketId),
      restart: (options, address) => this.restartPuzzle(options, address),
    });
  }

  /**
   * Rebuilds the room from storage; call once before anything else. Storage the
   * room cannot read is logged once, and the room then refuses to serve (see
   * `unreadable`) rather than build half a puzzle.
   */
  async load(): Promise<void> {
    const stored = await loadRoom(this.host.storage);
    switch (stored.kind) {
      case "empty":
        return;
      case "unreadable":
        this.unreadableStorage = stored.problem;
        console.error(`room storage cannot be read, so this room refuses to serve: ${stored.problem}`);
        return;
      case "loaded":
        break;
      default: {
        const unreachable: never = stored;
        return unreachable;
      }
    }
    const log = await ActionLogStore.load(this.host.storage);
    if (log.kind === "unreadable") {
      this.unreadableStorage = log.problem;
      console.error(`room storage cannot be read, so this room refuses to serve: ${log.problem}`);
      return;
    }
    await this.chat.load();
    const hostProblem = await this.hosting.load();
    if (hostProblem !== null) {
      this.unreadableStorage = hostProblem;
      console.error(`room storage cannot be read, so this room refuses to serve: ${hostProblem}`);
      return;
    }
    this.state = stored.state;
    this.log = log.log;
    this.startedAtMs = stored.meta.startedAtMs;
    this.actionsApplied = stored.progress.actionsApplied;
    this.storedProgress = stored.progress;
    for (const { placed: _placed, ...player } of stored.meta.players) this.roster.players.set(player.id, player);
    // Storage keeps no holds: a replay must forget them here too.
    this.log.append({ kind: "restart", atMs: this.host.now() });
  }

  /**
   * Drops the puzzle from memory, after persisting what changed, when no socket
   * is open; ensureLoaded() rebuilds it from storage. Returns the pieces freed
   * (0 when it did not unload).
   */
  unload(): number {
    if (!this.state || this.roster.sessions.size > 0) return 0;
    this.flush();
    const pieces = pieceCountOf(this.state.spec);
    this.state = null;
    this.forgetDerived();
    this.roster.players.clear();
    this.inStorageOnly = true;
    return pieces;
  }

  /** Forgets everything made from the puzzle in memory (encodings, news, cursors, what was stored): the puzzle went or was replaced. */
  private forgetDerived(): void {
    this.storedProgress = null;
    this.pieceJson.clear();
    this.holdJson.clear();
    this.news.clear();
    this.cursors.clear();
    this.cursorRanking = null;
    this.snapshotCache = null;
    this.lastMovedAtMs.clear();
  }

  /** Whether the puzzle is in storage only (unloaded); a host calls ensureLoaded() before serving. */
  get unloaded(): boolean {
    return this.inStorageOnly;
  }

  /** Rebuilds an unloaded room from storage; resolves at once for a loaded one. Calls that overlap share one load. */
  ensureLoaded(): Promise<void> {
    if (!this.inStorageOnly) return Promise.resolve();
    // Only a load that succeeded ends it: a room that failed to load must not pass for one with no puzzle.
    this.reloading ??= this.load()
      .then(() => {
        this.inStorageOnly = false;
      })
      .finally(() => {
        this.reloading = null;
      });
    return this.reloading;
  }

  /** Pieces this room holds in memory. */
  get loadedPieces(): number {
    return this.state ? pieceCountOf(this.state.spec) : 0;
  }

  /** Why this room's storage cannot be read, when it cannot: the room then serves no one. */
  get unreadable(): string | null {
    return this.unreadableStorage;
  }

  connect(socket: RoomSocket): void {
    this.roster.add(socket);
  }

  /**
   * After a wake (hibernation): the socket `socketId` (connected, not joined)
   * was `attachment`'s before the room slept; it is served again as that player
   * or watcher, from the room's current version on (nothing changed while the
   * room slept). False when that cannot be: no puzzle, or a player the stored
   * room does not know; the host then closes the socket and its client reconnects.
   */
  restore(socketId: string, attachment: SessionAttachment): boolean {
    const session = this.roster.sessions.get(socketId);
    if (!session || session.state !== "connecting" || !this.state) return false;
    const watching = attachment.role === "watcher";
    if (!watching && !this.roster.players.has(attachment.playerId)) return false;
    // It heard the room's talk before the room slept: no history again on every wake.
    this.roster.restore({ ...this.pacedSession(session, attachment), events: [] }, watching);
    this.audienceDirty = true;
    if (!watching) this.playersGeneration++;
    this.scheduleFlush();
    return true;
  }

  disconnect(socketId: string): void {
    const wasJoined = this.hasJoined(socketId);
    const playerId = this.roster.remove(socketId);
    this.hosting.forget(socketId);
    if (playerId) this.hosting.left(playerId);
    if (wasJoined) this.audienceDirty = true;
    if (!playerId || !this.state) {
      if (wasJoined) this.scheduleFlush();
      return;
    }
    this.playersGeneration++;
    this.cursors.delete(playerId);
    this.lastMovedAtMs.delete(playerId);
    const released = releasePlayer(this.state, playerId);
    if (released.length > 0) this.log.append({ kind: "release", atMs: this.host.now(), playerId });
    this.markChanged([], released);
    this.broadcastEvent({ type: "player-left", playerId });
    this.scheduleFlush();
  }

  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    dispatchFrame(session, frame, this.frameHandlers);
  }

  hasJoined(socketId: string): boolean {
    return this.roster.hasJoined(socketId);
  }

  /** An action the boundary dropped for its socket's rate limit: rejected like any other, in the client's next frame. */
  refuseAction(socketId: string, seq: number): void {
    const session = this.roster.joinedOrRefused(socketId);
    if (session) this.reply(session, rejectEvent(seq, "rate-limited"));
  }

  /**
   * Persists what changed, then sends every client whose frame is due, and asks
   * for the next flush; the host calls it when asked.
   */
  flush(): void {
    this.flushRequestedForMs = null;
    if (!this.state) return;
    const now = this.host.now();
    const expired = expireLeases(this.state, now);
    if (expired.length > 0) this.log.append({ kind: "expire", atMs: now });
    this.markChanged([], expired);
    this.hosting.tick(now);
    this.persist(now);
    const audienceDueMs = this.audienceSentMs + (this.tickMs() >= BROADCAST_TICK_MS ? CROWD_AUDIENCE_MS : 0);
    if (this.audienceDirty && now >= audienceDueMs) {
      this.audienceDirty = false;
      this.audienceSentMs = now;
      this.broadcastEvent({ type: "audience", ...this.audience() });
    }
    if (now >= this.lastTickMs + this.tickMs()) this.lastTickMs = now;
    let next = this.audienceDirty ? audienceDueMs : Number.POSITIVE_INFINITY;
    let oldestNews = this.news.serial;
    for (const session of this.joinedSessions()) {
      let due = this.frameDue(session, now);
      if (due <= now) {
        this.sendFrame(session, now);
        due = this.frameDue(session, now);
      }
      next = Math.min(next, due);
      oldestNews = Math.min(oldestNews, session.newsSeen);
    }
    this.news.trim(oldestNews);
    this.lastFlushMs = now;
    for (const hold of this.state.holds.values()) next = Math.min(next, hold.expiresAtMs + 1);
    if (next !== Number.POSITIVE_INFINITY) this.requestFlushAt(next);
  }

  summary(): RoomSummary {
    return {
      mode: this.options.mode,
      created: this.state !== null,
      pieces: this.state ? pieceCountOf(this.state.spec) : 0,
      placed: this.state ? lockedCount(this.state) : 0,
      players: this.roster.players.size,
      connected: this.roster.connectedPlayers,
      watchers: this.roster.watchers,
      actionsApplied: this.actionsApplied,
      actionsRejected: this.actionsRejected,
      version: this.state?.version ?? 0,
      completedAtMs: this.state?.completedAtMs ?? null,
      rotation: this.state?.spec.rotation ?? false,
    };
  }

  /**
   * A page of the action log from entry `from` (default: the first a replay can
   * start from), with what a replay needs besides: the spec, the players, the
   * start. Null when the room has no puzzle.
   */
  async logPage(from: number | undefined): Promise<LogPageResult | null> {
    const state = this.state;
    if (!state) return null;
    const head = { spec: state.spec, startedAtMs: this.startedAtMs, completedAtMs: state.completedAtMs, players: [...this.roster.players.values()].map((player) => this.publicPlayer(player)) };
    const sliced = await this.log.slice(this.host.storage, from);
    return sliced.ok ? { ok: true, page: { ...head, ...sliced.slice } } : sliced;
  }

  /** The full authoritative state, as a late joiner receives it: its pieces packed (shared/packed-pieces.ts). */
  wireSnapshot(): WireSnapshot | null {
    const state = this.state;
    if (!state) return null;
    return wireSnapshot(state, {
      holds: [...state.holds.keys()].map((group) => wireHold(state, group)),
      players: [...this.roster.players.values()].map((player) => this.publicPlayer(player)),
      version: state.version,
      completedAtMs: state.completedAtMs,
      startedAtMs: this.startedAtMs,
    });
  }

  /** The full authoritative state, as a late joiner parses it (its pieces unpacked). */
  snapshot(): Snapshot | null {
    const wire = this.wireSnapshot();
    return wire && snapshotFromWire(wire);
  }

  /** `checked`: the host seat let this hello through (a banned token, a password: room-host.ts) while the room had a puzzle or not as now. */
  private join(session: Connecting, hello: Hello, checked = false): void | Promise<void> {
    if (this.unreadableStorage !== null) {
      sendError(session.socket, "server-error", "this room's saved puzzle cannot be read, so the room cannot be played; please start a new room");
      return session.socket.close(CLOSE_INTERNAL_ERROR, "room storage unreadable");
    }
    // The host reloads before it lets a socket in; a hello here would take the stored puzzle for none.
    if (this.inStorageOnly) throw new Error("a hello reached a room whose puzzle is unloaded");
    if (!checked) {
      const hadPuzzle = this.state !== null;
      const gate = this.hosting.checkHello(session, hello, hadPuzzle);
      if (gate === "refused") return;
      // A password is hashed meanwhile; the room may have got its puzzle from another hello by then: checked again.
      if (gate !== "pass") return gate.then((admitted) => (admitted && this.roster.isCurrent(session) ? this.join(session, hello, hadPuzzle === (this.state !== null)) : undefined));
    }
    const admission = this.roster.admit(session, this.hosting.lockedHello(session, hello));
    if (!admission) return;
    if (admission.role === "watcher") return this.watch(session, hello, { ...admission, because: this.hosting.watchingBecause(session.socket.id, admission.because) });
    const created = !this.state;
    if (!this.state) {
      if (!hello.create) return sendError(session.socket, "no-puzzle", "this room has no puzzle yet: send create options with hello");
      const refusal = this.host.admitPuzzle?.(hello.create.pieceCount, session.socket.address) ?? null;
      if (refusal !== null) {
        sendError(session.socket, "over-quota", refusal);
        return session.socket.close(CLOSE_REFUSED, refusal);
      }
      this.state = createPuzzle(hello.create);
      this.startedAtMs = this.host.now();
      for (let index = 0; index < chunkCount(this.state.spec); index++) this.dirtyChunks.add(index);
      this.metaDirty = true;
      this.host.puzzleCreated?.(hello);
    }
    const { player, session: joined } = this.roster.bind(session, hello.name, admission.resumed, ({ id, token }) => this.pacedSession(session, { playerId: id, role: "player", token, name: hello.name }));
    this.metaDirty = true;
    this.playersGeneration++;
    this.audienceDirty = true;
    this.broadcastEvent({ type: "player-joined", player: this.publicPlayer(player) });
    this.host.attach?.(session.socket.id, { playerId: player.id, role: "player", token: player.token, name: hello.name });
    session.socket.send(welcomeFrame({ type: "welcome", protocol: PROTOCOL_VERSION, mode: this.options.mode, playerId: player.id, token: player.token, role: "player", audience: this.audience() }, this.encodedSnapshot()));
    this.hosting.joined(joined, player.id, created);
    this.scheduleFlush();
  }

  /** A hello admitted as a watcher: the snapshot and the counts, and nothing for anyone else but the counts. */
  private watch(session: Connecting, hello: Hello, admission: Extract<Admission, { role: "watcher" }>): void {
    if (!this.state) return sendError(session.socket, "no-puzzle", "this room has no puzzle yet, so there is nothing to watch");
    const watcher = this.roster.bindWatcher(session, ({ id, token }) => this.pacedSession(session, { playerId: id, role: "watcher", token, name: hello.name }));
    this.audienceDirty = true;
    this.host.attach?.(session.socket.id, { playerId: watcher.playerId, role: "watcher", token: watcher.token, name: hello.name });
    session.socket.send(
      welcomeFrame(
        { type: "welcome", protocol: PROTOCOL_VERSION, mode: this.options.mode, playerId: watcher.playerId, token: watcher.token, role: "watcher", watchingBecause: admission.because, audience: this.audience() },
        this.encodedSnapshot(),
      ),
    );
    this.hosting.joined(watcher, null, false);
    this.scheduleFlush();
  }

  /** A watcher asks for a seat: it plays from its next frame on (a `seated` event), or hears why not. */
  private seat(session: PacedSession): void {
    if (session.role === "player") return sendError(session.socket, "already-joined", "this connection already plays");
    if (this.hosting.refusesSeat(session.socket)) return;
    const seated = this.roster.seat(session, session.name, session.token, (player) => ({ ...session, role: "player", playerId: player.id }));
    if (!seated) return sendError(session.socket, "room-full", `every player seat is taken (${this.options.maxPlayers} players): you are still watching, and may try again when someone leaves`);
    const { player, session: playing } = seated;
    this.metaDirty = true;
    this.playersGeneration++;
    this.audienceDirty = true;
    this.broadcastEvent({ type: "player-joined", player: this.publicPlayer(player) });
    this.host.attach?.(session.socket.id, { playerId: player.id, role: "player", token: player.token, name: session.name });
    this.reply(playing, json<BatchEvent>({ type: "seated" }));
    this.hosting.joined(playing, player.id, false);
  }

  /**
   * The host's restart (room-host.ts): a fresh puzzle from `options`, its
   * pieces, progress and action log starting over (the old log's keys deleted in
   * the same synchronous step as the new state's put, which the runtime commits
   * as one write). The players stay remembered; every socket is closed with
   * CLOSE_RESTARTED, and each client loads the new puzzle by resuming.
   */
  private restartPuzzle(options: PuzzleOptions, address: string | undefined): string | null {
    const old = this.state!;
    const refusal = this.host.admitPuzzle?.(options.pieceCount, address) ?? null;
    if (refusal !== null) return refusal;
    const deletions = this.log.storedKeys();
    this.state = createPuzzle(options);
    for (let index = chunkCount(this.state.spec); index < chunkCount(old.spec); index++) deletions.push(chunkKey(index));
    this.startedAtMs = this.host.now();
    this.actionsApplied = 0;
    this.actionsRejected = 0;
    this.log = ActionLogStore.fresh();
    this.forgetDerived();
    this.dirtyChunks = new Set(Array.from({ length: chunkCount(this.state.spec) }, (_, index) => index));
    this.metaDirty = true;
    this.playersGeneration++;
    for (let start = 0; start < deletions.length; start += KEYS_PER_CALL) this.host.storage.delete(deletions.slice(start, start + KEYS_PER_CALL)).catch(reportFailedWrite);
    this.persist(this.host.now());
    for (const session of [...this.roster.sessions.values()]) {
      session.socket.close(CLOSE_RESTARTED, "the host restarted the room with a new picture");
      this.disconnect(session.socket.id);
    }
    return null;
  }

  /** A new joined session: its first frame carries only what comes after the welcome's snapshot. */
  private pacedSession(session: Connecting, identity: SessionAttachment): PacedSession {
    return {
      state: "joined",
      socket: session.socket,
      ...identity,
      replies: [],
      repliesDueMs: 0,
      // A joiner hears the room's recent talk in its first frame.
      events: this.chat.history(),
      newsSeen: this.news.serial,
      cursorsSeen: this.cursorSerial,
      versionSent: this.state!.version,
      lastFrameMs: Number.NEGATIVE_INFINITY,
      lastCursorMs: Number.NEGATIVE_INFINITY,
      tokens: FRAME_BURST,
      tokensAtMs: 0,
    };
  }

  /** How many play and how many watch. */
  private audience(): Audience {
    return { players: this.roster.connectedPlayers, watchers: this.roster.watchers };
  }

  /** The welcome's snapshot as text, shared by every joiner until the room's version or players change. */
  private encodedSnapshot(): Json<WireSnapshot> {
    const version = this.state!.version;
    const cached = this.snapshotCache;
    if (cached && cached.version === version && cached.players === this.playersGeneration) return cached.encoded;
    const encoded = json(this.wireSnapshot()!);
    this.snapshotEncodings++;
    this.snapshotCache = { version, players: this.playersGeneration, encoded };
    return encoded;
  }

  private act(session: PacedSession, message: ActionMessage): void {
    const { playerId } = session;
    if (session.role === "watcher") return this.reply(session, rejectEvent(message.seq, "watching"));
    if (this.hosting.watchOnly) return this.reply(session, rejectEvent(message.seq, "watch-only"));
    if (!this.state) return sendError(session.socket, "not-joined", "send hello first");
    const now = this.host.now();
    const lease = message.type === "move" ? this.leaseOf(playerId, message.pieceId) : undefined;
    const result = applyAction(this.state, playerId, message, now);
    if (!result.ok) {
      this.actionsRejected++;
      return this.reply(session, rejectEvent(message.seq, result.reason));
    }
    this.actionsApplied++;
    this.log.append({ kind: "action", atMs: now, playerId, action: message });
    this.keepStillHoldsShort(playerId, message, result.changedPieces.length > 0, lease, now);
    this.markChanged(result.changedPieces, result.changedHolds);
    if (result.placed > 0) {
      this.metaDirty = true;
      this.playersGeneration++;
      this.broadcastEvent({ type: "placed", playerId, placed: this.state.placedBy.get(playerId) ?? 0 });
    }
    if (result.completed) this.broadcastEvent({ type: "complete", completedAtMs: this.state.completedAtMs! });
    this.reply(session, ackEvent(message.seq, this.state.version));
    // Everyone else hears of it on the tick, even while this client's own frames wait for its budget.
    this.scheduleFlush();
  }

  /** The lease of the hold `playerId` has on `pieceId`'s group, before an action renews it. */
  private leaseOf(playerId: string, pieceId: number): number | undefined {
    const group = this.state!.pieces[pieceId]?.group;
    const hold = group === undefined ? undefined : this.state!.holds.get(group);
    return hold?.playerId === playerId ? hold.expiresAtMs : undefined;
  }

  /**
   * A grab or a move that moved something starts the still-hold window again;
   * a move that moved nothing past that window does not renew the lease.
   */
  private keepStillHoldsShort(playerId: string, message: ActionMessage, moved: boolean, lease: number | undefined, now: number): void {
    if (message.type === "drop") return void this.lastMovedAtMs.delete(playerId);
    if (message.type === "grab" || moved) return void this.lastMovedAtMs.set(playerId, now);
    const since = this.lastMovedAtMs.get(playerId) ?? now;
    const hold = this.state!.holds.get(this.state!.pieces[message.pieceId]!.group);
    if (hold && lease !== undefined && now - since > (this.options.stillHoldMaxMs ?? STILL_HOLD_MAX_MS)) {
      hold.expiresAtMs = lease;
      // Not the rules' doing, but later grabs and expiries depend on it: the log carries it.
      this.log.append({ kind: "lease", atMs: now, playerId, pieceId: message.pieceId, expiresAtMs: lease });
    }
  }

  /**
   * Writes the chunks, progress and meta that changed, and the log's new
   * entries. Not awaited on purpose: Durable Object storage holds every frame
   * sent after this put until the write is durable, so no ack reaches a client
   * before its action is stored, in the state and in the log alike. What the
   * log folds away is deleted in the same synchronous step, which the runtime
   * commits with the put as one write.
   */
  private persist(nowMs: number): void {
    const state = this.state!;
    const entries: Record<string, unknown> = {};
    const deletions: string[] = [];
    this.log.persistInto(entries, deletions, state, nowMs);
    for (const chunk of this.dirtyChunks) entries[chunkKey(chunk)] = encodeChunk(state, chunk);
    this.dirtyChunks.clear();
    const stored = this.storedProgress;
    if (!stored || state.version !== stored.version || this.actionsApplied !== stored.actionsApplied) {
      const progress: StoredProgress = { version: state.version, completedAtMs: state.completedAtMs, actionsApplied: this.actionsApplied };
      entries[PROGRESS_KEY] = progress;
      this.storedProgress = progress;
    }
    if (this.metaDirty) {
      const meta: StoredMeta = {
        storageVersion: STORAGE_VERSION,
        mode: this.options.mode,
        spec: state.spec,
        startedAtMs: this.startedAtMs,
        players: [...this.roster.players.values()].map((player): StoredPlayer => ({ ...player, placed: state.placedBy.get(player.id) ?? 0 })),
      };
      entries[META_KEY] = meta;
      this.metaDirty = false;
    }
    if (Object.keys(entries).length > 0) this.host.storage.put(entries).catch(reportFailedWrite);
    for (let start = 0; start < deletions.length; start += KEYS_PER_CALL) this.host.storage.delete(deletions.slice(start, start + KEYS_PER_CALL)).catch(reportFailedWrite);
  }

  /** A change: everyone hears of it on the next tick (now, if one is due). */
  private scheduleFlush(): void {
    this.requestFlushAt(this.nextTickMs());
  }

  /** When the next tick is due: a tick after the last, or now if that has passed. */
  private nextTickMs(): number {
    return Math.max(this.host.now(), this.lastTickMs + this.tickMs());
  }

  /** The room's broadcast tick now: it fits the connections it serves (see tickMsFor). */
  private tickMs(): number {
    return tickMsFor(this.roster.sessions.size, this.options.roomFramesPerS);
  }

  /**
   * Owes `session` an ack or reject. The first one it is owed decides when its
   * frame goes: on the tick if that is at most ACK_RIDE_MS away, else in the
   * next flush for acks.
   */
  private reply(session: PacedSession, event: Json<BatchEvent>): void {
    session.replies.push(event);
    if (session.replies.length > 1) return;
    const now = this.host.now();
    const tick = this.nextTickMs();
    session.repliesDueMs = tick - now <= ACK_RIDE_MS ? tick : Math.max(now, this.lastFlushMs + ACK_BATCH_MS);
    this.requestFlushAt(session.repliesDueMs);
  }

  /** Asks the host for a flush at `atMs` (at once if that has passed), unless one is asked for earlier. */
  private requestFlushAt(atMs: number): void {
    const now = this.host.now();
    const due = Math.max(atMs, now);
    if (this.flushRequestedForMs !== null && this.flushRequestedForMs <= due) return;
    this.flushRequestedForMs = due;
    this.host.requestFlush(due - now);
  }

  /** When this client's next frame is due: soon with acks, on a tick with only news, never without anything. */
  private frameDue(session: PacedSession, now: number): number {
    let due: number;
    if (session.replies.length > 0) {
      due = session.repliesDueMs;
    } else if (session.events.length > 0 || session.newsSeen < this.news.serial || session.versionSent !== this.state!.version) {
      due = this.tickAfter(session.lastFrameMs);
    } else if (this.hasCursorNews(session)) {
      due = Math.max(this.tickAfter(session.lastFrameMs), session.lastCursorMs + CURSOR_INTERVAL_MS);
    } else {
      return Number.POSITIVE_INFINITY;
    }
    if (session.role === "watcher" && session.replies.length === 0 && this.tickMs() >= BROADCAST_TICK_MS) due = Math.max(due, this.tickAtOrAfter(session.lastFrameMs + CROWD_WATCHER_FRAME_MS));
    // The frame budget: wait for a token if the bucket is empty.
    const tokens = this.tokensOf(session, now);
    return tokens >= 1 ? due : Math.max(due, now + Math.ceil((1 - tokens) / this.frameTokensPerMs()));
  }

  /** The first tick at or after `ms`: the last tick if that is still to come or due, else the next, or `ms` itself if that is later. */
  private tickAtOrAfter(ms: number): number {
    return ms <= this.lastTickMs ? this.lastTickMs : Math.max(ms, this.lastTickMs + this.tickMs());
  }

  /** The first tick after a client's frame at `frameMs`: one tick frame per tick at most. */
  private tickAfter(frameMs: number): number {
    return frameMs < this.lastTickMs ? this.lastTickMs : this.lastTickMs + this.tickMs();
  }

  /** A client's frame budget: FRAMES_PER_S, or a frame per tick where the tick is shorter. */
  private frameTokensPerMs(): number {
    return Math.max(FRAME_TOKENS_PER_MS, 1 / this.tickMs());
  }

  /** Whether another player's cursor moved since this client's last cursors. */
  private hasCursorNews(session: PacedSession): boolean {
    if (this.cursorSerial <= session.cursorsSeen) return false;
    const own = this.cursors.get(session.playerId);
    return !own || own.serial !== this.cursorSerial || this.cursorSerial - 1 > session.cursorsSeen;
  }

  private tokensOf(session: PacedSession, now: number): number {
    session.tokens = Math.min(FRAME_BURST, session.tokens + (now - session.tokensAtMs) * this.frameTokensPerMs());
    session.tokensAtMs = now;
    return session.tokens;
  }

  /** One frame: this client's replies, then everything it has not seen yet. */
  private sendFrame(session: PacedSession, now: number): void {
    const state = this.state!;
    // The news part is the same array for every client sent news up to the same serial.
    const parts = session.replies.concat(session.events, this.news.since(session.newsSeen, this.newsEncoders));
    session.replies = [];
    session.events = [];
    session.newsSeen = this.news.serial;
    if (this.cursorSerial > session.cursorsSeen && now - session.lastCursorMs >= CURSOR_INTERVAL_MS) {
      const cursors = this.cursorsEventFor(session, now);
      if (cursors) parts.push(cursors);
      session.cursorsSeen = this.cursorSerial;
      session.lastCursorMs = now;
    }
    // A frame due for cursors that turned out to be only this client's own says nothing: not sent.
    if (parts.length === 0 && session.versionSent === state.version) return;
    session.socket.send(batchFrame(state.version, parts));
    session.versionSent = state.version;
    session.lastFrameMs = now;
    session.tokens -= 1;
  }

  /**
   * The cursors that moved since this client's last ones, at most
   * MAX_CURSORS_PER_FRAME, in the ranking's order; encoded once for every
   * client that saw the same cursors last and has none of its own among them.
   */
  private cursorsEventFor(session: PacedSession, now: number): Json<BatchEvent> | null {
    const ranking = this.rankCursors(now);
    const own = this.cursors.has(session.playerId);
    if (!own) {
      const shared = ranking.encoded.get(session.cursorsSeen);
      if (shared !== undefined) return shared;
    }
    const cursors: Array<[string, number, number]> = [];
    for (const id of ranking.ranked) {
      const cursor = this.cursors.get(id)!;
      if (cursor.serial <= session.cursorsSeen || id === session.playerId) continue;
      cursors.push([id, cursor.x, cursor.y]);
      if (cursors.length === MAX_CURSORS_PER_FRAME) break;
    }
    const encoded = cursors.length > 0 ? json<BatchEvent>({ type: "cursors", cursors }) : null;
    if (!own) ranking.encoded.set(session.cursorsSeen, encoded);
    return encoded;
  }

  /** Players holding a piece first, then the most recently moved: made once per flush. */
  private rankCursors(now: number): { ranked: string[]; encoded: Map<number, Json<BatchEvent> | null> } {
    if (this.cursorRanking?.atMs === now) return this.cursorRanking;
    const holding = new Set<string>();
    for (const hold of this.state!.holds.values()) holding.add(hold.playerId);
    const ranked = [...this.cursors.keys()].sort((a, b) => Number(holding.has(b)) - Number(holding.has(a)) || this.cursors.get(b)!.serial - this.cursors.get(a)!.serial);
    this.cursorRanking = { atMs: now, ranked, encoded: new Map() };
    return this.cursorRanking;
  }

  private *joinedSessions(): Iterable<PacedSession> {
    for (const session of this.roster.sessions.values()) if (session.state === "joined") yield session;
  }

  /** Pieces and holds that changed: stored at the next flush, and news for every joined client. */
  private markChanged(pieces: readonly number[], holds: readonly number[]): void {
    for (const id of pieces) {
      this.pieceJson.delete(id);
      this.dirtyChunks.add(chunkOf(id));
    }
    for (const group of holds) this.holdJson.delete(group);
    this.news.changed(pieces, holds);
  }

  private broadcastEvent(event: BatchEvent): void {
    this.news.event(json(event));
  }

  private publicPlayer(player: RosterPlayer): Player {
    const placed = this.state?.placedBy.get(player.id) ?? 0;
    return { id: player.id, name: player.name, color: player.color, connected: this.roster.connectionOf(player.id) !== undefined, placed };
  }
}

/** A module-level handler, so a pending write's reaction holds nothing of the flush that made it. */
function reportFailedWrite(error: unknown): void {
  reportFailure("a storage write", error);
}

/** Encodes `value` once and keeps it under `key` until that piece or hold changes again. */
function cached<T>(cache: Map<number, Json<T>>, key: number, value: T): Json<T> {
  const encoded = json(value);
  cache.set(key, encoded);
  return encoded;
}
