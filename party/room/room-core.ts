/**
 * The authoritative puzzle room, free of any transport: it sees sockets through
 * a three-member interface, storage through RoomStorage, time through a clock,
 * and asks its host to call `flush()` later instead of owning timers. PartyKit
 * adapts it in server.ts; tests drive it in-process.
 */
import { createPuzzle, lockedCount, type PuzzleState } from "../../shared/puzzle-state.ts";
import { pieceCountOf } from "../../shared/puzzle-spec.ts";
import { applyAction, expireLeases, releasePlayer } from "../../shared/rules.ts";
import { CLOSE_REFUSED, PROTOCOL_VERSION, type ActionMessage, type BatchEvent, type Hello, type Mode, type Player, type Snapshot, type WireHold, type WirePieceChange } from "../../shared/protocol.ts";
import { ackEvent, batchFrame, holdsEvent, json, piecesEvent, rejectEvent, type Json } from "../../shared/frames.ts";
import type { RoomSummary } from "../../shared/http.ts";
import { wireHold, wirePiece, wirePieceChange } from "../../shared/replica.ts";
import { PlayerRoster, type Connecting, type Joined, type RosterPlayer } from "../common/player-roster.ts";
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
  type RoomStorage,
  type StoredMeta,
  type StoredPlayer,
  type StoredProgress,
} from "./room-storage.ts";
import { STORAGE_VERSION } from "./storage-migrations.ts";

/**
 * Frames are paced per client. Everyone gets what changed on the room's
 * broadcast tick, every BROADCAST_TICK_MS, all in one flush. A client that
 * acted gets its acks, with everything else it has not seen yet, in the room's
 * next flush, unless the tick is at most ACK_RIDE_MS away: then the acks ride
 * it. Flushes for acks are at least ACK_BATCH_MS apart, so the acks of actions
 * that arrive together share one storage write. Each client's frames draw on a
 * token bucket of FRAME_BURST tokens refilled at FRAMES_PER_S - FRAME_BURST a
 * second, so no one-second window holds more than FRAMES_PER_S frames, and a
 * client that asks for more waits about 18 ms per frame, never long. A client
 * acting at 30 Hz gets about 33 tick frames and 22 ack frames a second.
 */
export const BROADCAST_TICK_MS = 30;
export const ACK_RIDE_MS = 8;
export const ACK_BATCH_MS = 4;
export const FRAMES_PER_S = 60;
export const FRAME_BURST = 3;
const FRAME_TOKENS_PER_MS = (FRAMES_PER_S - FRAME_BURST) / 1000;

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

/** The first broadcast tick at or after `ms`: ticks are multiples of BROADCAST_TICK_MS on the room's clock. */
function tickAtOrAfter(ms: number): number {
  return Math.ceil(ms / BROADCAST_TICK_MS) * BROADCAST_TICK_MS;
}

export interface RoomHost {
  storage: RoomStorage;
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
}

export interface RoomOptions {
  mode: Mode;
  maxPlayers: number;
  /** How long still renewals keep a hold (default STILL_HOLD_MAX_MS). */
  stillHoldMaxMs?: number;
}

