/**
 * The stateful room's host seat and private-room gate (issue 14): who the host
 * is, the join password's hash, the lock, the watch-only switch and the banned
 * tokens, kept under one storage key of their own (HOST_KEY: a brand-new key
 * with its own default, so no migration), and every host command checked
 * against the permission table (shared/host-controls.ts) here, in the room.
 * RoomCore calls it at a few points (a hello, a join, a leave, an action, a
 * seat, a flush) and hands it what it needs through HostedRoom.
 *
 * Decisions:
 * - A player resuming with a valid token needs no password: it was let in once,
 *   and a ban is how the host takes that back. A new player and every watcher
 *   need it (a private room is private to watchers too).
 * - A wrong or missing password is refused after PASSWORD_REFUSAL_DELAY_MS,
 *   awaited by that hello only: the room serves everyone else meanwhile.
 *   Wrong tries draw on a token bucket per client address.
 * - Watch-only refuses every action, the host's too: the room is a show.
 * - Locked: a hello that would make a new player is admitted as a watcher
 *   ("locked"), a watcher cannot take a seat; players resuming by token come back.
 */
import * as v from "valibot";
import { mayControl, type HostCommand, type HostErrorCode, type RoomControlsEvent, type RoomRole, CLOSE_BANNED, CLOSE_KICKED, CLOSE_PASSWORD } from "../../shared/host-controls.ts";
import { CLOSE_REFUSED, type BatchEvent, type ErrorCode, type Hello, type WATCHING_BECAUSE } from "../../shared/protocol.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { json, type Json } from "../../shared/frames.ts";
import type { Connecting, Joined, RosterPlayer } from "../common/player-roster.ts";
import { sendError, type RoomSocket } from "../common/socket.ts";
import { TokenBucket } from "../common/token-bucket.ts";
import { reportFailure } from "../common/frame-dispatch.ts";
import { checkStored, Unreadable, type RoomStorage } from "./room-storage.ts";
import { StoredPasswordSchema, hashPassword, verifyPassword, type StoredPassword } from "./room-password.ts";

/** The host seat, the password's hash, the switches and the bans. */
export const HOST_KEY = "host";
/** A host away this long hands the seat to the longest-present player: long enough for a reload or a tunnel. */
export const HOST_AWAY_MS = 60_000;
/** A refused password is answered this late: guessing costs time, a typo costs a second. */
export const PASSWORD_REFUSAL_DELAY_MS = 1_000;
/** Password tries one client address may make at once, and how many more a minute after that. */
export const PASSWORD_TRIES_BURST = 5;
export const PASSWORD_TRIES_PER_MIN = 6;
/** Banned tokens kept per room; the oldest ban is forgotten past it. */
export const MAX_BANNED_TOKENS = 256;
/** Addresses whose try buckets are kept before the full ones are dropped. */
const SWEEP_AT_ADDRESSES = 1_000;

export const StoredHostSchema = v.object({
  hostId: v.nullable(v.string()),
  password: v.nullable(StoredPasswordSchema),
  locked: v.boolean(),
  watchOnly: v.boolean(),
  banned: v.array(v.string()),
});
export type StoredHost = v.InferOutput<typeof StoredHostSchema>;

function freshHost(): StoredHost {
  return { hostId: null, password: null, locked: false, watchOnly: false, banned: [] };
}

