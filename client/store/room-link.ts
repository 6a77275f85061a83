/**
 * The store's port to a room: what it needs of a connection and nothing of how
 * one is made. client/net/connection.ts implements it over a WebSocket; tests
 * implement it over an in-process room, with queues they flush by hand.
 */
import type { ClientMessage, ServerMessage } from "../../shared/protocol.ts";

/**
 * "connecting" until the room's welcome (socket opening, hello sent), "open"
 * once welcomed, "reconnecting" after a drop, "closed" for good.
 */
export type LinkState = "connecting" | "open" | "reconnecting" | "closed";

/** A room that closed the link for good says why; retrying cannot help. */
export interface LinkRefusal {
  /**
   * "refused": the room will not admit this hello as it is (a name it refuses, a quota, a link that names no room,
   * a kick or a ban); "password": a private room wants its password; "restarted": the host restarted the room.
   */
  code: "room-full" | "version-mismatch" | "refused" | "password" | "restarted";
  /** The close frame's reason, possibly empty. */
  reason: string;
}

export interface LinkStatus {
  state: LinkState;
  /** The last measured round trip, null before the first. */
  rttMs: number | null;
  /** Set when the room closed the link for good. */
  refusal: LinkRefusal | null;
}

export interface RoomLink {
  /** Sends when the link is up; drops the message otherwise (a welcome voids what was in flight). */
  send(message: ClientMessage): void;
  /** Every valid frame from the room, in order. Returns a function that unsubscribes. */
  onFrame(listener: (message: ServerMessage) => void): () => void;
  /** Every change of state or round trip. Returns a function that unsubscribes. */
  onStatus(listener: (status: LinkStatus) => void): () => void;
}

/**
 * The listener half every RoomLink has: subscribe to frames and to status, and
 * the two calls an implementation hands them out with.
 */
export abstract class RoomLinkListeners implements RoomLink {
  private readonly frameListeners = new Set<(message: ServerMessage) => void>();
  private readonly statusListeners = new Set<(status: LinkStatus) => void>();

  abstract send(message: ClientMessage): void;

  onFrame(listener: (message: ServerMessage) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Hands a frame from the room to every subscriber. */
  protected emitFrame(message: ServerMessage): void {
    for (const listener of this.frameListeners) listener(message);
  }

  /** Tells every subscriber the link's new status. */
  protected emitStatus(status: LinkStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }
}

