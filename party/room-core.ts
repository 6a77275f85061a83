/**
 * The authoritative puzzle room, free of any transport: it sees sockets through
 * a three-member interface, storage through RoomStorage, time through a clock,
 * and asks its host to call `flush()` later instead of owning timers. PartyKit
 * adapts it in server.ts; tests drive it in-process.
 */
import { createPuzzle, lockedCount, type PuzzleState } from "../shared/puzzle-state.ts";
import { pieceCountOf } from "../shared/puzzle-spec.ts";
import { drop, expireLeases, grab, move, releasePlayer, type RuleResult } from "../shared/rules.ts";
import { PROTOCOL_VERSION, type ActionMessage, type BatchEvent, type Hello, type Mode, type Player, type Snapshot } from "../shared/protocol.ts";
import { wireHold, wirePiece, wirePieceChange } from "../shared/replica.ts";
import { PlayerRoster, dispatchFrame, type FrameHandlers, type RosterPlayer, sendError, sendMessage, type RoomSocket } from "./player-roster.ts";
import {
  META_KEY,
  chunkCount,
  chunkKey,
  chunkOf,
  encodeChunk,
  loadRoom,
  type RoomStorage,
  type StoredMeta,
  type StoredPlayer,
} from "./room-storage.ts";

/** At most one frame per client per interval: under 60 frames per second. */
export const FRAME_INTERVAL_MS = 18;
/** Cursors alone trigger a frame at most this often. */
export const CURSOR_INTERVAL_MS = 50;
export const DEFAULT_MAX_PLAYERS = 64;

export type { RoomSocket } from "./player-roster.ts";

export interface RoomHost {
  storage: RoomStorage;
  now(): number;
  /** Ask for `flush()` to be called after `delayMs`; repeated asks may coalesce. */
  requestFlush(delayMs: number): void;
  /** A fresh unguessable id. */
  randomId(): string;
}

export interface RoomOptions {
  mode: Mode;
  maxPlayers: number;
}

interface Session {
  socket: RoomSocket;
  playerId: string | null;
  /** Acks and rejects owed to this client, sent with its next frame. */
  replies: BatchEvent[];
}

export interface RoomSummary {
  mode: Mode;
  created: boolean;
  pieces: number;
  placed: number;
  players: number;
  connected: number;
  actionsApplied: number;
  actionsRejected: number;
  version: number;
  completedAtMs: number | null;
}

export class RoomCore {
  private state: PuzzleState | null = null;
  private readonly roster: PlayerRoster<Session>;
  private readonly frameHandlers: FrameHandlers<Session>;
  private startedAtMs = 0;
  private actionsApplied = 0;
  private actionsRejected = 0;