/** What the room lends its host seat. */
export interface HostedRoom {
  storage: RoomStorage;
  now(): number;
  /** Resolves after `delayMs` without holding up the room (absent: at once, for in-process tests). */
  wait?(delayMs: number): Promise<void>;
  readonly players: ReadonlyMap<string, RosterPlayer>;
  /** The remembered player a resume token belongs to, if any. */
  playerWithToken(token: string | undefined): RosterPlayer | undefined;
  /** The joined player connection of `playerId`, if it is connected. */
  connectionOf(playerId: string): Joined | undefined;
  /** The watcher joined under `watcherId` (its session carries the name and token it watches with). */
  watcher(watcherId: string): (Joined & { readonly name: string; readonly token: string }) | undefined;
  /** Joined player ids, in the order their sockets connected. */
  connectedPlayerIds(): Set<string>;
  broadcast(event: BatchEvent): void;
  /** Tells one joined session an event in its next frame. */
  tell(session: Joined, event: Json<BatchEvent>): void;
  /** Asks for a flush at `atMs` (the host-away check runs in flushes). */
  wakeAt(atMs: number): void;
  /** Forgets a socket the room closed (the runtime may report the close later; that finds nothing). */
  drop(socketId: string): void;
  /** A fresh puzzle from `options`: null when done, or the sentence saying why not. */
  restart(options: PuzzleOptions, address: string | undefined): string | null;
}

/** What a hello's check decided: go on, refused (the socket is told and closed), or wait for the hash. */
export type HelloGate = "pass" | "refused" | Promise<boolean>;

export class RoomHostControls {
  private stored = freshHost();
  /** A creator's password hash, from its hello's check to the puzzle it creates. */
  private readonly pendingPasswords = new Map<string, StoredPassword>();
  /** Sockets a lock turned into watchers: their welcome says why. */
  private readonly lockedOut = new Set<string>();
  /** When each connected player joined: the longest present takes the seat. */
  private readonly presentSince = new Map<string, number>();
  /** When the host seat may pass (the host left, or nobody holds it); null while the host is here. */
  private passDueMs: number | null = null;
  /** Due, but no other player was present: nothing to check until one joins. */
  private noCandidate = false;
  private readonly tries = new Map<string, TokenBucket>();

  constructor(private readonly room: HostedRoom) {}

  /** Reads the stored seat; a room stored before hosts existed has none, and the first player present takes it. */
  async load(): Promise<string | null> {
    this.presentSince.clear();
    try {
      const value = (await this.room.storage.get<unknown>([HOST_KEY])).get(HOST_KEY);
      this.stored = value === undefined ? freshHost() : checkStored(StoredHostSchema, value, HOST_KEY);
    } catch (error) {
      if (error instanceof Unreadable) return error.message;
      throw error;
    }
    // Nobody is connected yet: the host has the HOST_AWAY_MS of anyone else to come back.
    this.passDueMs = this.stored.hostId === null ? Number.NEGATIVE_INFINITY : this.room.now() + HOST_AWAY_MS;
    return null;
  }

  get watchOnly(): boolean {
    return this.stored.watchOnly;
  }

  /**
   * A hello, before the roster admits it: a banned token is refused; creating a
   * private room hashes its password; joining one checks it. `hasPuzzle`:
   * whether the room has one now.
   */
  checkHello(session: Connecting, hello: Hello, hasPuzzle: boolean): HelloGate {
    if (hello.token !== undefined && this.stored.banned.includes(hello.token)) return this.refuse(session.socket, "banned", "the host banned you from this room", CLOSE_BANNED);
    if (!hasPuzzle) {
      if (hello.password === undefined || hello.create === undefined) return "pass";
      return hashPassword(hello.password).then((hash) => {
        this.pendingPasswords.set(session.socket.id, hash);
        return true;
      });
    }
    const resumes = hello.role !== "watcher" && this.room.playerWithToken(hello.token) !== undefined;
    if (resumes) return "pass";
    const password = this.stored.password;
    if (password === null) {
      if (hello.password === undefined) return "pass";
      return this.refuse(session.socket, "no-password", "this room has no password: open its link without one", CLOSE_REFUSED);
    }
    if (hello.password === undefined) return this.refuseLater(session.socket, "password-required", "this room is private: enter its password to join");
    if (!this.tryAllowed(session.socket.address)) return this.refuse(session.socket, "rate-limited", "too many password tries from your address: wait a minute and try again", CLOSE_PASSWORD);
    return verifyPassword(hello.password, password).then((right) => (right ? true : this.refuseLater(session.socket, "wrong-password", "that is not this room's password")));
  }

