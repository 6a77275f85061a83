/**
 * The boundary of every room-like party: each client frame is validated and
 * handed to the room's handler for its kind; a bad one gets a typed error.
 */
import { parseClientFrame, type ActionMessage, type Hello } from "../../shared/protocol.ts";
import type { RosterSession } from "./player-roster.ts";
import { sendError, sendMessage } from "./socket.ts";

/** What a room does with each kind of valid frame; the dispatcher handles the rest. */
export interface FrameHandlers<S extends RosterSession> {
  hello(session: S, hello: Hello): void;
  act(session: S, action: ActionMessage): void;
  /** A joined player's cursor, rounded to table pixels. */
  cursor(playerId: string, x: number, y: number): void;
  now(): number;
}

/**
 * Validates one client frame and hands it to the room: a bad frame gets a typed
 * error, a ping its pong, and a cursor before hello a not-joined error.
 */
export function dispatchFrame<S extends RosterSession>(session: S, frame: string | ArrayBuffer | ArrayBufferView, handlers: FrameHandlers<S>): void {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) return sendError(session.socket, parsed.code, parsed.message);
  const message = parsed.message;
  switch (message.type) {
    case "hello":
      return handlers.hello(session, message);
    case "ping":
      return sendMessage(session.socket, { type: "pong", t: message.t, serverTimeMs: handlers.now() });
    case "cursor":
      if (!session.playerId) return sendError(session.socket, "not-joined", "send hello first");
      return handlers.cursor(session.playerId, Math.round(message.x), Math.round(message.y));
    case "grab":
    case "move":
    case "drop":
      return handlers.act(session, message);
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
}
