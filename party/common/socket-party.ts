/**
 * The WebSocket half of every room-like party: PartyKit's socket events handed
 * through the boundary's guard (socket-guard.ts: identity per socket, rate
 * limits, hello deadline, heartbeat) to a transport-free core. The stateful
 * room and the stateless hubs extend it; both refuse a room id that is not one
 * before a room object even exists.
 */
import type * as Party from "partykit/server";
import { roomIdProblem } from "../../shared/room-id.ts";
import type { ErrorBody, GuardCounters } from "../../shared/http.ts";
import { readConnectionLimits, type ConnectionLimits } from "./limits.ts";
import { SocketGuard, frameType, type SocketCore } from "./socket-guard.ts";
import type { RoomSocket } from "./socket.ts";

export type { SocketCore } from "./socket-guard.ts";

/** WebSocket's close code for a server restarting: the client reconnects (and resumes by its token). */
export const CLOSE_SERVICE_RESTART = 1012;

/** Where the runtime shows the client's address: Cloudflare sets it on every request it forwards. */
export const CLIENT_ADDRESS_HEADER = "cf-connecting-ip";

/** A 400 naming what a room id is, for a request or an upgrade to a room whose id is not one. */
export function refuseRoomId(lobby: { id: string }): Response | null {
  const problem = roomIdProblem(lobby.id);
  return problem === null ? null : Response.json({ error: problem } satisfies ErrorBody, { status: 400, headers: { "access-control-allow-origin": "*" } });
}

export abstract class SocketParty {
  protected abstract readonly core: SocketCore;
  private guardOf: SocketGuard<Party.Connection> | null = null;
  /** When the guard's next deadline is armed for (`wakeAt`), or null: nothing is armed. */
  private armedAtMs: number | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private limitsOf: ConnectionLimits | null = null;
  /** When a socket last connected or sent something other than a ping or a pong. */
  private lastActiveMs = 0;

  constructor(protected readonly env: Record<string, unknown>) {}

  /** The limits from partykit.json vars, read once. */
  protected get limits(): ConnectionLimits {
    this.limitsOf ??= readConnectionLimits(this.env);
    return this.limitsOf;
  }

  /** What the guard did so far, for the room's summary. */
  protected get guardCounters(): GuardCounters {
    return { ...this.guard.counters };
  }

  /** Open sockets, joined or not. */
  protected get openSockets(): number {
    return this.guardOf?.size ?? 0;
  }

  private get guard(): SocketGuard<Party.Connection> {
    this.guardOf ??= new SocketGuard(this.core, this.limits, () => Date.now(), () => crypto.getRandomValues(new Uint32Array(1))[0]!);
    return this.guardOf;
  }

  onConnect(connection: Party.Connection, ctx: Party.ConnectionContext): void {
    this.guard.open(connection, ctx.request.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined);
    this.active();
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection): void {
    const type = frameType(message);
    if (type !== "ping" && type !== "pong") this.active();
    this.guard.receive(sender, message);
  }

  /** The runtime socket behind the room's key for it. */
  protected rawOf(socketId: string): Party.Connection | undefined {
    return this.guardOf?.rawOf(socketId);
  }

  /**
   * After a wake (hibernation): every socket the runtime kept open is guarded
   * again and handed to `restore`, which rebuilds its session from its
   * attachment; one it cannot restore (no hello yet, a player the room no
   * longer knows) is closed with 1012, and its client reconnects.
   */
  protected adoptSockets(connections: Iterable<Party.Connection>, restore: (socket: RoomSocket, connection: Party.Connection) => boolean): void {
    for (const connection of connections) {
      const socket = this.guard.adopt(connection, undefined);
      if (!restore(socket, connection)) socket.close(CLOSE_SERVICE_RESTART, "the room restarted: reconnect");
    }
    if (this.guard.size > 0) this.active();
  }

  /**
   * Something happened: the guard's deadlines are armed (again) unless what is
   * armed is at most a heartbeat interval away. O(1) per frame while the
   * heartbeat runs (a tick re-arms for the next deadline); a deadline added
   * since (a new socket's hello deadline, a joiner's first ping) is kept at most
   * an interval late.
   */
  private active(): void {
    const nowMs = Date.now();
    this.lastActiveMs = nowMs;
    if (this.armedAtMs === null || this.armedAtMs > nowMs + this.limits.heartbeatIntervalMs) this.armNext();
  }

  /**
   * The guard's deadlines are due: hello deadlines, pings, heartbeat timeouts.
   * The heartbeat stops once the room has been quiet (no frame but pings and
   * pongs, nobody waiting to join) for a heartbeat timeout, so that nothing
   * keeps a hibernating room awake; a socket that is not reading matters only
   * once frames are sent, and they are sent only after something happened.
   * The stateful room calls this from its storage alarm; the hubs from a timer.
   */
  protected runDeadlines(): void {
    this.armedAtMs = null;
    if (this.guard.size === 0 && this.guard.refusing === 0) return;
    this.guard.tick();
    this.afterSocketsChanged();
    this.armNext();
  }

  /** Arms the guard's earliest deadline, if it has one (heartbeat deadlines only while the room is not quiet). */
  private armNext(): void {
    const quiet = this.guard.waiting === 0 && Date.now() - this.lastActiveMs > this.limits.heartbeatTimeoutMs + this.limits.heartbeatIntervalMs;
    const atMs = this.guard.nextDeadlineMs(!quiet);
    if (atMs === null) return;
    this.armedAtMs = atMs;
    this.wakeAt(atMs);
  }

  /**
   * Calls `runDeadlines` at (or a little after) `atMs`. Here a timer, for the
   * hubs, which do not hibernate; the stateful room overrides it with the
   * storage alarm, an event that wakes a hibernating room (a pending timer
   * keeps it awake instead).
   */
  protected wakeAt(atMs: number): void {
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      this.runDeadlines();
    }, Math.max(0, atMs - Date.now()));
  }

  onClose(connection: Party.Connection): void {
    this.guard.closed(connection);
    this.afterSocketsChanged();
  }

  onError(connection: Party.Connection): void {
    this.guard.closed(connection);
    this.afterSocketsChanged();
  }

  /** The party has no socket left: the room may unload (server.ts does). */
  protected onIdle(): void {}

  private afterSocketsChanged(): void {
    if (this.guard.size > 0) return;
    if (this.guard.refusing === 0) {
      // No socket, no deadline: an alarm still armed finds nothing to do.
      if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
      this.deadlineTimer = null;
      this.armedAtMs = null;
    }
    this.onIdle();
  }
}