  /** A locked room admits a hello that would make a new player as a watcher. */
  lockedHello(session: Connecting, hello: Hello): Hello {
    if (!this.stored.locked || hello.role === "watcher") return hello;
    if (this.room.playerWithToken(hello.token) !== undefined) return hello;
    this.lockedOut.add(session.socket.id);
    return { ...hello, role: "watcher" };
  }

  /** Why a watcher watches: "locked" when the lock made it one. */
  watchingBecause(socketId: string, because: (typeof WATCHING_BECAUSE)[number]): (typeof WATCHING_BECAUSE)[number] {
    return this.lockedOut.delete(socketId) ? "locked" : because;
  }

  /** A watcher asks for a seat: true when the lock refused it (and it was told). */
  refusesSeat(socket: RoomSocket): boolean {
    if (!this.stored.locked) return false;
    sendError(socket, "room-locked", "the host locked the room: you may watch, not play");
    return true;
  }

  /**
   * A joined session (`playerId` null: a watcher) is told the controls; the
   * creator of the puzzle becomes its host, with the password its hello carried.
   */
  joined(session: Joined, playerId: string | null, created: boolean): void {
    const pending = this.pendingPasswords.get(session.socket.id);
    this.pendingPasswords.delete(session.socket.id);
    if (created && playerId !== null) {
      this.stored = { ...freshHost(), hostId: playerId, password: pending ?? null };
      this.passDueMs = null;
      this.save();
    }
    if (playerId !== null) {
      if (!this.presentSince.has(playerId)) this.presentSince.set(playerId, this.room.now());
      this.noCandidate = false;
      if (playerId === this.stored.hostId) this.passDueMs = null;
      else if (this.passDueMs !== null) this.room.wakeAt(this.passDueMs);
    }
    this.room.tell(session, json<BatchEvent>(this.controls()));
  }

  /** A player's last connection closed. */
  left(playerId: string): void {
    this.presentSince.delete(playerId);
    if (playerId !== this.stored.hostId) return;
    this.passDueMs = this.room.now() + HOST_AWAY_MS;
    this.room.wakeAt(this.passDueMs);
  }

  /** A socket closed before or without joining. */
  forget(socketId: string): void {
    this.pendingPasswords.delete(socketId);
    this.lockedOut.delete(socketId);
  }

  /** In every flush: a host away for HOST_AWAY_MS hands the seat to the longest-present player. */
  tick(nowMs: number): void {
    if (this.passDueMs === null || this.noCandidate) return;
    // A flush forgets the wakes asked for before it: each one asks again.
    if (nowMs < this.passDueMs) return this.room.wakeAt(this.passDueMs);
    const connected = this.room.connectedPlayerIds();
    let next: string | null = null;
    for (const id of connected) {
      if (id === this.stored.hostId) continue;
      if (next === null || (this.presentSince.get(id) ?? Number.POSITIVE_INFINITY) < (this.presentSince.get(next) ?? Number.POSITIVE_INFINITY)) next = id;
    }
    if (connected.has(this.stored.hostId ?? "")) this.passDueMs = null;
    if (this.passDueMs === null) return;
    // Nobody to pass it to: checked again when the next player joins (joined()).
    if (next === null) {
      this.noCandidate = true;
      return;
    }
    const fromId = this.stored.hostId;
    this.stored = { ...this.stored, hostId: next };
    this.passDueMs = null;
    this.save();
    this.room.broadcast({ type: "host-passed", hostId: next, fromId });
    this.room.broadcast(this.controls());
  }

