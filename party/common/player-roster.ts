/**
 * Sockets, players and the admission rules every room-like party shares (the
 * stateful room and the stateless hubs): the protocol-version check, the player
 * limit, identities assigned by the server, and resuming by token.
 *
 * A session is a tagged union by state. A socket starts `connecting` (open, no
 * hello yet); the hubs have an async step in between, `joining` (hello accepted,
 * the room is loading); a `joined` session is bound to a player and carries
 * whatever only a joined session needs (each core adds its own fields). A state
 * change replaces the session object in the roster, so a handler that awaited
 * something can tell whether the session it started with is still the current one.
 *
 * A joined session plays or watches (issue 11). A watcher counts against the
 * watcher limit, not the player limit; it has an id and a token like a player
 * (so the HUD can tell it from the others, and so that taking a seat makes it
 * the player of that id), but it is not one of `players`: it is never stored,
 * never in the snapshot's players list, and leaving releases nothing.
 */
import { CLOSE_REFUSED, CLOSE_ROOM_FULL, CLOSE_VERSION_MISMATCH, PROTOCOL_VERSION, WATCHING_BECAUSE, type Hello } from "../../shared/protocol.ts";
import { uniqueName } from "../../shared/names.ts";
import { sendError, type RoomSocket } from "./socket.ts";

/**
 * What a remembered (stored) player may do in its room. Watchers are sessions,
 * not remembered players (see above); the room's host (who may refuse
 * anonymous bots) comes with the host controls.
 */
export const ROLES = ["player"] as const;
export type Role = (typeof ROLES)[number];

export interface RosterPlayer {
  id: string;
  /** As others see it: normalised by the hello's schema (shared/names.ts), made unique in the room here. */
  name: string;
  color: string;
  /** Secret handed to the player in its welcome, to resume after a reconnect. */
  token: string;
  role: Role;
}

/** A socket that has not joined (or no longer is: its player resumed on another connection). */
export interface Connecting {
  readonly state: "connecting";
  readonly socket: RoomSocket;
}

/** A hello was admitted and the room is loading it (the hubs' read of the store). */
export interface Joining {
  readonly state: "joining";
  readonly socket: RoomSocket;
}

/** What every joined session has; a core extends it with what only its joined sessions need. */
export interface Joined {
  readonly state: "joined";
  readonly socket: RoomSocket;
  readonly playerId: string;
}

/** The sessions of a roster whose joined sessions are `J`; `W` is `Joining` where a room loads asynchronously. */
export type Session<J extends Joined, W extends Joining = never> = Connecting | W | J;

/** What `admit` decided: the player a token resumes, or a watcher and why. */
export type Admission = { role: "player"; resumed: RosterPlayer | undefined } | { role: "watcher"; because: (typeof WATCHING_BECAUSE)[number] };

/** Where watching is not offered (the stateless modes), a watching hello gets this. */
export const WATCHING_NOT_OFFERED = "watching needs the stateful room: open the link without ?watch=1 to play";

/** Players remembered for resuming after they leave; older ones are forgotten. */
export const MAX_REMEMBERED_PLAYERS = 256;

/** One palette everywhere, so a player looks the same in every mode. */
export const PLAYER_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000"];

export class PlayerRoster<J extends Joined, W extends Joining = never> {
  /** Every open socket's session, by socket id, in the order the sockets connected. */
  readonly sessions = new Map<string, Session<J, W>>();
  readonly players = new Map<string, RosterPlayer>();
  /** Socket ids of the joined sessions that watch. */
  private readonly watching = new Set<string>();
  /**
   * Each connected player's joined session (not watching), by player id, and
   * the sessions joining: kept by `put`, so that a lookup or a count of players
   * is not a pass over every socket (a crowd has a thousand).
   */
  private readonly seated = new Map<string, J>();
  private joiningCount = 0;

  /** `maxWatchers` 0: nobody may watch, and a full room refuses the next player. */
  constructor(
    private readonly maxPlayers: number,
    private readonly randomId: () => string,
    private readonly maxWatchers = 0,
  ) {}

  add(socket: RoomSocket): void {
    this.put(socket.id, { state: "connecting", socket }, false);
  }

