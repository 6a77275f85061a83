/**
 * The one place the browser talks WebSocket: partysocket for reconnects, the
 * shared protocol on the wire, every server frame validated before anyone sees
 * it (invalid ones counted here), the welcome token kept in sessionStorage so a
 * reload or reconnect resumes the same player, and pings for the round-trip
 * time. It answers the server's heartbeat, and reconnects a socket that stays
 * silent past SILENCE_TIMEOUT_MS (a socket the server no longer serves, e.g. one
 * half-closed by a network change): the store sees a reconnect, nothing else.
 * It is the store's RoomLink and knows nothing of the store.
 */
import PartySocket from "partysocket";
import {
  CLOSE_REFUSED,
  CLOSE_ROOM_FULL,
  CLOSE_TOO_MANY_SOCKETS,
  CLOSE_VERSION_MISMATCH,
  PARTY_FOR_MODE,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ClientMessage,
  type HeartbeatReply,
  type Mode,
  type Role,
  type ServerMessage,
} from "../../shared/protocol.ts";
import { roomIdProblem } from "../../shared/room-id.ts";
import { CLOSE_BANNED, CLOSE_KICKED, CLOSE_PASSWORD, CLOSE_RESTARTED } from "../../shared/host-controls.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { RoomLinkListeners, type LinkRefusal, type LinkState, type LinkStatus } from "../store/room-link.ts";

export const PING_INTERVAL_MS = 2_000;
/**
 * A socket that has brought nothing for this long is given up and reconnected:
 * the room sends a heartbeat every second and answers every ping, so this is
 * several of each missed.
 */
export const SILENCE_TIMEOUT_MS = 8_000;

/** Closes after which retrying cannot help, and how the store is told. */
const REFUSALS: ReadonlyMap<number, LinkRefusal["code"]> = new Map([
  [CLOSE_VERSION_MISMATCH, "version-mismatch"],
  [CLOSE_ROOM_FULL, "room-full"],
  [CLOSE_REFUSED, "refused"],
  [CLOSE_TOO_MANY_SOCKETS, "refused"],
  // Host controls (issue 14): a kick is shown, not retried; the page decides on a reload.
  [CLOSE_KICKED, "refused"],
  [CLOSE_BANNED, "refused"],
  [CLOSE_PASSWORD, "password"],
  [CLOSE_RESTARTED, "restarted"],
]);

export interface ConnectionOptions {
  host: string;
  room: string;
  mode: Mode;
  name: string;
  /** Options for a room this player is creating; ignored by a room that exists. */
  create?: PuzzleOptions;
  /** Join as a watcher (the link's ?watch=1). */
  watch?: boolean;
  /** A private room's password (from the lobby or the link's #pw=): sent with every hello, needed by all but a resuming player. */
  password?: string;
  /** With `create`: list the new room in the public lobby. */
  listed?: boolean;
}

function tokenKey(mode: Mode, room: string): string {
  return `puzzle-rooms:token:${PARTY_FOR_MODE[mode]}:${room}`;
}

/** True when this tab already played in that room: a reload can resume without the lobby. */
export function hasSessionToken(mode: Mode, room: string): boolean {
  return sessionStorage.getItem(tokenKey(mode, room)) !== null;
}

export class Connection extends RoomLinkListeners {
  private readonly socket: PartySocket;
  private status: LinkStatus = { state: "connecting", rttMs: null, refusal: null };
  /** What the next hello asks for: a watcher (?watch=1) until a seat or a player's welcome. */
  private role: Role;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closedForGood = false;
  private invalid = 0;
  private lastHeardAtMs = 0;

  /** Subscribe, then `connect()`: nothing arrives before. */
  constructor(private readonly options: ConnectionOptions) {
    super();
    this.role = options.watch ? "watcher" : "player";
    this.socket = new PartySocket({
      host: options.host,
      party: PARTY_FOR_MODE[options.mode],
      room: options.room,
      protocol: location.protocol === "https:" ? "wss" : "ws",
      minReconnectionDelay: 300,
      maxReconnectionDelay: 5_000,
      startClosed: true,
    });
    this.socket.addEventListener("open", () => this.onOpen());
    this.socket.addEventListener("message", (event: MessageEvent) => this.onMessage(String(event.data)));
    this.socket.addEventListener("close", (event: CloseEvent) => this.onClose(event));
  }

  /** Frames from the room that failed validation and were dropped. */
  get invalidFrames(): number {
    return this.invalid;
  }

  connect(): void {
    // A link that names no room is refused here, with the sentence every room would answer.
    const problem = roomIdProblem(this.options.room);
    if (problem !== null) {
      this.closedForGood = true;
      return this.report("closed", { refusal: { code: "refused", reason: problem } });
    }
    this.socket.reconnect();
  }

  send(message: ClientMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  close(): void {
    this.closedForGood = true;
    this.stopPings();
    this.socket.close();
  }

  private onOpen(): void {
    this.lastHeardAtMs = performance.now();
    this.report("connecting");
    const token = sessionStorage.getItem(tokenKey(this.options.mode, this.options.room)) ?? undefined;
    // A watcher comes back watching; one that took a seat comes back as its player (by the token).
    this.send({ type: "hello", protocol: PROTOCOL_VERSION, name: this.options.name, token, create: this.options.create, ...(this.options.listed ? { listed: true } : {}), ...(this.role === "watcher" ? { role: "watcher" as const } : {}), ...(this.options.password ? { password: this.options.password } : {}) });
    this.stopPings();
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  private ping(): void {
    const nowMs = performance.now();
    if (nowMs - this.lastHeardAtMs > SILENCE_TIMEOUT_MS) {
      // The room has stopped answering this socket: a new one resumes the player.
      this.stopPings();
      this.socket.reconnect();
      return;
    }
    this.send({ type: "ping", t: nowMs });
  }

  private stopPings(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private onMessage(frame: string): void {
    this.lastHeardAtMs = performance.now();
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) {
      // A frame we cannot read must not corrupt the replica; count it and carry on.
      this.invalid++;
      console.error(`ignored an invalid frame from the room (${parsed.message})`);
      return;
    }
    const message = parsed.message;
    if (message.type === "ping") {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "pong", t: message.t } satisfies HeartbeatReply));
      return;
    }
    if (message.type === "pong") {
      this.report(this.status.state, { rttMs: performance.now() - message.t });
      return;
    }
    if (message.type === "welcome") sessionStorage.setItem(tokenKey(this.options.mode, this.options.room), message.token);
    if (message.type === "welcome" && message.role === "player") this.role = "player";
    if (message.type === "batch" && message.events.some((event) => event.type === "seated")) this.role = "player";
    this.emitFrame(message);
    if (message.type === "welcome") this.report("open");
    // A room without a puzzle stays without one: retrying cannot help.
    if (message.type === "error" && message.code === "no-puzzle") this.close();
  }

  private onClose(event: CloseEvent): void {
    this.stopPings();
    let refusal: LinkRefusal | null = null;
    const refused = REFUSALS.get(event.code);
    if (refused) {
      // Retrying cannot help; stay closed and say why.
      this.closedForGood = true;
      this.socket.close();
      refusal = { code: refused, reason: event.reason };
    }
    this.report(this.closedForGood ? "closed" : "reconnecting", { refusal });
  }

  private report(state: LinkState, change: Partial<Omit<LinkStatus, "state">> = {}): void {
    this.status = { ...this.status, refusal: null, ...change, state };
    this.emitStatus(this.status);
  }
}
