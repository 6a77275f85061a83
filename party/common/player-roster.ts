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
 */
import { CLOSE_ROOM_FULL, CLOSE_VERSION_MISMATCH, PROTOCOL_VERSION, type Hello } from "../../shared/protocol.ts";
import { uniqueName } from "../../shared/names.ts";
import { sendError, type RoomSocket } from "./socket.ts";

/**
 * What a roster entry may do in its room. Everyone plays for now; the room's
 * host (who may refuse anonymous bots) and watchers (who count against no
 * player limit) come with the host controls.
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

/** Players remembered for resuming after they leave; older ones are forgotten. */
export const MAX_REMEMBERED_PLAYERS = 256;

/** One palette everywhere, so a player looks the same in every mode. */
export const PLAYER_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000"];

export class PlayerRoster<J extends Joined, W extends Joining = never> {
  /** Every open socket's session, by socket id, in the order the sockets connected. */
  readonly sessions = new Map<string, Session<J, W>>();
  readonly players = new Map<string, RosterPlayer>();

  constructor(
    private readonly maxPlayers: number,
    private readonly randomId: () => string,
  ) {}

  add(socket: RoomSocket): void {
    this.sessions.set(socket.id, { state: "connecting", socket });
  }

  /** Forgets a socket; returns the player who left with it, if that was its last connection. */
  remove(socketId: string): string | null {
    const session = this.sessions.get(socketId);
    this.sessions.delete(socketId);
    if (session?.state !== "joined") return null;
    return this.connectionOf(session.playerId) ? null : session.playerId;
  }

  /** Whether `session` is still what its socket is (not closed, not moved on to another state). */
  isCurrent(session: Session<J, W>): boolean {
    return this.sessions.get(session.socket.id) === session;
  }

  /** Puts `session` in a new state, unless its socket has gone meanwhile. */
  replace<S extends Session<J, W>>(session: S): S {
    if (this.sessions.has(session.socket.id)) this.sessions.set(session.socket.id, session);
    return session;
  }

  /**
   * Checks a hello against the protocol version and the player limit (sessions
   * still joining count as players). On refusal it tells the client why, closes
   * the socket and returns null; otherwise it returns the player the hello's
   * token resumes, if any.
   */
  admit(session: Connecting, hello: Hello): { resumed: RosterPlayer | undefined } | null {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const advice = hello.protocol < PROTOCOL_VERSION ? "your game is out of date: reload the page" : "the server is older than your game";
      const reason = `protocol ${hello.protocol} is not supported (server speaks ${PROTOCOL_VERSION}): ${advice}`;
      sendError(session.socket, "version-mismatch", reason);
      session.socket.close(CLOSE_VERSION_MISMATCH, reason);
      return null;
    }
    const resumed = hello.token ? [...this.players.values()].find((candidate) => candidate.token === hello.token) : undefined;
    const connected = this.connectedPlayerIds();
    let joining = 0;
    for (const other of this.sessions.values()) if (other.state === "joining") joining++;
    if (!(resumed && connected.has(resumed.id)) && connected.size + joining >= this.maxPlayers) {
      const reason = `room is full (${this.maxPlayers} players)`;
      sendError(session.socket, "room-full", reason);
      session.socket.close(CLOSE_ROOM_FULL, reason);
      return null;
    }
    return { resumed };
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
        this.sessions.set(previous.socket.id, { state: "connecting", socket: previous.socket });
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
    this.sessions.set(session.socket.id, bound);
    return { player, session: bound };
  }

  connectionOf(playerId: string): J | undefined {
    for (const session of this.sessions.values()) if (session.state === "joined" && session.playerId === playerId) return session;
    return undefined;
  }

  connectedPlayerIds(): Set<string> {
    const ids = new Set<string>();
    for (const session of this.sessions.values()) if (session.state === "joined") ids.add(session.playerId);
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