  /** Forgets a socket; returns the player who left with it, if that was its last connection. */
  remove(socketId: string): string | null {
    const session = this.sessions.get(socketId);
    const watched = this.watching.has(socketId);
    this.put(socketId, undefined, false);
    if (watched || session?.state !== "joined") return null;
    return this.connectionOf(session.playerId) ? null : session.playerId;
  }

  /** The one place a socket's session changes (or goes: undefined), with whether it watches. */
  private put(socketId: string, session: Session<J, W> | undefined, watching: boolean): void {
    const old = this.sessions.get(socketId);
    if (old?.state === "joining") this.joiningCount--;
    if (session?.state === "joining") this.joiningCount++;
    if (session === undefined) this.sessions.delete(socketId);
    else this.sessions.set(socketId, session);
    if (watching) this.watching.add(socketId);
    else this.watching.delete(socketId);
    const leaving = old?.state === "joined" && this.seated.get(old.playerId) === old ? old.playerId : null;
    if (leaving !== null) this.seated.delete(leaving);
    if (session?.state === "joined" && !watching) this.seated.set(session.playerId, session);
    // Two sockets of one player (only while a resume closes the older): the other is still here.
    if (leaving !== null && !this.seated.has(leaving)) {
      for (const [id, other] of this.sessions) if (other.state === "joined" && other.playerId === leaving && !this.watching.has(id)) this.seated.set(leaving, other);
    }
  }

  /** Whether `session` is still what its socket is (not closed, not moved on to another state). */
  isCurrent(session: Session<J, W>): boolean {
    return this.sessions.get(session.socket.id) === session;
  }

  /** Puts `session` in a new state, unless its socket has gone meanwhile. */
  replace<S extends Session<J, W>>(session: S): S {
    if (this.sessions.has(session.socket.id)) this.put(session.socket.id, session, this.watching.has(session.socket.id));
    return session;
  }

  /** Whether `socketId`'s socket has said hello (it is joining or joined). */
  hasJoined(socketId: string): boolean {
    const session = this.sessions.get(socketId);
    return session !== undefined && session.state !== "connecting";
  }

  /** The joined session of `socketId`; a socket still without one is told to send hello first. */
  joinedOrRefused(socketId: string): J | undefined {
    const session = this.sessions.get(socketId);
    if (!session) return undefined;
    if (session.state === "joined") return session;
    sendError(session.socket, "not-joined", "send hello first");
    return undefined;
  }

  /** The remembered player whose resume token this is, if any. */
  playerWithToken(token: string | undefined): RosterPlayer | undefined {
    if (token === undefined || token === "") return undefined;
    for (const player of this.players.values()) if (player.token === token) return player;
    return undefined;
  }