  /** A command from `session` (a player's or a watcher's joined session): done, or refused with a typed error. */
  command(session: Joined & { readonly role: "player" | "watcher" }, command: HostCommand): void {
    const role: RoomRole = session.role === "watcher" ? "watcher" : session.playerId === this.stored.hostId ? "host" : "player";
    const socket = session.socket;
    if (!mayControl(role, command.control)) return sendError(socket, "not-host", `only the host may ${command.control === "watch-only" ? "make the room watch-only" : command.control}`);
    switch (command.control) {
      case "kick":
      case "ban":
        return this.remove(socket, session.playerId, command.playerId, command.control === "ban", command.reason ?? "");
      case "lock":
        return this.set({ locked: command.on });
      case "watch-only":
        return this.set({ watchOnly: command.on });
      case "restart": {
        const refusal = this.room.restart(command.create, socket.address);
        if (refusal !== null) sendError(socket, "over-quota", refusal);
        return;
      }
      default: {
        const unreachable: never = command;
        return unreachable;
      }
    }
  }

  /** The controls as everyone sees them. */
  controls(): RoomControlsEvent {
    const { hostId, locked, watchOnly, password } = this.stored;
    return { type: "room-controls", hostId, locked, watchOnly, private: password !== null };
  }

  /** Kicks or bans a player, or a watcher (its chat lines name it): a ban is of the token it came with. */
  private remove(socket: RoomSocket, hostId: string, targetId: string, ban: boolean, reason: string): void {
    const watcher = this.room.players.has(targetId) ? undefined : this.room.watcher(targetId);
    const target = watcher ?? this.room.players.get(targetId);
    const connection = watcher ?? this.room.connectionOf(targetId);
    if (targetId === hostId) return sendError(socket, "no-such-player", "the host cannot kick or ban themself");
    // A ban reaches a remembered player who is away (its token); a kick needs someone here.
    if (!target || (!ban && !connection)) return sendError(socket, "no-such-player", `no player or watcher ${targetId.slice(0, 12)} is in this room`);
    if (ban) {
      this.stored = { ...this.stored, banned: [...this.stored.banned.filter((token) => token !== target.token), target.token].slice(-MAX_BANNED_TOKENS) };
      this.save();
    }
    const shown = reason === "" ? (ban ? "the host banned you from this room" : "the host removed you from the room") : `${ban ? "banned" : "removed"} by the host: ${reason}`;
    this.room.broadcast({ type: "kicked", playerId: targetId, name: target.name, banned: ban, reason });
    if (!connection) return;
    connection.socket.close(ban ? CLOSE_BANNED : CLOSE_KICKED, shown);
    this.room.drop(connection.socket.id);
  }

  private set(change: Partial<Pick<StoredHost, "locked" | "watchOnly">>): void {
    this.stored = { ...this.stored, ...change };
    this.save();
    this.room.broadcast(this.controls());
  }

  /** Written at once, beside the flushes: host changes are rare, and the runtime holds the frames that follow until it is durable. */
  private save(): void {
    this.room.storage.put({ [HOST_KEY]: this.stored }).catch((error: unknown) => reportFailure("a write of the host seat", error));
  }

  private tryAllowed(address: string | undefined): boolean {
    if (address === undefined) return true;
    const nowMs = this.room.now();
    if (this.tries.size > SWEEP_AT_ADDRESSES) this.tries.clear();
    let bucket = this.tries.get(address);
    if (!bucket) this.tries.set(address, (bucket = new TokenBucket(PASSWORD_TRIES_BURST, PASSWORD_TRIES_PER_MIN / 60, nowMs)));
    return bucket.take(nowMs);
  }

  private refuse(socket: RoomSocket, code: HostErrorCode | ErrorCode, reason: string, closeCode: number): "refused" {
    sendError(socket, code, reason);
    socket.close(closeCode, reason);
    return "refused";
  }

  /** Refused after the delay, awaited by this hello alone. */
  private async refuseLater(socket: RoomSocket, code: HostErrorCode, reason: string): Promise<false> {
    await this.room.wait?.(PASSWORD_REFUSAL_DELAY_MS);
    this.refuse(socket, code, reason, CLOSE_PASSWORD);
    return false;
  }
}
