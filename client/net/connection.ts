/**
 * The one place the browser talks WebSocket: partysocket for reconnects, the
 * shared protocol on the wire, every server frame validated before the store
 * sees it, the welcome token kept in sessionStorage so a reload or reconnect
 * resumes the same player, and pings for the round-trip time.
 */
import PartySocket from "partysocket";
import {
  CLOSE_ROOM_FULL,
  CLOSE_VERSION_MISMATCH,
  PARTY_FOR_MODE,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ClientMessage,
  type Mode,
  type ServerMessage,
} from "../../shared/protocol.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";

export const PING_INTERVAL_MS = 2_000;

export interface ConnectionOptions {
  host: string;
  room: string;
  mode: Mode;
  name: string;
  /** Options for a room this player is creating; ignored by a room that exists. */
  create?: PuzzleOptions;
}

function tokenKey(mode: Mode, room: string): string {
  return `puzzle-rooms:token:${PARTY_FOR_MODE[mode]}:${room}`;
}

/** True when this tab already played in that room: a reload can resume without the lobby. */
export function hasSessionToken(mode: Mode, room: string): boolean {
  return sessionStorage.getItem(tokenKey(mode, room)) !== null;
}

export class Connection {
  private readonly socket: PartySocket;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closedForGood = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly store: PuzzleStore,
  ) {
    this.socket = new PartySocket({
      host: options.host,
      party: PARTY_FOR_MODE[options.mode],
      room: options.room,
      protocol: location.protocol === "https:" ? "wss" : "ws",
      minReconnectionDelay: 300,
      maxReconnectionDelay: 5_000,
    });
    this.socket.addEventListener("open", () => this.onOpen());
    this.socket.addEventListener("message", (event: MessageEvent) => this.onFrame(String(event.data)));
    this.socket.addEventListener("close", (event: CloseEvent) => this.onClose(event));
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
    this.store.setStatus("connecting");
    const token = sessionStorage.getItem(tokenKey(this.options.mode, this.options.room)) ?? undefined;
    this.send({ type: "hello", protocol: PROTOCOL_VERSION, name: this.options.name, token, create: this.options.create });
    this.stopPings();
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  private ping(): void {
    this.send({ type: "ping", t: performance.now() });
  }

  private stopPings(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private onFrame(frame: string): void {
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) {
      // A frame we cannot read must not corrupt the replica; count it and carry on.
      this.store.stats.invalidFrames++;
      console.error(`ignored an invalid frame from the room (${parsed.message})`);
      return;
    }
    this.handle(parsed.message);
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case "welcome":
        sessionStorage.setItem(tokenKey(this.options.mode, this.options.room), message.token);
        this.store.welcome(message);
        this.store.setStatus("open");
        return;
      case "batch":
        this.store.batch(message);
        return;
      case "pong":
        this.store.setRtt(performance.now() - message.t);
        return;
      case "error":
        if (message.code === "no-puzzle") {
          this.close();
          this.store.setFatal("This room has no puzzle yet. Ask for a fresh link, or create a new room.");
        } else if (message.code === "room-full") {
          this.store.setFatal(`Cannot join: ${message.message}. Create a room of your own below, or try again later.`);
        } else if (message.code === "version-mismatch") {
          this.store.setFatal(`Cannot join: ${message.message}.`);
        } else {
          this.store.notify("error", `The room refused a message: ${message.message}`);
        }
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  private onClose(event: CloseEvent): void {
    this.stopPings();
    if (event.code === CLOSE_VERSION_MISMATCH || event.code === CLOSE_ROOM_FULL) {
      // Retrying cannot help; say why and stay closed.
      this.closedForGood = true;
      this.socket.close();
      if (!this.store.fatal) this.store.setFatal(event.reason || (event.code === CLOSE_ROOM_FULL ? "The room is full." : "This game version does not match the server. Reload the page."));
    }
    this.store.setStatus(this.closedForGood ? "closed" : "reconnecting");
  }
}