  /**
   * Checks a hello against the protocol version and the limits (sessions still
   * joining count as players). A player hello into a room whose seats are all
   * taken is admitted as a watcher when the room has watcher places. On refusal
   * it tells the client why, closes the socket and returns null; otherwise it
   * returns the role, and for a player the one the hello's token resumes, if any.
   */
  admit(session: Connecting, hello: Hello): Admission | null {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const advice = hello.protocol < PROTOCOL_VERSION ? "your game is out of date: reload the page" : "the server is older than your game";
      const reason = `protocol ${hello.protocol} is not supported (server speaks ${PROTOCOL_VERSION}): ${advice}`;
      sendError(session.socket, "version-mismatch", reason);
      session.socket.close(CLOSE_VERSION_MISMATCH, reason);
      return null;
    }
    if (hello.role === "watcher") {
      if (this.maxWatchers === 0) return this.refuse(session, "watching", WATCHING_NOT_OFFERED, CLOSE_REFUSED);
      if (this.watching.size >= this.maxWatchers) return this.refuse(session, "room-full", `room is full (${this.maxWatchers} watching)`, CLOSE_ROOM_FULL);
      return { role: "watcher", because: "asked" };
    }
    const resumed = this.playerWithToken(hello.token);
    if (resumed && this.connectionOf(resumed.id)) return { role: "player", resumed };
    if (this.seatsTaken() < this.maxPlayers) return { role: "player", resumed };
    if (this.watching.size < this.maxWatchers) return { role: "watcher", because: "room-full" };
    return this.refuse(session, "room-full", `room is full (${this.maxPlayers} players)`, CLOSE_ROOM_FULL);
  }

  /** Players connected or joining. */
  seatsTaken(): number {
    return this.seated.size + this.joiningCount;
  }

  /** Players connected now. */
  get connectedPlayers(): number {
    return this.seated.size;
  }

  /** Joined sessions that watch. */
  get watchers(): number {
    return this.watching.size;
  }

  isWatching(socketId: string): boolean {
    return this.watching.has(socketId);
  }

  /** The joined watcher session under `watcherId`, if one is here. */
  watcherWithId(watcherId: string): J | undefined {
    for (const socketId of this.watching) {
      const session = this.sessions.get(socketId);
      if (session?.state === "joined" && session.playerId === watcherId) return session;
    }
    return undefined;
  }

  /**
   * Binds `session`'s socket as a watcher: an id and a token of its own (the
   * id it plays under if it takes a seat), no remembered player.
   */
  bindWatcher(session: Connecting, joined: (identity: { id: string; token: string }) => J): J {
    const bound = joined({ id: this.randomId().slice(0, 12), token: this.randomId() });
    this.put(session.socket.id, bound, true);
    return bound;
  }

  /**
   * A watcher takes a free player seat, under its watcher id and token: the
   * player it becomes, or null (the socket goes on watching) when every seat is taken.
   */
  seat(watcher: J, name: string, token: string, joined: (player: RosterPlayer) => J): { player: RosterPlayer; session: J } | null {
    if (!this.watching.has(watcher.socket.id) || this.seatsTaken() >= this.maxPlayers) return null;
    const player: RosterPlayer = { id: watcher.playerId, name: this.uniqueAmongOthers(name, watcher.playerId), color: PLAYER_COLORS[this.players.size % PLAYER_COLORS.length]!, token, role: "player" };
    this.players.set(player.id, player);
    this.forgetOldPlayers(player.id);
    const bound = joined(player);
    this.put(watcher.socket.id, bound, false);
    return { player, session: bound };
  }

  /**
   * Puts back a session the runtime kept while the room slept (hibernation):
   * `joined` is what its attachment says, a remembered player or a watcher.
   */
  restore(session: J, watching: boolean): void {
    this.put(session.socket.id, session, watching);
  }

  private refuse(session: Connecting, code: "room-full" | "watching", reason: string, closeCode: number): null {
    sendError(session.socket, code, reason);
    session.socket.close(closeCode, reason);
    return null;
  }

  /**
   * Binds the socket of `session` to the resumed player (closing that player's
   * older connection) or to a new one: from now on its session is the joined
   * one `joined` builds for that player.
   */
  bind(session: Connecting | W, name: string, resumed: RosterPlayer | undefined, joined: (player: RosterPlayer) => J): { player: RosterPlayer; session: J } {
    let player = resumed;
    if (player) {
      const previous = this.connectionOf(player.id);
      if (previous && previous.socket !== session.socket) {
        this.put(previous.socket.id, { state: "connecting", socket: previous.socket }, false);
        previous.socket.close(1000, "resumed on another connection");
      }
      player.name = this.uniqueAmongOthers(name, player.id);
    } else {
      const id = this.randomId().slice(0, 12);
      player = {
        id,
        name: this.uniqueAmongOthers(name, id),
        color: PLAYER_COLORS[this.players.size % PLAYER_COLORS.length]!,
        token: this.randomId(),
        role: "player",
      };
      this.players.set(player.id, player);
      this.forgetOldPlayers(player.id);
    }
    const bound = joined(player);
    this.put(session.socket.id, bound, false);
    return { player, session: bound };
  }

  connectionOf(playerId: string): J | undefined {
    return this.seated.get(playerId);
  }

  connectedPlayerIds(): Set<string> {
    const ids = new Set<string>();
    for (const [socketId, session] of this.sessions) if (session.state === "joined" && !this.watching.has(socketId)) ids.add(session.playerId);
    return ids;
  }

  /** `name`, or `name (2)`... whichever no other player of the room has. */
  private uniqueAmongOthers(name: string, playerId: string): string {
    const taken: string[] = [];
    for (const other of this.players.values()) if (other.id !== playerId) taken.push(other.name);
    return uniqueName(name, taken);
  }

  private forgetOldPlayers(keep: string): void {
    const connected = this.connectedPlayerIds();
    for (const id of this.players.keys()) {
      if (this.players.size <= MAX_REMEMBERED_PLAYERS) return;
      if (!connected.has(id) && id !== keep) this.players.delete(id);
    }
  }
}