  // Changes since the last flush, shared by every client's next frame.
  private dirtyPieces = new Set<number>();
  private dirtyHolds = new Set<number>();
  /** Storage chunks to write at the next flush. */
  private dirtyChunks = new Set<number>();
  private metaDirty = false;
  /** The version meta last stored: releases bump the version without an action. */
  private storedVersion = 0;
  /** The version the last frames carried to every client. */
  private sentVersion = 0;
  private sharedEvents: BatchEvent[] = [];
  private cursors = new Map<string, [number, number]>();
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  private lastCursorFlushMs = Number.NEGATIVE_INFINITY;
  private flushRequestedForMs: number | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly options: RoomOptions,
  ) {
    this.roster = new PlayerRoster(options.maxPlayers, () => host.randomId());
    this.frameHandlers = {
      hello: (joining, hello) => this.join(joining, hello),
      act: (acting, action) => this.act(acting, action),
      cursor: (playerId, x, y) => {
        this.cursors.set(playerId, [x, y]);
        this.scheduleFlush(false);
      },
      now: () => this.host.now(),
    };
  }

  /** Rebuilds the room from storage; call once before anything else. */
  async load(): Promise<void> {
    const stored = await loadRoom(this.host.storage);
    if (!stored) return;
    this.state = stored.state;
    this.startedAtMs = stored.meta.startedAtMs;
    this.actionsApplied = stored.meta.actionsApplied;
    this.storedVersion = stored.meta.version;
    for (const { placed: _placed, ...player } of stored.meta.players) this.roster.players.set(player.id, player);
  }

  connect(socket: RoomSocket): void {
    this.roster.add({ socket, playerId: null, replies: [] });
  }

  disconnect(socketId: string): void {
    const playerId = this.roster.remove(socketId);
    if (!playerId || !this.state) return;
    this.cursors.delete(playerId);
    for (const group of releasePlayer(this.state, playerId)) this.dirtyHolds.add(group);
    this.sharedEvents.push({ type: "player-left", playerId });
    this.scheduleFlush();
  }

  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    dispatchFrame(session, frame, this.frameHandlers);
  }

  /** Persists and sends everything pending; the host calls it when asked. */
  flush(): void {
    this.flushRequestedForMs = null;
    if (!this.state) return;
    const now = this.host.now();
    for (const group of expireLeases(this.state, now)) this.dirtyHolds.add(group);
    this.persist();

    const events: BatchEvent[] = [...this.sharedEvents];
    this.sharedEvents = [];
    if (this.dirtyPieces.size > 0) {
      const state = this.state;
      events.push({ type: "pieces", pieces: [...this.dirtyPieces].map((id) => wirePieceChange(state, id)) });
      this.dirtyPieces.clear();
    }
    if (this.dirtyHolds.size > 0) {
      const state = this.state;
      events.push({ type: "holds", holds: [...this.dirtyHolds].map((group) => wireHold(state, group)) });
      this.dirtyHolds.clear();
    }
    if (this.cursors.size > 0 && now - this.lastCursorFlushMs >= CURSOR_INTERVAL_MS) {
      events.push({ type: "cursors", cursors: [...this.cursors].map(([id, [x, y]]) => [id, x, y] as [string, number, number]) });
      this.cursors.clear();
      this.lastCursorFlushMs = now;
    }

    // The shared part is serialized once, however many clients receive it.
    const shared = events.map((event) => JSON.stringify(event)).join(",");
    const head = `{"type":"batch","version":${this.state.version},"events":[`;
    // An action may change nothing others can see (a move against the table's
    // edge) yet bump the version: everyone still needs the new version.
    const versionMoved = this.state.version !== this.sentVersion;
    this.sentVersion = this.state.version;
    for (const session of this.roster.sessions.values()) {
      if (!session.playerId) continue;
      if (session.replies.length === 0 && shared === "" && !versionMoved) continue;
      const own = session.replies.map((event) => JSON.stringify(event)).join(",");
      session.replies = [];
      session.socket.send(`${head}${own}${own && shared ? "," : ""}${shared}]}`);
    }
    this.lastFlushMs = now;
    if (this.cursors.size > 0 || this.state.holds.size > 0) this.scheduleFlush(false);
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

  private join(session: Session, hello: Hello): void {
    if (session.playerId) return sendError(session.socket, "already-joined", "this connection has already joined");
    const admission = this.roster.admit(session, hello);
    if (!admission) return;
    if (!this.state) {
      if (!hello.create) return sendError(session.socket, "no-puzzle", "this room has no puzzle yet: send create options with hello");
      this.state = createPuzzle(hello.create);
      this.startedAtMs = this.host.now();
      for (let index = 0; index < chunkCount(this.state.spec); index++) this.dirtyChunks.add(index);
      this.metaDirty = true;
    }
    const player = this.roster.bind(session, hello.name, admission.resumed);
    this.metaDirty = true;
    this.sharedEvents.push({ type: "player-joined", player: this.publicPlayer(player) });
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

  private act(session: Session, message: ActionMessage): void {
    const playerId = session.playerId;
    if (!playerId || !this.state) return sendError(session.socket, "not-joined", "send hello first");
    const now = this.host.now();
    let result: RuleResult;
    switch (message.type) {
      case "grab":
        result = grab(this.state, playerId, message.pieceId, now);
        break;
      case "move":
        result = move(this.state, playerId, message.pieceId, message.x, message.y, now);
        break;
      case "drop":
        result = drop(this.state, playerId, message.pieceId, message.x, message.y, now);
        break;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
    if (!result.ok) {
      this.actionsRejected++;
      session.replies.push({ type: "reject", seq: message.seq, reason: result.reason });
      return this.scheduleFlush();
    }
    this.actionsApplied++;
    this.metaDirty = true;
    for (const id of result.changedPieces) {
      this.dirtyPieces.add(id);
      this.dirtyChunks.add(chunkOf(id));
    }
    for (const group of result.changedHolds) this.dirtyHolds.add(group);
    if (result.placed > 0) {
      this.sharedEvents.push({ type: "placed", playerId, placed: this.state.placedBy.get(playerId) ?? 0 });
    }
    if (result.completed) this.sharedEvents.push({ type: "complete", completedAtMs: this.state.completedAtMs! });
    session.replies.push({ type: "ack", seq: message.seq, version: this.state.version });
    this.scheduleFlush();
  }

  /**
   * Writes the chunks and meta that changed. Not awaited on purpose: Durable
   * Object storage holds every frame sent after this put until the write is
   * durable, so no ack reaches a client before its action is stored.
   */
  private persist(): void {
    const state = this.state!;
    const entries: Record<string, unknown> = {};
    for (const chunk of this.dirtyChunks) entries[chunkKey(chunk)] = encodeChunk(state, chunk);
    this.dirtyChunks.clear();
    if (this.metaDirty || state.version !== this.storedVersion) {
      const meta: StoredMeta = {
        mode: this.options.mode,
        spec: state.spec,
        version: state.version,
        completedAtMs: state.completedAtMs,
        startedAtMs: this.startedAtMs,
        actionsApplied: this.actionsApplied,
        players: [...this.roster.players.values()].map((player): StoredPlayer => ({ ...player, placed: state.placedBy.get(player.id) ?? 0 })),
      };
      entries[META_KEY] = meta;
      this.metaDirty = false;
      this.storedVersion = state.version;
    }
    if (Object.keys(entries).length > 0) void this.host.storage.put(entries);
  }

  /**
   * Asks the host for the next flush. `urgent` (the default) is for actions, joins
   * and leaves: the next frame slot. Cursors alone wait for the cursor interval,
   * and held pieces for the first lease to run out. Every caller that adds an ack,
   * a change or an event passes urgent, so this never scans the sessions.
   */
  private scheduleFlush(urgent = true): void {
    const now = this.host.now();
    let due = this.lastFlushMs + FRAME_INTERVAL_MS;
    if (!urgent) {
      if (this.cursors.size > 0) due = Math.max(due, this.lastCursorFlushMs + CURSOR_INTERVAL_MS);
      else if (this.state && this.state.holds.size > 0) due = Math.min(...[...this.state.holds.values()].map((hold) => hold.expiresAtMs + 1));
      else return;
    }
    due = Math.max(due, now);
    if (this.flushRequestedForMs !== null && this.flushRequestedForMs <= due) return;
    this.flushRequestedForMs = due;
    this.host.requestFlush(due - now);
  }

  private publicPlayer(player: RosterPlayer): Player {
    const placed = this.state?.placedBy.get(player.id) ?? 0;
    return { id: player.id, name: player.name, color: player.color, connected: this.roster.connectionOf(player.id) !== undefined, placed };
  }
}
