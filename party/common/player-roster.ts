/**
 * Sockets, players and the admission rules every room-like party shares (the
 * stateful room and the stateless hubs): the protocol-version check, the player
 * limit, identities assigned by the server, and resuming by token.
 */
import { CLOSE_ROOM_FULL, CLOSE_VERSION_MISMATCH, PROTOCOL_VERSION, type Hello } from "../../shared/protocol.ts";
import { sendError, type RoomSocket } from "./socket.ts";

export interface RosterPlayer {
  id: string;
  name: string;
  color: string;
  /** Secret handed to the player in its welcome, to resume after a reconnect. */
  token: string;
}

export interface RosterSession {
  socket: RoomSocket;
  playerId: string | null;
}

/** Players remembered for resuming after they leave; older ones are forgotten. */
export const MAX_REMEMBERED_PLAYERS = 256;

/** One palette everywhere, so a player looks the same in every mode. */
export const PLAYER_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000"];

export class PlayerRoster<S extends RosterSession> {
  readonly sessions = new Map<string, S>();
  readonly players = new Map<string, RosterPlayer>();

  constructor(
    private readonly maxPlayers: number,
    private readonly randomId: () => string,
  ) {}

  add(session: S): void {
    this.sessions.set(session.socket.id, session);
  }

  /** Forgets a socket; returns the player who left with it, if that was its last connection. */
  remove(socketId: string): string | null {
    const session = this.sessions.get(socketId);
    this.sessions.delete(socketId);
    const playerId = session?.playerId;
    return playerId && !this.connectionOf(playerId) ? playerId : null;
  }

  /**
   * Checks a hello against the protocol version and the player limit. On refusal
   * it tells the client why, closes the socket and returns null; otherwise it
   * returns the player the hello's token resumes, if any. `joiningCount` counts
   * sessions admitted but not yet bound.
   */
  admit(session: S, hello: Hello, joiningCount = 0): { resumed: RosterPlayer | undefined } | null {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const advice = hello.protocol < PROTOCOL_VERSION ? "your game is out of date: reload the page" : "the server is older than your game";
      const reason = `protocol ${hello.protocol} is not supported (server speaks ${PROTOCOL_VERSION}): ${advice}`;
      sendError(session.socket, "version-mismatch", reason);
      session.socket.close(CLOSE_VERSION_MISMATCH, reason);
      return null;
    }
    const resumed = hello.token ? [...this.players.values()].find((candidate) => candidate.token === hello.token) : undefined;
    const connected = this.connectedPlayerIds();
    if (!(resumed && connected.has(resumed.id)) && connected.size + joiningCount >= this.maxPlayers) {
      const reason = `room is full (${this.maxPlayers} players)`;
      sendError(session.socket, "room-full", reason);
      session.socket.close(CLOSE_ROOM_FULL, reason);
      return null;
    }
    return { resumed };
  }

  /** Binds the session to the resumed player (closing its older connection) or to a new one. */
  bind(session: S, name: string, resumed: RosterPlayer | undefined): RosterPlayer {
    let player = resumed;
    if (player) {
      const previous = this.connectionOf(player.id);
      if (previous && previous !== session) {
        previous.playerId = null;
        previous.socket.close(1000, "resumed on another connection");
      }
      player.name = name;
    } else {
      player = {
        id: this.randomId().slice(0, 12),
        name,
        color: PLAYER_COLORS[this.players.size % PLAYER_COLORS.length]!,
        token: this.randomId(),
      };
      this.players.set(player.id, player);
      this.forgetOldPlayers(player.id);
    }
    session.playerId = player.id;
    return player;
  }

  connectionOf(playerId: string): S | undefined {
    for (const session of this.sessions.values()) if (session.playerId === playerId) return session;
    return undefined;
  }

  connectedPlayerIds(): Set<string> {
    const ids = new Set<string>();
    for (const session of this.sessions.values()) if (session.playerId) ids.add(session.playerId);
    return ids;
  }

  private forgetOldPlayers(keep: string): void {
    const connected = this.connectedPlayerIds();
    for (const id of this.players.keys()) {
      if (this.players.size <= MAX_REMEMBERED_PLAYERS) return;
      if (!connected.has(id) && id !== keep) this.players.delete(id);
    }
  }
}