/** A joined client, with its pacing: only a joined session is sent frames. */
interface PacedSession extends Joined {
  /** Acks and rejects owed to this client (serialized), and when its frame with them is due. */
  replies: Json<BatchEvent>[];
  repliesDueMs: number;
  /** What changed since this client's last frame: room events (serialized), pieces, holds, cursors. */
  events: Json<BatchEvent>[];
  readonly pieces: Set<number>;
  readonly holds: Set<number>;
  readonly cursors: Set<string>;
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
  /** Storage chunks to write at the next flush. */
  private dirtyChunks = new Set<number>();
  /** The players or placed counts changed: meta is written at the next flush. */
  private metaDirty = false;
  /** What progress last stored (null: nothing yet); every action moves it, and releases bump the version without one. */
  private storedProgress: StoredProgress | null = null;
  /** Set by load when storage holds what this room cannot read. */
  private unreadableStorage: string | null = null;
  /** Latest cursor of each connected player. */
  private readonly cursors = new Map<string, [number, number]>();
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  private flushRequestedForMs: number | null = null;
  /** When each holding player's group last really moved (see STILL_HOLD_MAX_MS). */
  private readonly lastMovedAtMs = new Map<string, number>();
  /** True while the puzzle is in storage only (unload); ensureLoaded() brings it back. */
  private inStorageOnly = false;
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly options: RoomOptions,
  ) {
    this.roster = new PlayerRoster(options.maxPlayers, () => host.randomId());
    this.frameHandlers = {
      hello: (connecting, hello) => this.join(connecting, hello),
      act: (acting, action) => this.act(acting, action),
      cursor: ({ playerId }, x, y) => {
        this.cursors.set(playerId, [x, y]);
        for (const session of this.joinedSessions()) if (session.playerId !== playerId) session.cursors.add(playerId);
        this.requestFlushAt(this.host.now() + CURSOR_INTERVAL_MS);
      },
      now: () => this.host.now(),
    };
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
    this.state = stored.state;
    this.startedAtMs = stored.meta.startedAtMs;
    this.actionsApplied = stored.progress.actionsApplied;
    this.storedProgress = stored.progress;
    for (const { placed: _placed, ...player } of stored.meta.players) this.roster.players.set(player.id, player);
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
    this.storedProgress = null;
    this.pieceJson.clear();
    this.holdJson.clear();
    this.cursors.clear();
    this.lastMovedAtMs.clear();
    this.roster.players.clear();
    this.inStorageOnly = true;
    return pieces;
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

  disconnect(socketId: string): void {
    const playerId = this.roster.remove(socketId);
    if (!playerId || !this.state) return;
    this.cursors.delete(playerId);
    this.lastMovedAtMs.delete(playerId);
    this.markChanged([], releasePlayer(this.state, playerId));
    this.broadcastEvent({ type: "player-left", playerId });
    this.scheduleFlush();
  }

  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    dispatchFrame(session, frame, this.frameHandlers);
  }

  hasJoined(socketId: string): boolean {
    const session = this.roster.sessions.get(socketId);
    return session !== undefined && session.state !== "connecting";
  }

  /** An action the boundary dropped for its socket's rate limit: rejected like any other, in the client's next frame. */
  refuseAction(socketId: string, seq: number): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
    this.reply(session, rejectEvent(seq, "rate-limited"));
  }

  /**
   * Persists what changed, then sends every client whose frame is due, and asks
   * for the next flush; the host calls it when asked.
   */
  flush(): void {
    this.flushRequestedForMs = null;
    if (!this.state) return;
    const now = this.host.now();
    this.markChanged([], expireLeases(this.state, now));
    this.persist();
    let next = Number.POSITIVE_INFINITY;
    for (const session of this.joinedSessions()) {
      let due = this.frameDue(session, now);
      if (due <= now) {
        this.sendFrame(session, now);
        due = this.frameDue(session, now);
      }
      next = Math.min(next, due);
    }
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
      connected: this.roster.connectedPlayerIds().size,
      actionsApplied: this.actionsApplied,
      actionsRejected: this.actionsRejected,
      version: this.state?.version ?? 0,
      completedAtMs: this.state?.completedAtMs ?? null,
      rotation: this.state?.spec.rotation ?? false,
    };
  }

  /** The full authoritative state, as a late joiner would receive it. */
  snapshot(): Snapshot | null {
    const state = this.state;
    if (!state) return null;
    return {
      spec: state.spec,
      pieces: state.pieces.map(wirePiece),
      holds: [...state.holds.keys()].map((group) => wireHold(state, group)),
      players: [...this.roster.players.values()].map((player) => this.publicPlayer(player)),
      version: state.version,
      completedAtMs: state.completedAtMs,
      startedAtMs: this.startedAtMs,
    };
  }

  private join(session: Connecting, hello: Hello): void {
    if (this.unreadableStorage !== null) {
      sendError(session.socket, "server-error", "this room's saved puzzle cannot be read, so the room cannot be played; please start a new room");
      return session.socket.close(CLOSE_INTERNAL_ERROR, "room storage unreadable");
    }
    // The host reloads before it lets a socket in; a hello here would take the stored puzzle for none.
    if (this.inStorageOnly) throw new Error("a hello reached a room whose puzzle is unloaded");
    const admission = this.roster.admit(session, hello);
    if (!admission) return;
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
    }
    const state = this.state;
    const { player } = this.roster.bind(session, hello.name, admission.resumed, ({ id }) => ({
      state: "joined",
      socket: session.socket,
      playerId: id,
      replies: [],
      repliesDueMs: 0,
      events: [],
      pieces: new Set(),
      holds: new Set(),
      cursors: new Set(),
      // The welcome's snapshot is this version: the first frame carries only what comes after.
      versionSent: state.version,
      lastFrameMs: Number.NEGATIVE_INFINITY,
      lastCursorMs: Number.NEGATIVE_INFINITY,
      tokens: FRAME_BURST,
      tokensAtMs: 0,
    }));
    this.metaDirty = true;
    this.broadcastEvent({ type: "player-joined", player: this.publicPlayer(player) });
    sendMessage(session.socket, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      mode: this.options.mode,
      playerId: player.id,
      token: player.token,
      snapshot: this.snapshot()!,
    });
    this.scheduleFlush();
  }

  private act(session: PacedSession, message: ActionMessage): void {
    const { playerId } = session;
    if (!this.state) return sendError(session.socket, "not-joined", "send hello first");
    const now = this.host.now();
    const lease = message.type === "move" ? this.leaseOf(playerId, message.pieceId) : undefined;
    const result = applyAction(this.state, playerId, message, now);
    if (!result.ok) {
      this.actionsRejected++;
      return this.reply(session, rejectEvent(message.seq, result.reason));
    }
    this.actionsApplied++;
    this.keepStillHoldsShort(playerId, message, result.changedPieces.length > 0, lease, now);
    this.markChanged(result.changedPieces, result.changedHolds);
    if (result.placed > 0) {
      this.metaDirty = true;
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
    if (hold && lease !== undefined && now - since > (this.options.stillHoldMaxMs ?? STILL_HOLD_MAX_MS)) hold.expiresAtMs = lease;
  }

  /**
   * Writes the chunks, progress and meta that changed. Not awaited on purpose:
   * Durable Object storage holds every frame sent after this put until the
   * write is durable, so no ack reaches a client before its action is stored.
   */
  private persist(): void {
    const state = this.state!;
    const entries: Record<string, unknown> = {};
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
  }

  /** An action, a join or a leave: flush as soon as the ack batch allows. */
  /** A change: everyone hears of it on the next tick. */
  private scheduleFlush(): void {
    this.requestFlushAt(tickAtOrAfter(this.host.now()));
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
    const tick = tickAtOrAfter(now);
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
    } else if (session.events.length > 0 || session.pieces.size > 0 || session.holds.size > 0 || session.versionSent !== this.state!.version) {
      // The first tick after this client's last frame: one tick frame per tick at most.
      due = tickAtOrAfter(session.lastFrameMs + 1);
    } else if (session.cursors.size > 0) {
      due = tickAtOrAfter(session.lastCursorMs + CURSOR_INTERVAL_MS);
    } else {
      return Number.POSITIVE_INFINITY;
    }
    // The frame budget: wait for a token if the bucket is empty.
    const tokens = this.tokensOf(session, now);
    return tokens >= 1 ? due : Math.max(due, now + Math.ceil((1 - tokens) / FRAME_TOKENS_PER_MS));
  }

  private tokensOf(session: PacedSession, now: number): number {
    session.tokens = Math.min(FRAME_BURST, session.tokens + (now - session.tokensAtMs) * FRAME_TOKENS_PER_MS);
    session.tokensAtMs = now;
    return session.tokens;
  }

  /** One frame: this client's replies, then everything it has not seen yet. */
  private sendFrame(session: PacedSession, now: number): void {
    const state = this.state!;
    const parts = session.replies.concat(session.events);
    session.replies = [];
    session.events = [];
    if (session.pieces.size > 0) {
      const pieces: Json<WirePieceChange>[] = [];
      for (const id of session.pieces) pieces.push(this.pieceJson.get(id) ?? cached(this.pieceJson, id, wirePieceChange(state, id)));
      parts.push(piecesEvent(pieces));
      session.pieces.clear();
    }
    if (session.holds.size > 0) {
      const holds: Json<WireHold>[] = [];
      for (const group of session.holds) holds.push(this.holdJson.get(group) ?? cached(this.holdJson, group, wireHold(state, group)));
      parts.push(holdsEvent(holds));
      session.holds.clear();
    }
    if (session.cursors.size > 0 && now - session.lastCursorMs >= CURSOR_INTERVAL_MS) {
      const cursors: Array<[string, number, number]> = [];
      for (const id of session.cursors) {
        const at = this.cursors.get(id);
        if (at) cursors.push([id, at[0], at[1]]);
      }
      if (cursors.length > 0) parts.push(json<BatchEvent>({ type: "cursors", cursors }));
      session.cursors.clear();
      session.lastCursorMs = now;
    }
    session.socket.send(batchFrame(state.version, parts));
    session.versionSent = state.version;
    session.lastFrameMs = now;
    session.tokens -= 1;
  }

  private *joinedSessions(): Iterable<PacedSession> {
    for (const session of this.roster.sessions.values()) if (session.state === "joined") yield session;
  }

  /** Pieces and holds that changed: stored at the next flush, and news for every joined client. */
  private markChanged(pieces: readonly number[], holds: readonly number[]): void {
    if (pieces.length === 0 && holds.length === 0) return;
    for (const id of pieces) {
      this.pieceJson.delete(id);
      this.dirtyChunks.add(chunkOf(id));
    }
    for (const group of holds) this.holdJson.delete(group);
    for (const session of this.joinedSessions()) {
      for (const id of pieces) session.pieces.add(id);
      for (const group of holds) session.holds.add(group);
    }
  }

  private broadcastEvent(event: BatchEvent): void {
    const encoded = json(event);
    for (const session of this.joinedSessions()) session.events.push(encoded);
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
